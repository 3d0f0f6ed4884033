#include "learner/checkpoint_files.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mimic {
namespace fs = std::filesystem;

std::string CheckpointPath(const std::string& dir, int64_t step) {
  return (fs::path(dir) / absl::StrFormat("ckpt-%012d.pt", step)).string();
}

absl::StatusOr<std::vector<std::string>> ListCheckpoints(const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return absl::NotFoundError(absl::StrCat("checkpoint directory ", dir, " does not exist"));
  }
  std::vector<std::string> paths;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, "ckpt-") && absl::EndsWith(name, ".pt") && name.size() == 20) {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());  // zero-padded steps sort numerically
  return paths;
}

absl::StatusOr<std::string> LatestCheckpoint(const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> paths = ListCheckpoints(dir);
  if (!paths.ok()) return paths.status();
  if (paths->empty()) return absl::NotFoundError(absl::StrCat("no checkpoint in ", dir));
  return paths->back();
}

absl::StatusOr<std::string> WriteCheckpointAtomically(
    const std::string& dir, int64_t step, int keep,
    const std::function<absl::Status(const std::string& temp_path)>& write) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    return absl::InternalError(absl::StrCat("cannot create checkpoint directory ", dir, ": ",
                                            error.message()));
  }
  const std::string final_path = CheckpointPath(dir, step);
  const std::string temp_path = final_path + ".tmp";
  absl::Status written = write(temp_path);
  if (!written.ok()) {
    fs::remove(temp_path, error);
    return written;
  }
  fs::rename(temp_path, final_path, error);
  if (error) {
    return absl::InternalError(absl::StrCat("cannot rename ", temp_path, ": ", error.message()));
  }
  absl::StatusOr<std::vector<std::string>> paths = ListCheckpoints(dir);
  if (paths.ok() && keep > 0) {
    for (size_t i = 0; i + keep < paths->size(); ++i) fs::remove((*paths)[i], error);
  }
  return final_path;
}

}  // namespace mimic
