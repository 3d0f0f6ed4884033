// Where learner checkpoints live in a directory: ckpt-<step, 12 digits>.pt, each with its CRC-32
// and size recorded beside it in ckpt-<step>.pt.crc32. A checkpoint is written under a fresh
// temporary name, fsynced, its checksum written (durably), renamed into place and the folder
// fsynced; only then are older ones pruned to the newest `keep`. A crash never leaves a
// half-written checkpoint under a real name, and temporaries it leaves are removed at the next
// write. On start, the newest checkpoint that passes its checksum and loads is used.
#ifndef MIMIC_LEARNER_CHECKPOINT_FILES_H_
#define MIMIC_LEARNER_CHECKPOINT_FILES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mimic {

std::string CheckpointPath(const std::string& dir, int64_t step);

// Checkpoint paths in `dir`, oldest first; NotFound if the directory does not exist.
absl::StatusOr<std::vector<std::string>> ListCheckpoints(const std::string& dir);

// The newest checkpoint in `dir` (by name; see RestoreNewestValid); NotFound when there is none.
absl::StatusOr<std::string> LatestCheckpoint(const std::string& dir);

// OK when `path` has the size and CRC-32 recorded beside it; DATA_LOSS naming the difference
// otherwise. A checkpoint from before checksums (nothing recorded) passes.
absl::Status VerifyCheckpoint(const std::string& path);

// Tries the checkpoints in `dir` newest first: each must pass VerifyCheckpoint and `restore`;
// one that fails either with DATA_LOSS is reported and skipped, any other error is returned.
// Returns the path restored, or NotFound when no checkpoint was usable.
absl::StatusOr<std::string> RestoreNewestValid(const std::string& dir,
                                               const std::function<absl::Status(const std::string& path)>& restore);

// Creates `dir`, calls write(temp_path), makes it durable under CheckpointPath(dir, step) with
// its checksum, prunes to the newest `keep`. Returns the final path.
absl::StatusOr<std::string> WriteCheckpointAtomically(
    const std::string& dir, int64_t step, int keep,
    const std::function<absl::Status(const std::string& temp_path)>& write);

}  // namespace mimic

#endif  // MIMIC_LEARNER_CHECKPOINT_FILES_H_
