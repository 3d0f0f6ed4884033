#include "render/camera_path.h"

#include <algorithm>
#include <cmath>

namespace mimic::render {

std::vector<CameraTarget> TrackingPath(const std::vector<double>& centre, double frame_rate, double distance_m,
                                       double window_s) {
  const int T = static_cast<int>(centre.size() / 3);
  std::vector<CameraTarget> path(T);
  if (T == 0) return path;
  double mean_z = 0;
  for (int t = 0; t < T; ++t) mean_z += centre[3 * t + 2] / T;
  // prefix sums make every window O(1)
  std::vector<double> sum_x(T + 1, 0), sum_y(T + 1, 0);
  for (int t = 0; t < T; ++t) {
    sum_x[t + 1] = sum_x[t] + centre[3 * t];
    sum_y[t + 1] = sum_y[t] + centre[3 * t + 1];
  }
  const int half = std::max(0, static_cast<int>(std::lround(0.5 * window_s * frame_rate)));
  for (int t = 0; t < T; ++t) {
    const int a = std::max(0, t - half), b = std::min(T, t + half + 1);
    path[t].lookat = {(sum_x[b] - sum_x[a]) / (b - a), (sum_y[b] - sum_y[a]) / (b - a), mean_z};
    path[t].distance_m = distance_m;
  }
  return path;
}

std::vector<CameraTarget> FixedPath(const std::vector<double>& centre, double distance_m, double fovy_deg) {
  const int T = static_cast<int>(centre.size() / 3);
  if (T == 0) return {};
  double lo[3] = {1e300, 1e300, 1e300}, hi[3] = {-1e300, -1e300, -1e300};
  for (int t = 0; t < T; ++t) {
    for (int c = 0; c < 3; ++c) {
      lo[c] = std::min(lo[c], centre[3 * t + c]);
      hi[c] = std::max(hi[c], centre[3 * t + c]);
    }
  }
  // the box's half-diagonal on the ground must fit in half the view, beyond the body's own framing
  const double half_extent = 0.5 * std::hypot(hi[0] - lo[0], hi[1] - lo[1]);
  const double tan_half = std::tan(0.5 * fovy_deg * M_PI / 180);
  CameraTarget target;
  target.lookat = {0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1]), 0.5 * (lo[2] + hi[2])};
  target.distance_m = distance_m + half_extent / tan_half;
  return std::vector<CameraTarget>(T, target);
}

}  // namespace mimic::render
