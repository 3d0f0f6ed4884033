// Fits the model's pose to one frame of keypoints: bounded Levenberg-Marquardt over chosen
// degrees of freedom, with analytic keypoint Jacobians from MuJoCo (mj_jac) and joint limits
// enforced by projection. Passes: root (trunk keypoints), whole body, then each body part.
//
// Thread safety: one PoseFitter per thread; the StacModel is shared.
#ifndef MIMIC_PREPROCESS_POSE_FITTER_H_
#define MIMIC_PREPROCESS_POSE_FITTER_H_

#include <vector>

#include <Eigen/Dense>

#include "envs/model_loader.h"
#include "preprocess/stac_model.h"

namespace mimic::preprocess {

class PoseFitter {
 public:
  explicit PoseFitter(const StacModel& stac);

  // Fits `qpos` (nq, in: starting pose; out: fitted) to `targets` (K x 3 metres, NaN = missing)
  // given marker `offsets` (K x 3, body frames). A cold start first places the root from the
  // trunk keypoints. Writes per-keypoint distances (K, metres; NaN when missing) if `residuals`.
  // Returns the summed squared error.
  // With `previous` (nq, the previous frame's pose), joint angles are pulled toward it with the
  // config's temporal_weight.
  double FitFrame(double* qpos, const double* targets, const double* offsets, bool cold_start,
                  double* residuals = nullptr, const double* previous = nullptr);

  // One Levenberg-Marquardt solve over `dofs` using keypoints `keypoints`.
  double Solve(double* qpos, const double* targets, const double* offsets, const std::vector<int>& dofs,
               const std::vector<int>& keypoints, int max_iterations, const double* previous = nullptr);

  // World positions (K x 3) of the markers for pose `qpos`.
  void MarkerPositions(const double* qpos, const double* offsets, double* out);
  // After MarkerPositions or a fit: the body pose the keypoint rides on.
  const double* body_pos(int k) const { return data_->xpos + 3 * stac_.body(k); }
  const double* body_rot(int k) const { return data_->xmat + 9 * stac_.body(k); }

 private:
  void Kinematics(const double* qpos);
  // World position of marker k (its body's current pose plus its offset).
  void Marker(int k, const double* offsets, double* out) const;
  double Cost(const double* targets, const double* offsets, const std::vector<int>& keypoints);
  double PriorCost(const double* qpos, const double* previous, const std::vector<int>& dofs) const;
  void PlaceRoot(double* qpos, const double* targets, const double* offsets);
  void ClampToLimits(double* qpos) const;

  const StacModel& stac_;
  const mjModel* m_;
  DataPtr data_;
  std::vector<int> all_keypoints_;
  std::vector<int> dof_qpos_;  // (nv) qpos index of a hinge/slide dof, -1 otherwise
  // scratch
  std::vector<double> jacp_, trial_, dq_, markers_;
  Eigen::MatrixXd jac_;
  Eigen::VectorXd residual_;
};

}  // namespace mimic::preprocess

#endif  // MIMIC_PREPROCESS_POSE_FITTER_H_
