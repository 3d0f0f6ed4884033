#include "common/read_limits.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"

namespace mimic {
namespace {

thread_local ScopedReadBudget* current_budget = nullptr;

std::string Size(int64_t bytes) {
  if (bytes >= (int64_t{1} << 30)) return absl::StrCat(bytes / (int64_t{1} << 20), " MiB");
  return absl::StrCat(bytes, " bytes");
}

}  // namespace

ScopedReadBudget::ScopedReadBudget(int64_t max_bytes) : limit_(std::max<int64_t>(0, max_bytes)), outer_(current_budget) {
  current_budget = this;
}

ScopedReadBudget::~ScopedReadBudget() { current_budget = outer_; }

absl::Status ChargeRead(int64_t bytes, absl::string_view what) {
  if (bytes < 0) return absl::InvalidArgumentError(absl::StrCat(what, ": negative size"));
  if (bytes > kMaxArrayBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, " declares ", Size(bytes), ", over the limit of ", Size(kMaxArrayBytes), " per array"));
  }
  // every enclosing budget must have room; charge them all only when they do
  for (ScopedReadBudget* b = current_budget; b != nullptr; b = b->outer_) {
    if (bytes > b->limit_ - b->used_) {
      return absl::ResourceExhaustedError(absl::StrCat(what, " declares ", Size(bytes), ", over what is left (",
                                                       Size(b->limit_ - b->used_), ") of the read limit of ",
                                                       Size(b->limit_)));
    }
  }
  for (ScopedReadBudget* b = current_budget; b != nullptr; b = b->outer_) b->used_ += bytes;
  return absl::OkStatus();
}

absl::StatusOr<int64_t> CheckedBytes(int64_t count, int64_t element_bytes, absl::string_view what) {
  if (count < 0 || element_bytes < 0) return absl::InvalidArgumentError(absl::StrCat(what, ": negative size"));
  if (element_bytes > 0 && count > kMaxArrayBytes / element_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(what, " declares ", count, " elements of ", element_bytes,
                                                     " bytes, over the limit of ", Size(kMaxArrayBytes), " per array"));
  }
  return count * element_bytes;
}

namespace {

// The size of a regular file; -1 for a pipe or device (read as a stream); an error for a folder.
absl::StatusOr<int64_t> FileSize(int fd, const std::string& path, absl::string_view what) {
  struct stat st;
  if (fstat(fd, &st) != 0) return absl::NotFoundError(absl::StrCat(what, ": cannot read ", path));
  if (S_ISDIR(st.st_mode)) return absl::InvalidArgumentError(absl::StrCat(what, ": ", path, " is a folder"));
  if (!S_ISREG(st.st_mode)) return -1;
  return static_cast<int64_t>(st.st_size);
}

// A pipe's content, charged chunk by chunk as it arrives.
absl::StatusOr<std::string> ReadStream(int fd, const std::string& path, absl::string_view what) {
  std::string text;
  char chunk[1 << 16];
  while (true) {
    const ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (absl::Status charged = ChargeRead(n, absl::StrCat(what, " (", path, ")")); !charged.ok()) return charged;
    text.append(chunk, static_cast<size_t>(n));
  }
  return text;
}

}  // namespace

absl::StatusOr<std::string> ReadFileBounded(const std::string& path, absl::string_view what) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat(what, ": cannot open ", path, ": ", std::strerror(errno)));
  absl::StatusOr<int64_t> size = FileSize(fd, path, what);
  if (size.ok() && *size < 0) {
    absl::StatusOr<std::string> streamed = ReadStream(fd, path, what);
    close(fd);
    return streamed;
  }
  absl::Status charged = size.ok() ? ChargeRead(*size, absl::StrCat(what, " (", path, ")")) : size.status();
  std::string text;
  if (charged.ok()) {
    text.resize(static_cast<size_t>(*size));
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = read(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    text.resize(done);  // a file that shrank meanwhile
  }
  close(fd);
  if (!charged.ok()) return charged;
  return text;
}

absl::Status ChargeFileRead(const std::string& path, int64_t factor, absl::string_view what) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat(what, ": cannot open ", path, ": ", std::strerror(errno)));
  absl::StatusOr<int64_t> size = FileSize(fd, path, what);
  close(fd);
  if (!size.ok()) return size.status();
  if (*size < 0) return absl::OkStatus();  // a pipe: its size is unknown until read (command-line use)
  absl::StatusOr<int64_t> bytes = CheckedBytes(*size, factor, absl::StrCat(what, " (", path, ")"));
  if (!bytes.ok()) return bytes.status();
  return ChargeRead(*bytes, absl::StrCat(what, " (", path, ")"));
}

}  // namespace mimic
