#include "analysis/motion_math.h"

#include <algorithm>

namespace mimic::analysis {

void RotateIntoFrame(const double* q, const double* v, double* out) {
  const double w = q[0], x = -q[1], y = -q[2], z = -q[3];
  // t = 2 (u × v); v' = v + w t + u × t, with u = (x, y, z)
  const double tx = 2 * (y * v[2] - z * v[1]);
  const double ty = 2 * (z * v[0] - x * v[2]);
  const double tz = 2 * (x * v[1] - y * v[0]);
  out[0] = v[0] + w * tx + (y * tz - z * ty);
  out[1] = v[1] + w * ty + (z * tx - x * tz);
  out[2] = v[2] + w * tz + (x * ty - y * tx);
}

Eigen::MatrixXd Differentiate(const Eigen::MatrixXd& x, double dt) {
  const Eigen::Index T = x.rows();
  Eigen::MatrixXd d = Eigen::MatrixXd::Zero(T, x.cols());
  if (T < 2) return d;
  for (Eigen::Index t = 0; t < T; ++t) {
    const Eigen::Index a = std::max<Eigen::Index>(0, t - 1), b = std::min(T - 1, t + 1);
    d.row(t) = (x.row(b) - x.row(a)) / ((b - a) * dt);
  }
  return d;
}

}  // namespace mimic::analysis
