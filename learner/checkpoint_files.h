// Where learner checkpoints live in a directory: ckpt-<step, 12 digits>.pt, written to a
// temporary name and renamed (a crash never leaves a half-written checkpoint under a real name),
// the newest `keep` kept.
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

// The newest checkpoint in `dir`; NotFound when there is none.
absl::StatusOr<std::string> LatestCheckpoint(const std::string& dir);

// Creates `dir`, calls write(temp_path), renames temp to CheckpointPath(dir, step), prunes to
// the newest `keep`. Returns the final path.
absl::StatusOr<std::string> WriteCheckpointAtomically(
    const std::string& dir, int64_t step, int keep,
    const std::function<absl::Status(const std::string& temp_path)>& write);

}  // namespace mimic

#endif  // MIMIC_LEARNER_CHECKPOINT_FILES_H_
