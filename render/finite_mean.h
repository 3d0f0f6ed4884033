// The mean of a per-frame error series over its finite entries: frames where an error is undefined
// (NaN, e.g. a keypoint the recording lost) do not count.
#ifndef MIMIC_RENDER_FINITE_MEAN_H_
#define MIMIC_RENDER_FINITE_MEAN_H_

#include <cmath>
#include <vector>

namespace mimic::render {

// NaN when no entry is finite.
inline double MeanOfFinite(const std::vector<double>& values) {
  double sum = 0;
  int count = 0;
  for (double x : values) {
    if (std::isfinite(x)) sum += x, ++count;
  }
  return count > 0 ? sum / count : std::nan("");
}

}  // namespace mimic::render

#endif  // MIMIC_RENDER_FINITE_MEAN_H_
