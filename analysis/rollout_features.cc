#include "analysis/rollout_features.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/h5_file.h"
#include "analysis/motion_math.h"
#include "common/status_macros.h"

namespace mimic::analysis {
namespace {

const std::vector<std::string>& Representational() {
  static const std::vector<std::string> names = {"joint_angles", "joint_velocities",
                                                 "egocentric_positions", "egocentric_velocities",
                                                 "egocentric_accelerations"};
  return names;
}

// A dataset as (first dimension x everything else), converted to double.
absl::StatusOr<Eigen::MatrixXd> ReadRows(const H5File& file, const std::string& dataset) {
  MIMIC_ASSIGN_OR_RETURN(H5Array<double> a, file.ReadDoubles(dataset));
  const int64_t rows = a.shape.empty() ? 0 : a.shape[0];
  const int64_t cols = rows > 0 ? static_cast<int64_t>(a.values.size()) / rows : 0;
  return Eigen::MatrixXd(Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      a.values.data(), rows, cols));
}

absl::StatusOr<Eigen::MatrixXd> ReadClipClass(const H5File& file, const std::string& group,
                                              const std::string& name, double dt) {
  auto matrix = [&](const std::string& dataset) { return ReadRows(file, group + "/" + dataset); };
  if (name == "joint_angles" || name == "joint_velocities") {
    const bool angles = name == "joint_angles";
    MIMIC_ASSIGN_OR_RETURN(Eigen::MatrixXd m, matrix(angles ? "qpos" : "qvel"));
    const int root = angles ? 7 : 6;  // the free root joint
    if (m.cols() <= root) return absl::InvalidArgumentError(group + " has no joints beyond the root");
    return Eigen::MatrixXd(m.rightCols(m.cols() - root));
  }
  if (absl::StartsWith(name, "egocentric_")) {
    MIMIC_ASSIGN_OR_RETURN(Eigen::MatrixXd xpos, matrix("xpos"));
    MIMIC_ASSIGN_OR_RETURN(Eigen::MatrixXd qpos, matrix("qpos"));
    const Eigen::Index bodies = xpos.cols() / 3;
    if (bodies < 3 || qpos.cols() < 7) {
      return absl::InvalidArgumentError(group + " lacks the bodies or root quaternion for " + name);
    }
    // body 0 is the world, body 1 the root
    Eigen::MatrixXd ego(xpos.rows(), 3 * (bodies - 2));
    for (Eigen::Index t = 0; t < xpos.rows(); ++t) {
      const double root[3] = {xpos(t, 3), xpos(t, 4), xpos(t, 5)};
      double q[4] = {qpos(t, 3), qpos(t, 4), qpos(t, 5), qpos(t, 6)};
      for (Eigen::Index b = 2; b < bodies; ++b) {
        double rel[3] = {xpos(t, 3 * b) - root[0], xpos(t, 3 * b + 1) - root[1],
                         xpos(t, 3 * b + 2) - root[2]};
        double local[3];
        RotateIntoFrame(q, rel, local);  // (Eigen is column-major: not written in place)
        for (int k = 0; k < 3; ++k) ego(t, 3 * (b - 2) + k) = local[k];
      }
    }
    if (name == "egocentric_positions") return ego;
    Eigen::MatrixXd velocity = Differentiate(ego, dt);
    if (name == "egocentric_velocities") return velocity;
    return Differentiate(velocity, dt);
  }
  return matrix("layers/" + name);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> AvailableRolloutClasses(const std::string& path) {
  MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<H5File> file, H5File::Open(path));
  auto format = file->GetStringAttribute("/", "format");
  if (!format.ok() || *format != "mimic.rollouts") {
    return absl::InvalidArgumentError(path + " is not a rollouts file (format attribute)");
  }
  std::vector<std::string> names = Representational();
  MIMIC_ASSIGN_OR_RETURN(std::vector<std::string> layers, file->ReadStrings("/layer_names"));
  names.insert(names.end(), layers.begin(), layers.end());
  return names;
}

absl::StatusOr<RolloutFeatures> ReadRolloutFeatures(const std::string& path,
                                                    const std::vector<std::string>& names) {
  MIMIC_ASSIGN_OR_RETURN(std::vector<std::string> available, AvailableRolloutClasses(path));
  std::vector<std::string> wanted = names.empty() ? available : names;
  for (const std::string& name : wanted) {
    if (std::find(available.begin(), available.end(), name) == available.end()) {
      return absl::NotFoundError(absl::StrCat("unknown feature class '", name, "' in ", path,
                                              "; available: ", absl::StrJoin(available, ", ")));
    }
  }
  MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<H5File> file, H5File::Open(path));
  const double dt = file->GetDoubleAttribute("/", "control_timestep").value_or(0.01);
  RolloutFeatures out;
  MIMIC_ASSIGN_OR_RETURN(out.clip_names, file->List("/clips"));
  std::vector<std::vector<Eigen::MatrixXd>> parts(wanted.size());
  std::vector<double> times;
  for (size_t c = 0; c < out.clip_names.size(); ++c) {
    const std::string group = "/clips/" + out.clip_names[c];
    MIMIC_ASSIGN_OR_RETURN(H5Array<double> time, file->ReadDoubles(group + "/time"));
    for (size_t k = 0; k < wanted.size(); ++k) {
      absl::StatusOr<Eigen::MatrixXd> m = ReadClipClass(*file, group, wanted[k], dt);
      if (!m.ok()) {
        return absl::Status(m.status().code(), absl::StrCat("feature class '", wanted[k],
                                                            "' of clip ", out.clip_names[c], ": ",
                                                            m.status().message()));
      }
      if (m->rows() != static_cast<Eigen::Index>(time.values.size())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "feature class '", wanted[k], "' of clip ", out.clip_names[c], " has ", m->rows(),
            " rows but the clip has ", time.values.size(), " steps"));
      }
      if (!m->allFinite()) {
        return absl::InvalidArgumentError(absl::StrCat("feature class '", wanted[k], "' of clip ",
                                                       out.clip_names[c], " has NaN or infinite values"));
      }
      parts[k].push_back(*std::move(m));
    }
    times.insert(times.end(), time.values.begin(), time.values.end());
    out.clip_of_row.insert(out.clip_of_row.end(), time.values.size(), static_cast<int>(c));
  }
  out.time = Eigen::Map<Eigen::VectorXd>(times.data(), static_cast<Eigen::Index>(times.size()));
  for (size_t k = 0; k < wanted.size(); ++k) {
    const Eigen::Index cols = parts[k].empty() ? 0 : parts[k][0].cols();
    Eigen::MatrixXd all(static_cast<Eigen::Index>(times.size()), cols);
    Eigen::Index row = 0;
    for (const Eigen::MatrixXd& m : parts[k]) {
      all.middleRows(row, m.rows()) = m;
      row += m.rows();
    }
    out.classes.push_back({wanted[k], std::move(all)});
  }
  return out;
}

Eigen::MatrixXd PcaReduce(const Eigen::MatrixXd& x, double fraction) {
  Eigen::MatrixXd centred = x.rowwise() - x.colwise().mean();
  Eigen::MatrixXd cov = centred.transpose() * centred / std::max<Eigen::Index>(1, x.rows() - 1);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
  // eigenvalues ascending: take from the back
  const Eigen::VectorXd values = eig.eigenvalues().reverse().cwiseMax(0.0);
  const double total = values.sum();
  Eigen::Index keep = 0;
  double explained = 0;
  while (keep < values.size() && (total <= 0 || explained < fraction * total - 1e-12)) {
    explained += values(keep++);
  }
  keep = std::max<Eigen::Index>(keep, 1);
  return centred * eig.eigenvectors().rowwise().reverse().leftCols(keep);
}

}  // namespace mimic::analysis
