#include "analysis/behaviour_labels.h"

#include <algorithm>
#include <fstream>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/h5_file.h"
#include "common/status_macros.h"
#include "absl/strings/str_cat.h"
#include "behaviour/kinematics.h"
#include "common/read_limits.h"

namespace mimic::analysis {
namespace {

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t i = std::min(values.size() - 1, static_cast<size_t>(q * (values.size() - 1) + 0.5));
  return values[i];
}

}  // namespace

absl::StatusOr<BehaviourLabels> LabelFromKinematics(const Eigen::MatrixXd& qpos, const std::vector<int>& clip_of_row,
                                                    double dt, const KinematicLabelOptions& options) {
  const Eigen::Index T = qpos.rows();
  absl::StatusOr<behaviour::FrameKinematics> k =
      behaviour::ComputeKinematics(qpos, clip_of_row, dt, options.smooth_frames);
  if (!k.ok()) return k.status();
  const std::vector<double>& speed = k->root_speed;
  const std::vector<double>& joint_speed = k->joint_speed;
  const std::vector<double>& height = k->root_height;
  const double median_height = Quantile(height, 0.5);
  BehaviourLabels out;
  out.names = behaviour::CoarseBehaviourNames();
  out.labels.resize(T);
  const behaviour::CoarseRules rules{options.rear_height, options.walk_speed, options.groom_joint_speed};
  for (Eigen::Index t = 0; t < T; ++t) {
    out.labels[t] = behaviour::CoarseBehaviour(height[t] - median_height, speed[t], joint_speed[t], rules);
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

absl::StatusOr<BehaviourLabels> ReadLabelsForRollouts(const std::string& labels, const std::string& rollouts, int rows) {
  const bool clusters = absl::EndsWith(labels, ":clusters");
  const std::string path = clusters ? labels.substr(0, labels.size() - 9) : labels;
  absl::StatusOr<std::unique_ptr<H5File>> map = H5File::Open(path);
  if (!map.ok()) {
    if (clusters) return map.status();
    return ReadLabelFile(path, rows);  // not HDF5: a CSV
  }
  auto format = (*map)->GetStringAttribute("/", "format");
  if (!format.ok() || *format != "mimic.behaviour_map") {
    return absl::InvalidArgumentError(absl::StrCat(path, " is an HDF5 file but not a behaviour map (format attribute)"));
  }
  BehaviourLabels out;
  MIMIC_ASSIGN_OR_RETURN(out.names, (*map)->ReadStrings(clusters ? "/cluster_names" : "/behaviour_names"));
  MIMIC_ASSIGN_OR_RETURN(auto file, H5File::Open(rollouts));
  MIMIC_ASSIGN_OR_RETURN(std::vector<std::string> clips, file->List("/clips"));
  for (const std::string& clip : clips) {
    const std::string dataset = "/clips/" + clip + (clusters ? "/cluster" : "/behaviour");
    if (!(*map)->Exists(dataset)) {
      return absl::NotFoundError(absl::StrCat("rollout clip '", clip, "' is not in the behaviour map ", path));
    }
    MIMIC_ASSIGN_OR_RETURN(H5Array<int32_t> per_frame, (*map)->ReadInts(dataset));
    MIMIC_ASSIGN_OR_RETURN(H5Array<int32_t> frames, file->ReadInts("/clips/" + clip + "/frame"));
    for (int32_t f : frames.values) {
      if (f < 0 || f >= static_cast<int32_t>(per_frame.values.size())) {
        return absl::OutOfRangeError(absl::StrCat("rollout clip '", clip, "' records frame ", f, "; the map has ",
                                                  per_frame.values.size()));
      }
      const int32_t label = per_frame.values[f];
      if (label < 0 || label >= static_cast<int32_t>(out.names.size())) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": label ", label, " out of range"));
      }
      out.labels.push_back(label);
    }
  }
  if (static_cast<int>(out.labels.size()) != rows) {
    return absl::InvalidArgumentError(absl::StrCat("the behaviour map gives ", out.labels.size(), " labels; the rollouts have ",
                                                   rows, " rows"));
  }
  return out;
}

}  // namespace mimic::analysis
