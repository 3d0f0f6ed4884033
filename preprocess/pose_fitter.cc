#include "preprocess/pose_fitter.h"

#include <algorithm>
#include <cmath>

namespace mimic::preprocess {
namespace {

bool Valid(const double* y) { return !std::isnan(y[0]) && !std::isnan(y[1]) && !std::isnan(y[2]); }

}  // namespace

PoseFitter::PoseFitter(const StacModel& stac)
    : stac_(stac), m_(stac.model()), data_(mj_makeData(stac.model())) {
  for (int k = 0; k < stac_.num_keypoints(); ++k) all_keypoints_.push_back(k);
  jacp_.resize(3 * m_->nv);
  trial_.resize(m_->nq);
  dq_.resize(m_->nv);
  markers_.resize(3 * stac_.num_keypoints());
  dof_qpos_.assign(m_->nv, -1);
  for (int j = 0; j < m_->njnt; ++j) {
    if (m_->jnt_type[j] == mjJNT_HINGE || m_->jnt_type[j] == mjJNT_SLIDE) dof_qpos_[m_->jnt_dofadr[j]] = m_->jnt_qposadr[j];
  }
}

double PoseFitter::PriorCost(const double* qpos, const double* previous, const std::vector<int>& dofs) const {
  if (previous == nullptr) return 0;
  double cost = 0;
  for (int dof : dofs) {
    const int a = dof_qpos_[dof];
    if (a >= 0) cost += (qpos[a] - previous[a]) * (qpos[a] - previous[a]);
  }
  return stac_.config().temporal_weight() * cost;
}

void PoseFitter::Kinematics(const double* qpos) {
  std::copy(qpos, qpos + m_->nq, data_->qpos);
  mj_kinematics(m_, data_.get());
}

void PoseFitter::MarkerPositions(const double* qpos, const double* offsets, double* out) {
  Kinematics(qpos);
  for (int k = 0; k < stac_.num_keypoints(); ++k) {
    Marker(k, offsets, out + 3 * k);
  }
}

void PoseFitter::Marker(int k, const double* offsets, double* out) const {
  mju_rotVecMat(out, offsets + 3 * k, body_rot(k));
  for (int c = 0; c < 3; ++c) out[c] += body_pos(k)[c];
}

double PoseFitter::Cost(const double* targets, const double* offsets, const std::vector<int>& keypoints) {
  double cost = 0;
  for (int k : keypoints) {
    const double* y = targets + 3 * k;
    if (!Valid(y)) continue;
    double p[3];
    Marker(k, offsets, p);
    for (int c = 0; c < 3; ++c) cost += (p[c] - y[c]) * (p[c] - y[c]);
  }
  return cost;
}

void PoseFitter::ClampToLimits(double* qpos) const {
  for (int j = 0; j < m_->njnt; ++j) {
    if (!m_->jnt_limited[j]) continue;
    const int type = m_->jnt_type[j];
    if (type != mjJNT_HINGE && type != mjJNT_SLIDE) continue;
    double& q = qpos[m_->jnt_qposadr[j]];
    q = std::clamp(q, m_->jnt_range[2 * j], m_->jnt_range[2 * j + 1]);
  }
}

double PoseFitter::Solve(double* qpos, const double* targets, const double* offsets, const std::vector<int>& dofs,
                         const std::vector<int>& keypoints, int max_iterations, const double* previous) {
  const int nd = static_cast<int>(dofs.size());
  const double tolerance = stac_.config().tolerance();
  const double w = previous ? stac_.config().temporal_weight() : 0.0;
  Kinematics(qpos);
  double cost = Cost(targets, offsets, keypoints) + PriorCost(qpos, previous, dofs);
  double lambda = 1e-3;
  for (int it = 0; it < max_iterations; ++it) {
    // residuals and Jacobian at the current pose
    mj_comPos(m_, data_.get());
    int rows = 0;
    for (int k : keypoints) rows += Valid(targets + 3 * k) ? 3 : 0;
    if (rows == 0) return 0;
    jac_.resize(rows, nd);
    residual_.resize(rows);
    int row = 0;
    for (int k : keypoints) {
      const double* y = targets + 3 * k;
      if (!Valid(y)) continue;
      double p[3];
      Marker(k, offsets, p);
      mj_jac(m_, data_.get(), jacp_.data(), nullptr, p, stac_.body(k));
      for (int c = 0; c < 3; ++c) {
        residual_(row + c) = p[c] - y[c];
        for (int i = 0; i < nd; ++i) jac_(row + c, i) = jacp_[c * m_->nv + dofs[i]];
      }
      row += 3;
    }
    Eigen::MatrixXd jtj = jac_.transpose() * jac_;
    Eigen::VectorXd jtr = jac_.transpose() * residual_;
    // the temporal prior adds w (q - q_prev)^2 per joint
    for (int i = 0; w > 0 && i < nd; ++i) {
      const int a = dof_qpos_[dofs[i]];
      if (a < 0) continue;
      jtj(i, i) += w;
      jtr(i) += w * (qpos[a] - previous[a]);
    }
    bool accepted = false;
    double improvement = 0;
    for (int attempt = 0; attempt < 12 && !accepted; ++attempt) {
      Eigen::MatrixXd h = jtj;
      for (int i = 0; i < nd; ++i) h(i, i) += lambda * jtj(i, i) + 1e-9;
      const Eigen::VectorXd step = -h.ldlt().solve(jtr);
      std::fill(dq_.begin(), dq_.end(), 0.0);
      for (int i = 0; i < nd; ++i) dq_[dofs[i]] = step(i);
      std::copy(qpos, qpos + m_->nq, trial_.begin());
      mj_integratePos(m_, trial_.data(), dq_.data(), 1.0);
      ClampToLimits(trial_.data());
      Kinematics(trial_.data());
      const double trial_cost = Cost(targets, offsets, keypoints) + PriorCost(trial_.data(), previous, dofs);
      if (trial_cost < cost) {
        std::copy(trial_.begin(), trial_.end(), qpos);
        improvement = cost - trial_cost;
        cost = trial_cost;
        lambda = std::max(lambda * 0.3, 1e-7);
        accepted = true;
      } else {
        lambda *= 10;
      }
    }
    if (!accepted) {
      Kinematics(qpos);  // leave the data at the best pose
      break;
    }
    if (improvement < tolerance) break;
  }
  return cost;
}

void PoseFitter::PlaceRoot(double* qpos, const double* targets, const double* offsets) {
  std::copy(m_->qpos0, m_->qpos0 + m_->nq, qpos);
  qpos[0] = qpos[1] = qpos[2] = 0;
  qpos[3] = 1;
  qpos[4] = qpos[5] = qpos[6] = 0;
  MarkerPositions(qpos, offsets, markers_.data());
  // centroids of the trunk markers and targets, then the yaw that best aligns them (2-D Procrustes)
  double cm[3] = {0, 0, 0}, ct[3] = {0, 0, 0};
  int n = 0;
  for (int k : stac_.trunk_keypoints()) {
    if (!Valid(targets + 3 * k)) continue;
    for (int c = 0; c < 3; ++c) {
      cm[c] += markers_[3 * k + c];
      ct[c] += targets[3 * k + c];
    }
    ++n;
  }
  if (n == 0) return;
  for (int c = 0; c < 3; ++c) {
    cm[c] /= n;
    ct[c] /= n;
  }
  double sin_sum = 0, cos_sum = 0;
  for (int k : stac_.trunk_keypoints()) {
    if (!Valid(targets + 3 * k)) continue;
    const double ax = markers_[3 * k] - cm[0], ay = markers_[3 * k + 1] - cm[1];
    const double bx = targets[3 * k] - ct[0], by = targets[3 * k + 1] - ct[1];
    sin_sum += ax * by - ay * bx;
    cos_sum += ax * bx + ay * by;
  }
  const double yaw = std::atan2(sin_sum, cos_sum);
  qpos[3] = std::cos(yaw / 2);
  qpos[6] = std::sin(yaw / 2);
  const double c = std::cos(yaw), s = std::sin(yaw);
  qpos[0] = ct[0] - (c * cm[0] - s * cm[1]);
  qpos[1] = ct[1] - (s * cm[0] + c * cm[1]);
  qpos[2] = ct[2] - cm[2];
}

double PoseFitter::FitFrame(double* qpos, const double* targets, const double* offsets, bool cold_start,
                            double* residuals, const double* previous) {
  const int iterations = stac_.config().max_iterations();
  if (cold_start) {
    PlaceRoot(qpos, targets, offsets);
    Solve(qpos, targets, offsets, stac_.root_dofs(), stac_.trunk_keypoints(), 4 * iterations);
  } else {
    Solve(qpos, targets, offsets, stac_.root_dofs(), stac_.trunk_keypoints(), iterations / 4 + 1);
  }
  double cost = Solve(qpos, targets, offsets, stac_.all_dofs(), all_keypoints_, iterations, previous);
  for (const PartPass& part : stac_.parts()) {
    cost = Solve(qpos, targets, offsets, part.dofs, all_keypoints_, iterations / 2 + 1, previous);
  }
  if (residuals != nullptr) {
    MarkerPositions(qpos, offsets, markers_.data());
    for (int k = 0; k < stac_.num_keypoints(); ++k) {
      const double* y = targets + 3 * k;
      if (!Valid(y)) {
        residuals[k] = std::nan("");
        continue;
      }
      double sq = 0;
      for (int c = 0; c < 3; ++c) sq += (markers_[3 * k + c] - y[c]) * (markers_[3 * k + c] - y[c]);
      residuals[k] = std::sqrt(sq);
    }
  }
  return cost;
}

}  // namespace mimic::preprocess
