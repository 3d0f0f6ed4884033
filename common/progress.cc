#include "common/progress.h"

#include <cstdio>
#include <unistd.h>

namespace mimic {

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total),
      start_(std::chrono::steady_clock::now()), last_print_(start_) {}

void Progress::Update(int64_t done) {
  done_ = done;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_print_ < std::chrono::milliseconds(500)) return;
  last_print_ = now;
  Print(false);
}

void Progress::Finish() { Print(true); }

void Progress::Print(bool final) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? done_ / elapsed : 0;
  const double eta = rate > 0 ? (total_ - done_) / rate : 0;
  // redraw in place on a terminal; one line per report in logs
  const char* lead = isatty(STDERR_FILENO) ? "\r" : "";
  const char* tail = (final || !isatty(STDERR_FILENO)) ? "\n" : "";
  std::fprintf(stderr, "%s%s: %lld/%lld %s (%.0f %s/s, %s %.1f s)%s%s%s", lead, label_.c_str(),
               static_cast<long long>(done_), static_cast<long long>(total_), unit_.c_str(), rate,
               unit_.c_str(), final ? "took" : "ETA", final ? elapsed : eta,
               detail_.empty() ? "" : " ", detail_.c_str(), tail);
  std::fflush(stderr);
}

}  // namespace mimic
