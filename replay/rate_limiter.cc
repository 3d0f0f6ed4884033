#include "replay/rate_limiter.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mimic::replay {

absl::StatusOr<RateLimiter> RateLimiter::FromConfig(const TableConfig& c) {
  RateLimiter r;
  r.max_size_ = c.max_size();
  switch (c.rate_limiter_case()) {
    case TableConfig::kSampleToInsertRatio: {
      const auto& s = c.sample_to_insert_ratio();
      if (!(s.samples_per_insert() > 0) || !std::isfinite(s.samples_per_insert())) {
        return absl::InvalidArgumentError(absl::StrCat("table '", c.name(), "': samples_per_insert must be > 0"));
      }
      if (s.min_size() < 1 || !(s.error_buffer() >= 0)) {
        return absl::InvalidArgumentError(
            absl::StrCat("table '", c.name(), "': sample_to_insert_ratio needs min_size >= 1 and error_buffer >= 0"));
      }
      // the buffer must admit at least one insert and one sample
      if (s.error_buffer() < std::max(1.0, s.samples_per_insert())) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "table '%s': error_buffer %.3f is smaller than max(1, samples_per_insert) = %.3f; the table "
            "would deadlock", c.name(), s.error_buffer(), std::max(1.0, s.samples_per_insert())));
      }
      r.kind_ = Kind::kRatio;
      r.min_size_ = s.min_size();
      r.samples_per_insert_ = s.samples_per_insert();
      r.min_diff_ = s.min_size() * s.samples_per_insert() - s.error_buffer();
      r.max_diff_ = s.min_size() * s.samples_per_insert() + s.error_buffer();
      return r;
    }
    case TableConfig::kQueue:
      r.kind_ = Kind::kQueue;
      r.min_size_ = 1;
      return r;
    case TableConfig::kMinSize:
      r.min_size_ = std::max<int64_t>(1, c.min_size().min_size());
      return r;
    case TableConfig::RATE_LIMITER_NOT_SET:
      r.min_size_ = 1;
      return r;
  }
  return r;
}

bool RateLimiter::CanInsert(int64_t size) const {
  switch (kind_) {
    case Kind::kMinSize:
      return true;
    case Kind::kQueue:
      return size + reserved_ < max_size_;
    case Kind::kRatio: {
      const int64_t after = inserts_ + reserved_ + 1;
      if (after <= min_size_) return true;
      return after * samples_per_insert_ - samples_ <= max_diff_;
    }
  }
  return false;
}

bool RateLimiter::CanSample(int64_t size, int64_t count) const {
  if (size < 1) return false;
  switch (kind_) {
    case Kind::kMinSize:
      return size >= min_size_;
    case Kind::kQueue:
      return size >= count;
    case Kind::kRatio:
      return inserts_ >= min_size_ && inserts_ * samples_per_insert_ - (samples_ + count) >= min_diff_;
  }
  return false;
}

std::string RateLimiter::Describe() const {
  switch (kind_) {
    case Kind::kMinSize:
      return absl::StrCat("min_size(", min_size_, ")");
    case Kind::kQueue:
      return absl::StrCat("queue(", max_size_, ")");
    case Kind::kRatio:
      return absl::StrFormat("sample_to_insert_ratio(%.3f, min_size %d, diff in [%.1f, %.1f])",
                             samples_per_insert_, min_size_, min_diff_, max_diff_);
  }
  return "";
}

}  // namespace mimic::replay
