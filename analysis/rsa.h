// Representational similarity analysis: representational dissimilarity matrices (RDMs) over
// conditions (behaviours), their comparison, and the noise ceiling.
//
// RDMs are handled as the vector of their upper triangle (pairs (i, j), i < j, row by row).
//   correlation distance  1 - pearson(a_i, a_j)
//   euclidean             |a_i - a_j| / sqrt(features)
//   crossnobis            cross-validated squared Euclidean distance between folds' condition
//                         means per feature (identity noise covariance: "cross-validated
//                         Euclidean"), unbiased: zero in expectation when conditions do not differ
// Comparisons:
//   whitened unbiased cosine (WUC, Diedrichsen et al. 2021): a'V^-1 b / sqrt(a'V^-1 a  b'V^-1 b)
//   with V = (C C') .* (C C'), C the pair-contrast matrix; and Pearson correlation.
// Noise ceiling (leave one subject out, rsatoolbox's boot_noise_ceiling convention):
//   upper = mean_s sim(RDM_s, pool of all subjects); lower = mean_s sim(RDM_s, pool of the others),
//   where a pool averages the RDMs after dividing each by its root mean square (rsatoolbox's
//   pool_rdm for cosine and whitened-cosine comparisons), so no subject's scale dominates.
#ifndef MIMIC_ANALYSIS_RSA_H_
#define MIMIC_ANALYSIS_RSA_H_

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "absl/status/statusor.h"

namespace mimic::analysis {

enum class RdmMetric { kCorrelation, kEuclidean };

// `means` is (conditions x features). Returns the upper triangle (K(K-1)/2).
absl::StatusOr<Eigen::VectorXd> ComputeRdm(const Eigen::MatrixXd& means, RdmMetric metric);

// Per-condition means of `data` (samples x features) grouped by `labels` (one per sample, values
// 0..K-1); conditions without samples are an error.
absl::StatusOr<Eigen::MatrixXd> ConditionMeans(const Eigen::MatrixXd& data, const std::vector<int>& labels, int conditions);

// Crossnobis from per-fold condition means (each conditions x features), averaged over fold pairs.
absl::StatusOr<Eigen::VectorXd> CrossnobisRdm(const std::vector<Eigen::MatrixXd>& fold_means);

int ConditionsOf(Eigen::Index rdm_size);  // K from K(K-1)/2, or -1

absl::StatusOr<double> WhitenedUnbiasedCosine(const Eigen::VectorXd& a, const Eigen::VectorXd& b);
absl::StatusOr<double> RdmCorrelation(const Eigen::VectorXd& a, const Eigen::VectorXd& b);

struct NoiseCeiling {
  double lower = 0;
  double upper = 0;
  std::vector<double> lower_by_subject, upper_by_subject;
};
// The pooled RDM: mean over RDMs each divided by its root mean square.
Eigen::VectorXd PoolRdms(const std::vector<Eigen::VectorXd>& rdms);
// `subjects` are RDMs of the same conditions (at least 2), compared by WUC.
absl::StatusOr<NoiseCeiling> WucNoiseCeiling(const std::vector<Eigen::VectorXd>& subjects);

// Condition order for display: leaves of average-linkage hierarchical clustering of the RDM.
std::vector<int> ClusterOrder(const Eigen::VectorXd& rdm);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_RSA_H_
