#include "analysis/clip_features.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <mujoco/mujoco.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/h5_file.h"
#include "analysis/motion_math.h"
#include "common/status_macros.h"
#include "envs/clip_io.h"
#include "envs/model_loader.h"

namespace mimic::analysis {
namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Linear interpolation over NaN runs of one column; ends hold the nearest value. False when the
// column has no finite value at all.
bool FillGaps(Eigen::Ref<Eigen::VectorXd> x) {
  const Eigen::Index T = x.size();
  Eigen::Index last = -1;
  for (Eigen::Index t = 0; t < T; ++t) {
    if (!std::isfinite(x(t))) continue;
    if (last < 0) {
      for (Eigen::Index s = 0; s < t; ++s) x(s) = x(t);
    } else if (t - last > 1) {
      for (Eigen::Index s = last + 1; s < t; ++s) x(s) = x(last) + (x(t) - x(last)) * (s - last) / double(t - last);
    }
    last = t;
  }
  if (last < 0) return false;
  for (Eigen::Index s = last + 1; s < T; ++s) x(s) = x(last);
  return true;
}

struct ModelCache {
  std::map<double, ModelPtr> by_scale;
};

absl::StatusOr<const mjModel*> ModelFor(const ReferenceClip& clip, const ClipFeatureOptions& options,
                                        ModelCache& cache) {
  auto it = cache.by_scale.find(clip.model_scale);
  if (it == cache.by_scale.end()) {
    MIMIC_ASSIGN_OR_RETURN(ModelPtr model, LoadModel(options.model_path, PerturbationConfig(), clip.model_scale));
    if (!options.inverse_dynamics_contacts) model->opt.disableflags |= mjDSBL_CONTACT;
    it = cache.by_scale.emplace(clip.model_scale, std::move(model)).first;
  }
  const mjModel* m = it->second.get();
  const ModelSignature signature = SignatureOf(m, clip.model_scale);
  if (m->nq != clip.nq || m->nv != clip.nv || (clip.model_hash != 0 && clip.model_hash != signature.hash)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "clip '", clip.name, "' was registered on another model (nq ", clip.nq, ", nv ", clip.nv,
        ") than ", options.model_path, " (nq ", m->nq, ", nv ", m->nv, "); give the clips' model"));
  }
  return m;
}

absl::Status CheckRoot(const ReferenceClip& clip) {
  if (clip.nq < 8 || clip.nv < 7) {
    return absl::InvalidArgumentError(absl::StrCat("clip '", clip.name, "' has no joints beyond a free root"));
  }
  if (clip.num_frames < 3) return absl::InvalidArgumentError(absl::StrCat("clip '", clip.name, "' has under 3 frames"));
  return absl::OkStatus();
}

Eigen::MatrixXd Matrix(const std::vector<double>& values, int rows, int cols) {
  return Eigen::Map<const RowMajor>(values.data(), rows, cols);
}

// qfrc_inverse of the hinge dofs along the clip, on `m` (the clip's model).
absl::StatusOr<Eigen::MatrixXd> JointTorques(const ReferenceClip& clip, const mjModel* m,
                                             const ClipFeatureOptions& options) {
  const int T = clip.num_frames, nv = clip.nv;
  // the velocity term takes the clip's own velocities; only the second derivative is smoothed
  const Eigen::MatrixXd qvel = Matrix(clip.qvel, T, nv);
  const Eigen::MatrixXd qacc = Differentiate(SmoothRows(qvel, options.smoothing_sigma_frames), 1.0 / clip.frame_rate);
  DataPtr data(mj_makeData(m));
  mjData* d = data.get();
  Eigen::MatrixXd torques(T, nv - 6);
  for (int t = 0; t < T; ++t) {
    std::copy(clip.qpos_at(t), clip.qpos_at(t) + clip.nq, d->qpos);
    for (int i = 0; i < nv; ++i) {
      d->qvel[i] = qvel(t, i);
      d->qacc[i] = qacc(t, i);
    }
    mj_inverse(m, d);
    for (int i = 6; i < nv; ++i) torques(t, i - 6) = d->qfrc_inverse[i];
  }
  if (!torques.allFinite()) {
    return absl::InvalidArgumentError(absl::StrCat("inverse dynamics of clip '", clip.name, "' gave non-finite torques"));
  }
  return torques;
}

