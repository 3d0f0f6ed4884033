// Representational feature classes of the real rat's movement, computed from a clips file (the
// STAC registration of the real keypoints, contract 2) rather than from the simulated body:
//
//   clips/keypoints            registered keypoints relative to the root body, in the root's frame
//                              (K x 3 per frame; missing keypoints interpolated in time)
//   clips/joint_angles         qpos without the free root (hinge angles, rad)
//   clips/joint_velocities     qvel without the root, as the clip holds it (central differences
//                              of the registered poses, rad/s)
//   clips/joint_accelerations  central differences of the Gaussian-smoothed qvel (rad/s^2)
//   clips/joint_torques        inverse dynamics: mj_inverse on (qpos, qvel, acceleration)
//                              of the registered trajectory on the clip's own model (the bundled
//                              rat at the clip's model_scale); the hinge dofs' qfrc_inverse (N m).
//
// Inverse-dynamics choices (documented in docs/architecture.md): contacts are off by default —
// registered feet hover above or sink into the floor by millimetres, and MuJoCo's soft contact
// model turns a millimetre of penetration into large spurious forces, so with contacts off the
// free root's six residual forces absorb the ground reaction and the joint torques are those that
// move the limbs along the registered path under gravity. Velocities are smoothed by a Gaussian of
// `smoothing_sigma_frames` (default 1 frame = 20 ms at 50 Hz) before they are differentiated into
// accelerations, because differentiating registration noise twice dominates them otherwise; the
// velocity-dependent terms (damping, Coriolis) take the clip's unsmoothed velocities.
//
// Rows: every frame of every clip (file order), or aligned with a rollouts file (contract 6):
// row r of rollout clip c takes the clip of the same name at the rollout's recorded `frame`.
#ifndef MIMIC_ANALYSIS_CLIP_FEATURES_H_
#define MIMIC_ANALYSIS_CLIP_FEATURES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analysis/encoding.h"
#include "envs/reference_clip.h"

namespace mimic::analysis {

inline constexpr char kClipClassPrefix[] = "clips/";

struct ClipFeatureOptions {
  // The MJCF the clips were registered on (scaled by each clip's model_scale).
  std::string model_path = "data/models/rodent/rodent.xml";
  double smoothing_sigma_frames = 1.0;  // Gaussian std, frames; 0 = no smoothing
  bool inverse_dynamics_contacts = false;

  absl::Status Validate() const;
};

// The class names above, in that order.
const std::vector<std::string>& ClipFeatureClassNames();
bool IsClipFeatureClass(const std::string& name);

struct ClipFeatures {
  std::vector<FeatureClass> classes;
  std::vector<std::string> clip_names;  // file order
  std::vector<int> clip_of_row;         // (rows)
  std::vector<int> frame_of_row;        // (rows) frame within its clip
};

// Every frame of every clip. `names` are full class names (with the prefix); empty = all.
absl::StatusOr<ClipFeatures> ComputeClipFeatures(const std::vector<ReferenceClip>& clips,
                                                 const std::vector<std::string>& names,
                                                 const ClipFeatureOptions& options = {});

// Reads a clips file and computes the classes over all its frames.
absl::StatusOr<ClipFeatures> ReadClipFeatures(const std::string& clips_path, const std::vector<std::string>& names,
                                              const ClipFeatureOptions& options = {});

// The classes row-aligned with a rollouts file: its clips in file order, each row at the clip
// frame the rollout recorded. A rollout clip missing from the clips file, or a frame beyond the
// clip, is an error naming it.
absl::StatusOr<ClipFeatures> ReadClipFeaturesForRollouts(const std::string& clips_path,
                                                         const std::string& rollouts_path,
                                                         const std::vector<std::string>& names,
                                                         const ClipFeatureOptions& options = {});

// The same on clips already read.
absl::StatusOr<ClipFeatures> AlignClipFeaturesToRollouts(const std::vector<ReferenceClip>& clips,
                                                         const std::string& rollouts_path,
                                                         const std::vector<std::string>& names,
                                                         const ClipFeatureOptions& options = {});

// Inverse dynamics of one clip: (T x (nv - 6)) hinge torques. Exposed for tests.
absl::StatusOr<Eigen::MatrixXd> ClipJointTorques(const ReferenceClip& clip, const ClipFeatureOptions& options);

// Gaussian smoothing along rows (truncated at 4 sigma, renormalised at the ends). Exposed for tests.
Eigen::MatrixXd SmoothRows(const Eigen::MatrixXd& x, double sigma);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_CLIP_FEATURES_H_
