#include "analysis/behaviour_labels.h"

#include <algorithm>
#include <fstream>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/read_limits.h"

namespace mimic::analysis {
namespace {

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t i = std::min(values.size() - 1, static_cast<size_t>(q * (values.size() - 1) + 0.5));
  return values[i];
}

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

absl::StatusOr<BehaviourLabels> LabelFromKinematics(const Eigen::MatrixXd& qpos, const std::vector<int>& clip_of_row,
                                                    double dt, const KinematicLabelOptions& options) {
  const Eigen::Index T = qpos.rows();
  if (qpos.cols() < 8) return absl::InvalidArgumentError("qpos needs a free root joint and at least one joint");
  if (static_cast<Eigen::Index>(clip_of_row.size()) != T) {
    return absl::InvalidArgumentError(absl::StrCat("clip_of_row has ", clip_of_row.size(), " rows, qpos ", T));
  }
  if (!(dt > 0)) return absl::InvalidArgumentError("dt must be positive");
  if (!qpos.allFinite()) return absl::InvalidArgumentError("qpos holds NaN or infinite values");
  std::vector<double> speed(T, 0.0), joint_speed(T, 0.0), height(T);
  size_t begin = 0;
  while (begin < static_cast<size_t>(T)) {
    size_t end = begin;
    while (end < static_cast<size_t>(T) && clip_of_row[end] == clip_of_row[begin]) ++end;
    for (size_t t = begin; t < end; ++t) {
      const size_t a = t > begin ? t - 1 : t, b = t + 1 < end ? t + 1 : t;
      if (a == b) continue;
      const double span = (b - a) * dt;
      speed[t] = std::hypot(qpos(b, 0) - qpos(a, 0), qpos(b, 1) - qpos(a, 1)) / span;
      joint_speed[t] = (qpos.row(b).tail(qpos.cols() - 7) - qpos.row(a).tail(qpos.cols() - 7)).cwiseAbs().mean() / span;
    }
    Smooth(speed, begin, end, options.smooth_frames);
    Smooth(joint_speed, begin, end, options.smooth_frames);
    begin = end;
  }
  for (Eigen::Index t = 0; t < T; ++t) height[t] = qpos(t, 2);
  const double median_height = Quantile(height, 0.5);
  BehaviourLabels out;
  out.names = {"still", "walk", "rear", "groom"};
  out.labels.resize(T);
  for (Eigen::Index t = 0; t < T; ++t) {
    if (height[t] > median_height + options.rear_height) out.labels[t] = 2;
    else if (speed[t] > options.walk_speed) out.labels[t] = 1;
    else if (joint_speed[t] > options.groom_joint_speed) out.labels[t] = 3;
    else out.labels[t] = 0;
  }
  return out;
}

absl::StatusOr<BehaviourLabels> ReadLabelFile(const std::string& path, int frames) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the label file ", path));
  // a label per line: at least 2 bytes of text, held as an int and a line buffer
  if (absl::Status charged = ChargeFileRead(path, 4, "label file"); !charged.ok()) return charged;
  BehaviourLabels out;
  std::map<std::string, int> index;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const std::string name(absl::StripAsciiWhitespace(line));
    if (line_number == 1 && name == "label") continue;
    if (name.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ":", line_number, ": empty label"));
    if (name.find(',') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_number, ": one label per line expected, got '", name, "'"));
    }
    auto [it, inserted] = index.emplace(name, static_cast<int>(out.names.size()));
    if (inserted) out.names.push_back(name);
    out.labels.push_back(it->second);
  }
  if (static_cast<int>(out.labels.size()) != frames) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " has ", out.labels.size(), " labels; the rollouts have ", frames, " frames"));
  }
  return out;
}

}  // namespace mimic::analysis