absl::StatusOr<Eigen::MatrixXd> EgocentricKeypoints(const ReferenceClip& clip) {
  const int T = clip.num_frames, K = clip.num_keypoints;
  if (K == 0) {
    return absl::FailedPreconditionError(absl::StrCat("clip '", clip.name,
                                                      "' holds no registered keypoints (clips/keypoints needs them)"));
  }
  Eigen::MatrixXd out(T, 3 * K);
  for (int t = 0; t < T; ++t) {
    const double* root = clip.xpos_at(t) + 3;  // body 1 is the root
    const double* q = clip.qpos_at(t) + 3;
    for (int k = 0; k < K; ++k) {
      const double* p = clip.keypoints.data() + (static_cast<size_t>(t) * K + k) * 3;
      const double rel[3] = {p[0] - root[0], p[1] - root[1], p[2] - root[2]};
      double local[3];
      RotateIntoFrame(q, rel, local);  // NaN in, NaN out: filled below
      for (int c = 0; c < 3; ++c) out(t, 3 * k + c) = local[c];
    }
  }
  for (Eigen::Index c = 0; c < out.cols(); ++c) {
    if (!FillGaps(out.col(c))) {
      return absl::InvalidArgumentError(absl::StrCat("clip '", clip.name, "': keypoint ", c / 3,
                                                     " is missing in every frame"));
    }
  }
  return out;
}

absl::StatusOr<Eigen::MatrixXd> ClassOfClip(const ReferenceClip& clip, const std::string& name,
                                            const ClipFeatureOptions& options, ModelCache& cache) {
  MIMIC_RETURN_IF_ERROR(CheckRoot(clip));
  const double dt = 1.0 / clip.frame_rate;
  const int T = clip.num_frames;
  if (name == "clips/keypoints") return EgocentricKeypoints(clip);
  if (name == "clips/joint_angles") return Eigen::MatrixXd(Matrix(clip.qpos, T, clip.nq).rightCols(clip.nq - 7));
  if (name == "clips/joint_velocities") return Eigen::MatrixXd(Matrix(clip.qvel, T, clip.nv).rightCols(clip.nv - 6));
  if (name == "clips/joint_accelerations") {
    const Eigen::MatrixXd acc = Differentiate(SmoothRows(Matrix(clip.qvel, T, clip.nv), options.smoothing_sigma_frames), dt);
    return Eigen::MatrixXd(acc.rightCols(clip.nv - 6));
  }
  if (name == "clips/joint_torques") {
    MIMIC_ASSIGN_OR_RETURN(const mjModel* m, ModelFor(clip, options, cache));
    return JointTorques(clip, m, options);
  }
  return absl::NotFoundError(absl::StrCat("unknown clip feature class '", name, "'; available: ",
                                          absl::StrJoin(ClipFeatureClassNames(), ", ")));
}

