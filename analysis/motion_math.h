// Small kinematics helpers shared by the rollout and clip feature classes.
#ifndef MIMIC_ANALYSIS_MOTION_MATH_H_
#define MIMIC_ANALYSIS_MOTION_MATH_H_

#include <Eigen/Dense>

namespace mimic::analysis {

// Rotates v by the inverse of the unit quaternion q = (w, x, y, z): q* v q (into q's frame).
void RotateIntoFrame(const double* q, const double* v, double* out);

// Central differences along rows (one-sided at the ends), divided by dt.
Eigen::MatrixXd Differentiate(const Eigen::MatrixXd& x, double dt);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_MOTION_MATH_H_
