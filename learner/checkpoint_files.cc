#include "learner/checkpoint_files.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/atomic_file.h"

namespace mimic {
namespace fs = std::filesystem;
namespace {

constexpr char kChecksumSuffix[] = ".crc32";

struct FileDigest {
  uint32_t crc = 0;
  uint64_t bytes = 0;
};

absl::StatusOr<FileDigest> Digest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  FileDigest d;
  d.crc = static_cast<uint32_t>(crc32_z(0, nullptr, 0));
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize n = in.gcount();
    if (n <= 0) break;
    d.crc = static_cast<uint32_t>(crc32_z(d.crc, reinterpret_cast<const Bytef*>(buffer.data()), static_cast<size_t>(n)));
    d.bytes += static_cast<uint64_t>(n);
  }
  return d;
}

std::string DigestLine(const FileDigest& d) { return absl::StrFormat("crc32 %08x bytes %d\n", d.crc, d.bytes); }

// Temporaries of a crashed write, and checksums whose checkpoint is gone.
void RemoveLeftovers(const std::string& dir) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (!absl::StartsWith(name, "ckpt-")) continue;
    const bool temporary = IsTemporaryName(name);
    const bool orphan = absl::EndsWith(name, kChecksumSuffix) &&
                        !fs::exists(entry.path().string().substr(0, entry.path().string().size() - 6), error);
    if (temporary || orphan) fs::remove(entry.path(), error);
  }
}

}  // namespace

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

absl::Status VerifyCheckpoint(const std::string& path) {
  std::ifstream recorded(path + kChecksumSuffix);
  if (!recorded) return absl::OkStatus();  // written before checksums
  std::stringstream line;
  line << recorded.rdbuf();
  absl::StatusOr<FileDigest> actual = Digest(path);
  if (!actual.ok()) return absl::DataLossError(actual.status().message());
  if (line.str() != DigestLine(*actual)) {
    return absl::DataLossError(absl::StrCat("checkpoint ", path, " does not match its checksum (recorded ",
                                            absl::StripSuffix(line.str(), "\n"), ", found ",
                                            absl::StripSuffix(DigestLine(*actual), "\n"),
                                            "): truncated or damaged"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RestoreNewestValid(const std::string& dir,
                                               const std::function<absl::Status(const std::string& path)>& restore) {
  absl::StatusOr<std::vector<std::string>> paths = ListCheckpoints(dir);
  if (!paths.ok()) return paths.status();
  for (auto it = paths->rbegin(); it != paths->rend(); ++it) {
    absl::Status usable = VerifyCheckpoint(*it);
    if (usable.ok()) usable = restore(*it);
    if (usable.ok()) return *it;
    if (!absl::IsDataLoss(usable)) return usable;
    std::fprintf(stderr, "learner: %s; trying an older checkpoint\n", std::string(usable.message()).c_str());
  }
  return absl::NotFoundError(absl::StrCat("no usable checkpoint in ", dir));
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
  RemoveLeftovers(dir);
  const std::string final_path = CheckpointPath(dir, step);
  const std::string temp_path = TemporaryNameFor(final_path);
  absl::Status written = write(temp_path);
  // durable, with its checksum durable beside it, before it is published
  if (written.ok()) written = SyncFile(temp_path);
  absl::StatusOr<FileDigest> digest = written.ok() ? Digest(temp_path) : absl::StatusOr<FileDigest>(written);
  if (digest.ok()) written = WriteFileAtomically(final_path + kChecksumSuffix, DigestLine(*digest), Durability::kSynced);
  else written = digest.status();
  if (!written.ok()) {
    fs::remove(temp_path, error);
    return written;
  }
  fs::rename(temp_path, final_path, error);
  if (error) {
    fs::remove(temp_path, error);
    return absl::InternalError(absl::StrCat("cannot rename ", temp_path, ": ", error.message()));
  }
  absl::Status synced = SyncFolder(dir);
  if (!synced.ok()) return synced;
  absl::StatusOr<std::vector<std::string>> paths = ListCheckpoints(dir);
  if (paths.ok() && keep > 0) {
    for (size_t i = 0; i + keep < paths->size(); ++i) {
      fs::remove((*paths)[i], error);
      fs::remove((*paths)[i] + kChecksumSuffix, error);
    }
  }
  return final_path;
}

}  // namespace mimic
