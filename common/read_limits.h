// Bounds on what reading one input may make this process allocate. Loaders check the sizes a
// file declares (array shapes, string lengths, the file's own size for text) against these
// before they allocate, so a small hostile file cannot claim gigabytes.
//
// Two bounds apply to every charge: a per-array ceiling (kMaxArrayBytes, always), and the
// budget of the calling thread when one is installed: a job installs a ScopedReadBudget with its
// limit, and every load on its thread draws from it, so the job's inputs together stay within it.
#ifndef MIMIC_COMMON_READ_LIMITS_H_
#define MIMIC_COMMON_READ_LIMITS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mimic {

// No single array read from a file may exceed this (4 GiB), budget or not.
constexpr int64_t kMaxArrayBytes = int64_t{4} << 30;

// Installs a read budget of `max_bytes` on the calling thread for its lifetime. Budgets nest: an
// inner one cannot grant more than what is left of the outer one.
class ScopedReadBudget {
 public:
  explicit ScopedReadBudget(int64_t max_bytes);
  ~ScopedReadBudget();
  ScopedReadBudget(const ScopedReadBudget&) = delete;
  ScopedReadBudget& operator=(const ScopedReadBudget&) = delete;

  int64_t used() const { return used_; }
  int64_t limit() const { return limit_; }

 private:
  friend absl::Status ChargeRead(int64_t bytes, absl::string_view what);
  int64_t limit_;
  int64_t used_ = 0;
  ScopedReadBudget* outer_;
};

// Records that reading `what` is about to allocate `bytes`. RESOURCE_EXHAUSTED naming `what` and
// the sizes when that passes the per-array ceiling or the thread's budget (nothing is charged then).
absl::Status ChargeRead(int64_t bytes, absl::string_view what);

// `count` elements of `element_bytes` each, without overflow: RESOURCE_EXHAUSTED past the ceiling.
absl::StatusOr<int64_t> CheckedBytes(int64_t count, int64_t element_bytes, absl::string_view what);

// Reads a whole (text) file, charging its size first (a pipe: each chunk as it arrives). NOT_FOUND
// when it cannot be opened.
absl::StatusOr<std::string> ReadFileBounded(const std::string& path, absl::string_view what);

// Charges `factor` × the size of `path` (for loaders that stream a file into their own
// structures: at most that many bytes per byte of file). NOT_FOUND when it cannot be read.
absl::Status ChargeFileRead(const std::string& path, int64_t factor, absl::string_view what);

}  // namespace mimic

#endif  // MIMIC_COMMON_READ_LIMITS_H_
