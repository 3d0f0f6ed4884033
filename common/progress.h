// A one-line progress report for long work: count, rate and ETA, redrawn at most twice a second
// on stderr.
#ifndef MIMIC_COMMON_PROGRESS_H_
#define MIMIC_COMMON_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

namespace mimic {

class Progress {
 public:
  Progress(std::string label, int64_t total, std::string unit);
  // Reports that `done` units are complete.
  void Update(int64_t done);
  // Text appended to the line (e.g. the latest return); shown from the next redraw.
  void SetDetail(std::string detail) { detail_ = std::move(detail); }
  // Prints the final line and a newline.
  void Finish();

 private:
  void Print(bool final);

  std::string label_, unit_, detail_;
  int64_t total_, done_ = 0;
  std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace mimic

#endif  // MIMIC_COMMON_PROGRESS_H_
