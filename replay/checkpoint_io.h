// Replay checkpoints on disk (version 2): records framed as [varint length][bytes][CRC-32 of
// length and bytes, 4 bytes little-endian]: first the CheckpointHeader, then num_items
// CheckpointItems, then num_tables CheckpointTables (framing each record on its own lets a
// checkpoint exceed protobuf's 2 GiB message limit; the checksum catches a flipped or lost byte).
// Version 1 files (no checksums) are still read.
//
// Durability: a checkpoint is written under a temporary name, fsynced, renamed into place and its
// folder fsynced; only then are older ones pruned to the newest `keep`. Temporaries left by a
// crash are removed at the next write. On start the newest checkpoint that reads back whole is
// restored; corrupt ones are renamed aside (`.corrupt`) and reported.
#ifndef MIMIC_REPLAY_CHECKPOINT_IO_H_
#define MIMIC_REPLAY_CHECKPOINT_IO_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/replay.pb.h"
#include "replay/stored_item.h"

namespace mimic::replay {

struct CheckpointData {
  CheckpointHeader header;
  // items are shared with the live tables: a snapshot copies pointers, not payloads
  std::vector<std::pair<uint64_t, std::shared_ptr<const StoredItem>>> items;
  std::vector<CheckpointTable> tables;
};

// Writes `data` as the newest checkpoint in `dir` (created if missing), durably, then deletes
// all but the newest `keep`; returns its path.
absl::StatusOr<std::string> WriteCheckpoint(const std::string& dir, const CheckpointData& data, int keep);

// Checkpoints in `dir`, newest first (empty when there are none or no folder).
std::vector<std::string> ListCheckpoints(const std::string& dir);

// The newest checkpoint in `dir`, or NotFound.
absl::StatusOr<std::string> LatestCheckpoint(const std::string& dir);

// DATA_LOSS naming the record when the file is truncated, corrupt or fails its checksums.
absl::StatusOr<CheckpointData> ReadCheckpoint(const std::string& path);

// Removes temporary files a crashed write left in `dir`; returns how many.
int RemoveTemporaries(const std::string& dir);

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_CHECKPOINT_IO_H_
