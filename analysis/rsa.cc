#include "analysis/rsa.h"

#include <cmath>
#include <functional>

#include "absl/strings/str_cat.h"

namespace mimic::analysis {
namespace {

Eigen::MatrixXd PairContrasts(int k) {
  Eigen::MatrixXd c = Eigen::MatrixXd::Zero(k * (k - 1) / 2, k);
  int row = 0;
  for (int i = 0; i < k; ++i)
    for (int j = i + 1; j < k; ++j, ++row) {
      c(row, i) = 1;
      c(row, j) = -1;
    }
  return c;
}

}  // namespace

int ConditionsOf(Eigen::Index n) {
  const int k = static_cast<int>(std::lround((1 + std::sqrt(1 + 8.0 * n)) / 2));
  return k * (k - 1) / 2 == n && k >= 2 ? k : -1;
}

absl::StatusOr<Eigen::MatrixXd> ConditionMeans(const Eigen::MatrixXd& data, const std::vector<int>& labels, int k) {
  if (static_cast<Eigen::Index>(labels.size()) != data.rows()) {
    return absl::InvalidArgumentError(absl::StrCat(labels.size(), " labels for ", data.rows(), " samples"));
  }
  if (!data.allFinite()) return absl::InvalidArgumentError("the data holds NaN or Inf");
  Eigen::MatrixXd means = Eigen::MatrixXd::Zero(k, data.cols());
  std::vector<int> count(k, 0);
  for (size_t t = 0; t < labels.size(); ++t) {
    if (labels[t] < 0 || labels[t] >= k) return absl::InvalidArgumentError(absl::StrCat("label ", labels[t], " out of range"));
    means.row(labels[t]) += data.row(static_cast<Eigen::Index>(t));
    ++count[labels[t]];
  }
  for (int c = 0; c < k; ++c) {
    if (count[c] == 0) return absl::InvalidArgumentError(absl::StrCat("condition ", c, " has no samples"));
    means.row(c) /= count[c];
  }
  return means;
}

absl::StatusOr<Eigen::VectorXd> ComputeRdm(const Eigen::MatrixXd& m, RdmMetric metric) {
  const int k = static_cast<int>(m.rows());
  if (k < 2) return absl::InvalidArgumentError("an RDM needs at least 2 conditions");
  if (m.cols() < (metric == RdmMetric::kCorrelation ? 2 : 1)) return absl::InvalidArgumentError("too few features");
  if (!m.allFinite()) return absl::InvalidArgumentError("condition means hold NaN or Inf");
  Eigen::VectorXd rdm(k * (k - 1) / 2);
  int p = 0;
  for (int i = 0; i < k; ++i)
    for (int j = i + 1; j < k; ++j, ++p) {
      if (metric == RdmMetric::kEuclidean) {
        rdm(p) = (m.row(i) - m.row(j)).norm() / std::sqrt(static_cast<double>(m.cols()));
      } else {
        const Eigen::RowVectorXd a = m.row(i).array() - m.row(i).mean(), b = m.row(j).array() - m.row(j).mean();
        const double denom = a.norm() * b.norm();
        if (denom == 0) return absl::InvalidArgumentError(absl::StrCat("condition ", denom == 0 && a.norm() == 0 ? i : j,
                                                                       " has no variance across features"));
        rdm(p) = 1 - a.dot(b) / denom;
      }
    }
  return rdm;
}

absl::StatusOr<Eigen::VectorXd> CrossnobisRdm(const std::vector<Eigen::MatrixXd>& folds) {
  if (folds.size() < 2) return absl::InvalidArgumentError("crossnobis needs at least 2 folds");
  const Eigen::Index k = folds[0].rows(), f = folds[0].cols();
  for (const auto& m : folds) {
    if (m.rows() != k || m.cols() != f) return absl::InvalidArgumentError("folds disagree in conditions or features");
    if (!m.allFinite()) return absl::InvalidArgumentError("fold means hold NaN or Inf");
  }
  Eigen::VectorXd rdm = Eigen::VectorXd::Zero(k * (k - 1) / 2);
  int pairs = 0;
  for (size_t a = 0; a < folds.size(); ++a)
    for (size_t b = a + 1; b < folds.size(); ++b, ++pairs) {
      int p = 0;
      for (Eigen::Index i = 0; i < k; ++i)
        for (Eigen::Index j = i + 1; j < k; ++j, ++p) {
          rdm(p) += (folds[a].row(i) - folds[a].row(j)).dot(folds[b].row(i) - folds[b].row(j)) / f;
        }
    }
  return rdm / pairs;
}

absl::StatusOr<double> WhitenedUnbiasedCosine(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  const int k = ConditionsOf(a.size());
  if (k < 0 || a.size() != b.size()) return absl::InvalidArgumentError("RDMs must be upper triangles of the same size");
  const Eigen::MatrixXd c = PairContrasts(k);
  const Eigen::MatrixXd cc = c * c.transpose();
  const Eigen::MatrixXd v = cc.array().square().matrix();
  const auto solver = v.ldlt();
  const Eigen::VectorXd va = solver.solve(a), vb = solver.solve(b);
  const double aa = a.dot(va), bb = b.dot(vb);
  if (!(aa > 0) || !(bb > 0)) return absl::InvalidArgumentError("an RDM is all zeros");
  return a.dot(vb) / std::sqrt(aa * bb);
}

absl::StatusOr<double> RdmCorrelation(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  if (a.size() != b.size() || a.size() < 2) return absl::InvalidArgumentError("RDMs must have the same size (>= 2 pairs)");
  const Eigen::VectorXd x = a.array() - a.mean(), y = b.array() - b.mean();
  const double denom = x.norm() * y.norm();
  if (denom == 0) return absl::InvalidArgumentError("an RDM is constant");
  return x.dot(y) / denom;
}

Eigen::VectorXd PoolRdms(const std::vector<Eigen::VectorXd>& rdms) {
  Eigen::VectorXd pooled = Eigen::VectorXd::Zero(rdms.empty() ? 0 : rdms[0].size());
  for (const Eigen::VectorXd& r : rdms) {
    const double rms = std::sqrt(r.squaredNorm() / std::max<Eigen::Index>(1, r.size()));
    pooled += rms > 0 ? Eigen::VectorXd(r / rms) : r;
  }
  return rdms.empty() ? pooled : Eigen::VectorXd(pooled / static_cast<double>(rdms.size()));
}

absl::StatusOr<NoiseCeiling> WucNoiseCeiling(const std::vector<Eigen::VectorXd>& subjects) {
  const size_t n = subjects.size();
  if (n < 2) return absl::InvalidArgumentError("a noise ceiling needs at least 2 subjects");
  for (const auto& s : subjects) {
    if (s.size() != subjects[0].size()) return absl::InvalidArgumentError("subjects' RDMs differ in size");
  }
  const Eigen::VectorXd all = PoolRdms(subjects);
  NoiseCeiling ceiling;
  for (size_t i = 0; i < n; ++i) {
    std::vector<Eigen::VectorXd> others;
    for (size_t j = 0; j < n; ++j)
      if (j != i) others.push_back(subjects[j]);
    auto upper = WhitenedUnbiasedCosine(all, subjects[i]);
    auto lower = WhitenedUnbiasedCosine(PoolRdms(others), subjects[i]);
    if (!upper.ok()) return upper.status();
    if (!lower.ok()) return lower.status();
    ceiling.upper_by_subject.push_back(*upper);
    ceiling.lower_by_subject.push_back(*lower);
    ceiling.upper += *upper / n;
    ceiling.lower += *lower / n;
  }
  return ceiling;
}

std::vector<int> ClusterOrder(const Eigen::VectorXd& rdm) {
  const int k = ConditionsOf(rdm.size());
  if (k < 0) return {};
  Eigen::MatrixXd d = Eigen::MatrixXd::Zero(k, k);
  int p = 0;
  for (int i = 0; i < k; ++i)
    for (int j = i + 1; j < k; ++j, ++p) d(i, j) = d(j, i) = rdm(p);
  // clusters as leaf lists; merge the closest pair (average linkage) until one remains
  std::vector<std::vector<int>> clusters;
  for (int i = 0; i < k; ++i) clusters.push_back({i});
  auto linkage = [&d](const std::vector<int>& a, const std::vector<int>& b) {
    double s = 0;
    for (int i : a)
      for (int j : b) s += d(i, j);
    return s / (a.size() * b.size());
  };
  while (clusters.size() > 1) {
    size_t best_a = 0, best_b = 1;
    double best = std::numeric_limits<double>::infinity();
    for (size_t a = 0; a < clusters.size(); ++a)
      for (size_t b = a + 1; b < clusters.size(); ++b) {
        const double l = linkage(clusters[a], clusters[b]);
        if (l < best) {
          best = l;
          best_a = a;
          best_b = b;
        }
      }
    clusters[best_a].insert(clusters[best_a].end(), clusters[best_b].begin(), clusters[best_b].end());
    clusters.erase(clusters.begin() + static_cast<long>(best_b));
  }
  return clusters.front();
}

}  // namespace mimic::analysis
