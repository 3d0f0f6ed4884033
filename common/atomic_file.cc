#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mimic {

std::string TemporaryNameFor(const std::string& path) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrFormat("%s.tmp.%d.%016x", path, getpid(), rng());
}

bool IsTemporaryName(const std::string& file_name) { return absl::StrContains(file_name, ".tmp."); }

absl::Status SyncFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot open ", path, " to sync it: ", std::strerror(errno)));
  const bool ok = fsync(fd) == 0;
  const int error = errno;
  close(fd);
  if (!ok) return absl::DataLossError(absl::StrCat("fsync of ", path, " failed: ", std::strerror(error)));
  return absl::OkStatus();
}

absl::Status SyncFolder(const std::string& folder) {
  const int fd = open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot open ", folder, " to sync it: ", std::strerror(errno)));
  const bool ok = fsync(fd) == 0;
  const int error = errno;
  close(fd);
  if (!ok) return absl::DataLossError(absl::StrCat("fsync of folder ", folder, " failed: ", std::strerror(error)));
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& content, Durability durability) {
  const std::string temp = TemporaryNameFor(path);
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  const bool synced = durability != Durability::kSynced || fsync(fd) == 0;
  const bool closed = close(fd) == 0;
  if (done != content.size() || !synced || !closed || rename(temp.c_str(), path.c_str()) != 0) {
    unlink(temp.c_str());
    return absl::DataLossError(absl::StrCat("cannot write ", path, " (disk full?)"));
  }
  if (durability == Durability::kSynced) {
    return SyncFolder(std::filesystem::path(path).parent_path().string());
  }
  return absl::OkStatus();
}

}  // namespace mimic
