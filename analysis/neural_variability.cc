#include "analysis/neural_variability.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "absl/strings/str_cat.h"

namespace mimic::analysis {
namespace {

double Pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = x.size();
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) mx += x[i] / n, my += y[i] / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : std::nan("");
}

}  // namespace

absl::Status NeuralVariabilityOptions::Validate() const {
  if (window_frames < 1) return absl::InvalidArgumentError("window_frames must be >= 1");
  if (min_bouts < 2) return absl::InvalidArgumentError("min_bouts must be >= 2 (a variance needs two trials)");
  if (!(min_mean_count >= 0)) return absl::InvalidArgumentError("min_mean_count must be >= 0");
  return absl::OkStatus();
}

absl::StatusOr<NeuralVariability> BoutVariability(const Eigen::MatrixXd& counts, const BehaviourLabels& labels,
                                                  const std::vector<int>& clip_of_row,
                                                  const NeuralVariabilityOptions& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  const Eigen::Index T = counts.rows(), N = counts.cols();
  if (static_cast<Eigen::Index>(labels.labels.size()) != T || static_cast<Eigen::Index>(clip_of_row.size()) != T) {
    return absl::InvalidArgumentError(absl::StrCat("the counts have ", T, " frames, the labels ", labels.labels.size(),
                                                   ", the clips ", clip_of_row.size()));
  }
  if (!counts.allFinite() || (counts.array() < 0).any()) {
    return absl::InvalidArgumentError("spike counts must be finite and >= 0");
  }
  const int L = static_cast<int>(labels.names.size());
  // per label: the onset-window counts of each bout (bouts x neurons)
  std::vector<std::vector<Eigen::RowVectorXd>> trials(L);
  Eigen::Index t = 0;
  while (t < T) {
    Eigen::Index end = t;
    while (end < T && labels.labels[end] == labels.labels[t] && clip_of_row[end] == clip_of_row[t]) ++end;
    const int label = labels.labels[t];
    if (label < 0 || label >= L) return absl::InvalidArgumentError(absl::StrCat("label ", label, " out of range"));
    if (end - t >= options.window_frames) trials[label].push_back(counts.middleRows(t, options.window_frames).colwise().sum());
    t = end;
  }
  NeuralVariability out;
  for (int l = 0; l < L; ++l) {
    if (static_cast<int>(trials[l].size()) < options.min_bouts) continue;
    out.behaviours.push_back(labels.names[l]);
    out.label_of.push_back(l);
    out.bouts.push_back(static_cast<int>(trials[l].size()));
  }
  const Eigen::Index B = static_cast<Eigen::Index>(out.behaviours.size());
  if (B == 0) {
    return absl::InvalidArgumentError(absl::StrCat("no behaviour has ", options.min_bouts, " bouts of at least ",
                                                   options.window_frames, " frames"));
  }
  out.fano = Eigen::MatrixXd::Constant(B, N, std::nan(""));
  out.cv = out.fano;
  out.mean_count = Eigen::MatrixXd::Zero(B, N);
  for (Eigen::Index b = 0; b < B; ++b) {
    const auto& bouts = trials[out.label_of[b]];
    const double n = static_cast<double>(bouts.size());
    Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(N), var = Eigen::RowVectorXd::Zero(N);
    for (const auto& c : bouts) mean += c / n;
    for (const auto& c : bouts) var += (c - mean).array().square().matrix() / (n - 1);
    out.mean_count.row(b) = mean;
    double fano_sum = 0, cv_sum = 0;
    int used = 0;
    for (Eigen::Index j = 0; j < N; ++j) {
      if (mean(j) <= 0) continue;
      out.fano(b, j) = var(j) / mean(j);
      out.cv(b, j) = std::sqrt(var(j)) / mean(j);
      if (mean(j) < options.min_mean_count) continue;
      fano_sum += out.fano(b, j);
      cv_sum += out.cv(b, j);
      ++used;
    }
    out.mean_fano.push_back(used > 0 ? fano_sum / used : std::nan(""));
    out.mean_cv.push_back(used > 0 ? cv_sum / used : std::nan(""));
  }
  return out;
}

CorrelationTest CorrelationPermutationGreater(const std::vector<double>& x, const std::vector<double>& y,
                                              int permutations, uint64_t seed) {
  std::vector<double> a, b;
  for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
    if (std::isfinite(x[i]) && std::isfinite(y[i])) {
      a.push_back(x[i]);
      b.push_back(y[i]);
    }
  }
  CorrelationTest out;
  if (a.size() < 3) return out;
  out.r = Pearson(a, b);
  if (std::isnan(out.r)) return out;
  int at_least = 0;
  if (a.size() <= 8) {
    // every order of y, the observed one included
    std::vector<int> order(b.size());
    std::iota(order.begin(), order.end(), 0);
    std::vector<double> shuffled(b.size());
    do {
      for (size_t i = 0; i < order.size(); ++i) shuffled[i] = b[order[i]];
      at_least += Pearson(a, shuffled) >= out.r - 1e-12;
      ++out.permutations;
    } while (std::next_permutation(order.begin(), order.end()));
    out.exact = true;
    out.p = static_cast<double>(at_least) / out.permutations;
    return out;
  }
  std::mt19937_64 rng(seed);
  std::vector<double> shuffled = b;
  for (int p = 0; p < permutations; ++p) {
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    at_least += Pearson(a, shuffled) >= out.r - 1e-12;
  }
  out.permutations = permutations;
  out.p = (at_least + 1.0) / (permutations + 1.0);
  return out;
}

}  // namespace mimic::analysis
