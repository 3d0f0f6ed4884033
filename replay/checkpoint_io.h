// Replay checkpoints on disk: a CheckpointHeader, then num_items CheckpointItems, then num_tables
// CheckpointTables, each length-delimited (so checkpoints may exceed protobuf's 2 GiB message
// limit). Files are written to a temporary name and renamed; the newest `keep` are kept.
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

// Writes `data` as the newest checkpoint in `dir` (created if missing) and deletes all but the
// newest `keep`; returns its path.
absl::StatusOr<std::string> WriteCheckpoint(const std::string& dir, const CheckpointData& data, int keep);

// The newest checkpoint in `dir`, or NotFound.
absl::StatusOr<std::string> LatestCheckpoint(const std::string& dir);

absl::StatusOr<CheckpointData> ReadCheckpoint(const std::string& path);

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_CHECKPOINT_IO_H_
