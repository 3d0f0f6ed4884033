#include "behaviour/kinematics.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace mimic::behaviour {
namespace {

// Moving average over `window` frames, centred, within [begin, end).
void Smooth(std::vector<double>& x, size_t begin, size_t end, int window) {
  if (window <= 1) return;
  std::vector<double> out(x.begin() + begin, x.begin() + end);
  const int half = window / 2;
  for (size_t t = begin; t < end; ++t) {
    double sum = 0;
    int n = 0;
    for (int k = -half; k <= half; ++k) {
      const long s = static_cast<long>(t) + k;
      if (s < static_cast<long>(begin) || s >= static_cast<long>(end)) continue;
      sum += x[s];
      ++n;
    }
    out[t - begin] = sum / n;
  }
  std::copy(out.begin(), out.end(), x.begin() + begin);
}

}  // namespace

absl::StatusOr<FrameKinematics> ComputeKinematics(const Eigen::MatrixXd& qpos, const std::vector<int>& clip_of_row,
                                                  double dt, int smooth_frames) {
  const Eigen::Index T = qpos.rows();
  if (qpos.cols() < 8) return absl::InvalidArgumentError("qpos needs a free root joint and at least one joint");
  if (static_cast<Eigen::Index>(clip_of_row.size()) != T) {
    return absl::InvalidArgumentError(absl::StrCat("clip_of_row has ", clip_of_row.size(), " rows, qpos ", T));
  }
  if (!(dt > 0)) return absl::InvalidArgumentError("dt must be positive");
  if (!qpos.allFinite()) return absl::InvalidArgumentError("qpos holds NaN or infinite values");
  FrameKinematics k;
  k.root_height.resize(T);
  k.root_speed.assign(T, 0.0);
  k.joint_speed.assign(T, 0.0);
  const Eigen::Index joints = qpos.cols() - 7;
  size_t begin = 0;
  while (begin < static_cast<size_t>(T)) {
    size_t end = begin;
    while (end < static_cast<size_t>(T) && clip_of_row[end] == clip_of_row[begin]) ++end;
    for (size_t t = begin; t < end; ++t) {
      const size_t a = t > begin ? t - 1 : t, b = t + 1 < end ? t + 1 : t;
      if (a == b) continue;
      const double span = (b - a) * dt;
      k.root_speed[t] = std::hypot(qpos(b, 0) - qpos(a, 0), qpos(b, 1) - qpos(a, 1)) / span;
      k.joint_speed[t] = (qpos.row(b).tail(joints) - qpos.row(a).tail(joints)).cwiseAbs().mean() / span;
    }
    Smooth(k.root_speed, begin, end, smooth_frames);
    Smooth(k.joint_speed, begin, end, smooth_frames);
    begin = end;
  }
  for (Eigen::Index t = 0; t < T; ++t) k.root_height[t] = qpos(t, 2);
  return k;
}

const std::vector<std::string>& CoarseBehaviourNames() {
  static const std::vector<std::string> names = {"still", "walk", "rear", "groom"};
  return names;
}

int CoarseBehaviour(double height_above_median, double root_speed, double joint_speed, const CoarseRules& rules) {
  if (height_above_median > rules.rear_height) return 2;
  if (root_speed > rules.walk_speed) return 1;
  if (joint_speed > rules.groom_joint_speed) return 3;
  return 0;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  return values[mid];
}

}  // namespace mimic::behaviour