absl::Status CheckNames(const std::vector<std::string>& names) {
  for (const std::string& n : names) {
    if (!IsClipFeatureClass(n)) {
      return absl::NotFoundError(absl::StrCat("unknown clip feature class '", n, "'; available: ",
                                              absl::StrJoin(ClipFeatureClassNames(), ", ")));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ClipFeatureOptions::Validate() const {
  if (!(smoothing_sigma_frames >= 0) || smoothing_sigma_frames > 50) {
    return absl::InvalidArgumentError(absl::StrCat("smoothing_sigma_frames must be in [0, 50], got ", smoothing_sigma_frames));
  }
  if (model_path.empty()) return absl::InvalidArgumentError("model_path is empty");
  return absl::OkStatus();
}

const std::vector<std::string>& ClipFeatureClassNames() {
  static const std::vector<std::string> names = {"clips/keypoints", "clips/joint_angles", "clips/joint_velocities",
                                                 "clips/joint_accelerations", "clips/joint_torques"};
  return names;
}

bool IsClipFeatureClass(const std::string& name) {
  const auto& names = ClipFeatureClassNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

Eigen::MatrixXd SmoothRows(const Eigen::MatrixXd& x, double sigma) {
  if (sigma <= 0 || x.rows() < 2) return x;
  const int half = static_cast<int>(std::ceil(4 * sigma));
  std::vector<double> kernel(2 * half + 1);
  for (int k = -half; k <= half; ++k) kernel[k + half] = std::exp(-0.5 * k * k / (sigma * sigma));
  const Eigen::Index T = x.rows();
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(T, x.cols());
  for (Eigen::Index t = 0; t < T; ++t) {
    double weight = 0;
    for (int k = -half; k <= half; ++k) {
      const Eigen::Index s = t + k;
      if (s < 0 || s >= T) continue;
      out.row(t) += kernel[k + half] * x.row(s);
      weight += kernel[k + half];
    }
    out.row(t) /= weight;
  }
  return out;
}

absl::StatusOr<Eigen::MatrixXd> ClipJointTorques(const ReferenceClip& clip, const ClipFeatureOptions& options) {
  MIMIC_RETURN_IF_ERROR(options.Validate());
  MIMIC_RETURN_IF_ERROR(CheckRoot(clip));
  ModelCache cache;
  MIMIC_ASSIGN_OR_RETURN(const mjModel* m, ModelFor(clip, options, cache));
  return JointTorques(clip, m, options);
}

absl::StatusOr<ClipFeatures> ComputeClipFeatures(const std::vector<ReferenceClip>& clips,
                                                 const std::vector<std::string>& names,
                                                 const ClipFeatureOptions& options) {
  MIMIC_RETURN_IF_ERROR(options.Validate());
  const std::vector<std::string> wanted = names.empty() ? ClipFeatureClassNames() : names;
  MIMIC_RETURN_IF_ERROR(CheckNames(wanted));
  if (clips.empty()) return absl::InvalidArgumentError("no clips");
  ClipFeatures out;
  ModelCache cache;
  std::vector<std::vector<Eigen::MatrixXd>> parts(wanted.size());
  for (size_t c = 0; c < clips.size(); ++c) {
    out.clip_names.push_back(clips[c].name);
    for (size_t k = 0; k < wanted.size(); ++k) {
      absl::StatusOr<Eigen::MatrixXd> m = ClassOfClip(clips[c], wanted[k], options, cache);
      if (!m.ok()) {
        return absl::Status(m.status().code(), absl::StrCat("feature class '", wanted[k], "': ", m.status().message()));
      }
      if (!parts[k].empty() && m->cols() != parts[k][0].cols()) {
        return absl::InvalidArgumentError(absl::StrCat("feature class '", wanted[k], "': clip '", clips[c].name, "' has ",
                                                       m->cols(), " columns, earlier clips ", parts[k][0].cols()));
      }
      parts[k].push_back(*std::move(m));
    }
    for (int t = 0; t < clips[c].num_frames; ++t) {
      out.clip_of_row.push_back(static_cast<int>(c));
      out.frame_of_row.push_back(t);
    }
  }
  const Eigen::Index rows = static_cast<Eigen::Index>(out.clip_of_row.size());
  for (size_t k = 0; k < wanted.size(); ++k) {
    Eigen::MatrixXd all(rows, parts[k][0].cols());
    Eigen::Index row = 0;
    for (const Eigen::MatrixXd& m : parts[k]) {
      all.middleRows(row, m.rows()) = m;
      row += m.rows();
    }
    out.classes.push_back({wanted[k], std::move(all)});
  }
  return out;
}

absl::StatusOr<ClipFeatures> ReadClipFeatures(const std::string& clips_path, const std::vector<std::string>& names,
                                              const ClipFeatureOptions& options) {
  MIMIC_ASSIGN_OR_RETURN(std::vector<ReferenceClip> clips, ReadClips(clips_path));
  return ComputeClipFeatures(clips, names, options);
}

absl::StatusOr<ClipFeatures> ReadClipFeaturesForRollouts(const std::string& clips_path,
                                                         const std::string& rollouts_path,
                                                         const std::vector<std::string>& names,
                                                         const ClipFeatureOptions& options) {
  MIMIC_ASSIGN_OR_RETURN(std::vector<ReferenceClip> clips, ReadClips(clips_path));
  return AlignClipFeaturesToRollouts(clips, rollouts_path, names, options);
}

absl::StatusOr<ClipFeatures> AlignClipFeaturesToRollouts(const std::vector<ReferenceClip>& clips,
                                                         const std::string& rollouts_path,
                                                         const std::vector<std::string>& names,
                                                         const ClipFeatureOptions& options) {
  MIMIC_RETURN_IF_ERROR(options.Validate());
  const std::vector<std::string> wanted = names.empty() ? ClipFeatureClassNames() : names;
  MIMIC_RETURN_IF_ERROR(CheckNames(wanted));
  MIMIC_ASSIGN_OR_RETURN(auto rollouts, H5File::Open(rollouts_path));
  MIMIC_ASSIGN_OR_RETURN(std::vector<std::string> rollout_clips, rollouts->List("/clips"));
  ClipFeatures out;
  std::vector<std::vector<double>> rows(wanted.size());
  std::vector<Eigen::Index> cols(wanted.size(), -1);
  ModelCache cache;
  for (size_t rc = 0; rc < rollout_clips.size(); ++rc) {
    const std::string& name = rollout_clips[rc];
    auto it = std::find_if(clips.begin(), clips.end(), [&](const ReferenceClip& c) { return c.name == name; });
    if (it == clips.end()) {
      return absl::NotFoundError(absl::StrCat("rollout clip '", name, "' of ", rollouts_path, " is not among the clips"));
    }
    MIMIC_ASSIGN_OR_RETURN(H5Array<int32_t> frames, rollouts->ReadInts("/clips/" + name + "/frame"));
    for (int32_t f : frames.values) {
      if (f < 0 || f >= it->num_frames) {
        return absl::OutOfRangeError(absl::StrCat("rollout clip '", name, "' records frame ", f, "; the clip has ",
                                                  it->num_frames));
      }
    }
    out.clip_names.push_back(name);
    for (int32_t f : frames.values) {
      out.clip_of_row.push_back(static_cast<int>(rc));
      out.frame_of_row.push_back(f);
    }
    for (size_t k = 0; k < wanted.size(); ++k) {
      absl::StatusOr<Eigen::MatrixXd> m = ClassOfClip(*it, wanted[k], options, cache);
      if (!m.ok()) {
        return absl::Status(m.status().code(), absl::StrCat("feature class '", wanted[k], "': ", m.status().message()));
      }
      if (cols[k] >= 0 && m->cols() != cols[k]) {
        return absl::InvalidArgumentError(absl::StrCat("feature class '", wanted[k], "': clip '", name,
                                                       "' differs in width from earlier clips"));
      }
      cols[k] = m->cols();
      for (int32_t f : frames.values) {
        for (Eigen::Index j = 0; j < m->cols(); ++j) rows[k].push_back((*m)(f, j));
      }
    }
  }
  const Eigen::Index n = static_cast<Eigen::Index>(out.clip_of_row.size());
  if (n == 0) return absl::InvalidArgumentError(absl::StrCat(rollouts_path, " holds no rollout steps"));
  for (size_t k = 0; k < wanted.size(); ++k) {
    out.classes.push_back({wanted[k], Eigen::Map<const RowMajor>(rows[k].data(), n, cols[k])});
  }
  return out;
}

}  // namespace mimic::analysis
