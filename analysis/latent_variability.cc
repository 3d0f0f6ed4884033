#include "analysis/latent_variability.h"

#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "analysis/rsa.h"
#include "common/h5_file.h"
#include "common/status_macros.h"

namespace mimic::analysis {
namespace {

// Std over the middle axis of a [T, n, d] float dataset: (T x d).
absl::StatusOr<Eigen::MatrixXd> SpreadOverSamples(const H5File& file, const std::string& dataset, int* samples) {
  MIMIC_ASSIGN_OR_RETURN(H5Array<double> a, file.ReadDoubles(dataset));
  if (a.shape.size() != 3) return absl::InvalidArgumentError(absl::StrCat(dataset, " is not [frames, samples, dims]"));
  const int64_t T = a.shape[0], n = a.shape[1], d = a.shape[2];
  if (n < 2) return absl::InvalidArgumentError(absl::StrCat(dataset, " has ", n, " resamples; at least 2 are needed"));
  *samples = static_cast<int>(n);
  Eigen::MatrixXd out(T, d);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t k = 0; k < d; ++k) {
      double mean = 0, m2 = 0;
      for (int64_t s = 0; s < n; ++s) mean += a.values[(t * n + s) * d + k];
      mean /= n;
      for (int64_t s = 0; s < n; ++s) {
        const double e = a.values[(t * n + s) * d + k] - mean;
        m2 += e * e;
      }
      out(t, k) = std::sqrt(m2 / (n - 1));
    }
  }
  return out;
}

Eigen::MatrixXd LogFeatures(const Eigen::MatrixXd& std_values) {
  return (std_values.array() + 1e-6).log().matrix();
}

}  // namespace

absl::StatusOr<VariabilityData> ReadVariability(const std::string& rollouts) {
  MIMIC_ASSIGN_OR_RETURN(auto file, H5File::Open(rollouts));
  MIMIC_ASSIGN_OR_RETURN(std::vector<std::string> clips, file->List("/clips"));
  if (clips.empty()) return absl::InvalidArgumentError(rollouts + " holds no clips");
  VariabilityData out;
  auto dt = file->GetDoubleAttribute("/", "control_timestep");
  if (dt.ok()) out.dt = *dt;
  std::vector<Eigen::MatrixXd> actions, latents, qposes;
  Eigen::Index rows = 0;
  for (size_t c = 0; c < clips.size(); ++c) {
    const std::string group = "/clips/" + clips[c];
    if (!file->Exists(group + "/resampled/latent")) {
      return absl::InvalidArgumentError(absl::StrCat(rollouts, ": clip '", clips[c],
                                                     "' has no latent resamples; record it with "
                                                     "`mimic rollout --latent_samples N` (N >= 2)"));
    }
    int samples = 0;
    MIMIC_ASSIGN_OR_RETURN(Eigen::MatrixXd action, SpreadOverSamples(*file, group + "/resampled/action_mean", &samples));
    MIMIC_ASSIGN_OR_RETURN(Eigen::MatrixXd latent, SpreadOverSamples(*file, group + "/resampled/latent", &samples));
    MIMIC_ASSIGN_OR_RETURN(H5Array<double> q, file->ReadDoubles(group + "/qpos"));
    if (q.shape.size() != 2 || q.shape[0] != action.rows() || latent.rows() != action.rows()) {
      return absl::InvalidArgumentError(absl::StrCat(group, ": qpos and the resamples disagree in length"));
    }
    out.samples = samples;
    qposes.push_back(Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        q.values.data(), q.shape[0], q.shape[1]));
    actions.push_back(std::move(action));
    latents.push_back(std::move(latent));
    for (Eigen::Index t = 0; t < actions.back().rows(); ++t) out.clip_of_row.push_back(static_cast<int>(c));
    rows += actions.back().rows();
  }
  auto stack = [rows](const std::vector<Eigen::MatrixXd>& parts) {
    Eigen::MatrixXd m(rows, parts.front().cols());
    Eigen::Index r = 0;
    for (const auto& p : parts) {
      m.middleRows(r, p.rows()) = p;
      r += p.rows();
    }
    return m;
  };
  out.action_std = stack(actions);
  out.latent_std = stack(latents);
  out.qpos = stack(qposes);
  if (!out.action_std.allFinite() || !out.latent_std.allFinite()) {
    return absl::InvalidArgumentError(rollouts + ": the resamples hold NaN or infinite values");
  }
  return out;
}

double LdaBalancedAccuracy(const Eigen::MatrixXd& x, const std::vector<int>& y, int classes, int folds,
                           double shrinkage) {
  const Eigen::Index T = x.rows(), d = x.cols();
  std::vector<int> correct(classes, 0), total(classes, 0);
  for (int f = 0; f < folds; ++f) {
    const Eigen::Index lo = T * f / folds, hi = T * (f + 1) / folds;
    // standardise on the training rows
    Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(d), sd = Eigen::RowVectorXd::Zero(d);
    Eigen::Index n_train = 0;
    for (Eigen::Index t = 0; t < T; ++t) {
      if (t >= lo && t < hi) continue;
      mean += x.row(t);
      ++n_train;
    }
    if (n_train < 2) continue;
    mean /= n_train;
    for (Eigen::Index t = 0; t < T; ++t) {
      if (t >= lo && t < hi) continue;
      sd += (x.row(t) - mean).array().square().matrix();
    }
    sd = (sd / (n_train - 1)).array().sqrt().max(1e-9).matrix();
    std::vector<Eigen::RowVectorXd> class_mean(classes, Eigen::RowVectorXd::Zero(d));
    std::vector<int> count(classes, 0);
    for (Eigen::Index t = 0; t < T; ++t) {
      if (t >= lo && t < hi) continue;
      class_mean[y[t]] += (x.row(t) - mean).cwiseQuotient(sd);
      ++count[y[t]];
    }
    for (int k = 0; k < classes; ++k) {
      if (count[k] > 0) class_mean[k] /= count[k];
    }
    Eigen::MatrixXd S = Eigen::MatrixXd::Zero(d, d);
    for (Eigen::Index t = 0; t < T; ++t) {
      if (t >= lo && t < hi) continue;
      const Eigen::RowVectorXd e = (x.row(t) - mean).cwiseQuotient(sd) - class_mean[y[t]];
      S += e.transpose() * e;
    }
    S /= std::max<Eigen::Index>(1, n_train - classes);
    const double scale = S.trace() / d;
    S = (1 - shrinkage) * S + shrinkage * scale * Eigen::MatrixXd::Identity(d, d);
    const Eigen::LDLT<Eigen::MatrixXd> solver(S);
    // discriminants with equal priors (balanced accuracy is the score)
    std::vector<Eigen::VectorXd> w(classes);
    std::vector<double> b(classes, 0);
    for (int k = 0; k < classes; ++k) {
      if (count[k] == 0) continue;
      w[k] = solver.solve(class_mean[k].transpose());
      b[k] = -0.5 * class_mean[k].dot(w[k].transpose());
    }
    for (Eigen::Index t = lo; t < hi; ++t) {
      const Eigen::RowVectorXd z = (x.row(t) - mean).cwiseQuotient(sd);
      int best = -1;
      double best_score = -1e300;
      for (int k = 0; k < classes; ++k) {
        if (count[k] == 0) continue;
        const double score = z.dot(w[k].transpose()) + b[k];
        if (score > best_score) {
          best_score = score;
          best = k;
        }
      }
      ++total[y[t]];
      correct[y[t]] += best == y[t];
    }
  }
  double sum = 0;
  int present = 0;
  for (int k = 0; k < classes; ++k) {
    if (total[k] == 0) continue;
    sum += static_cast<double>(correct[k]) / total[k];
    ++present;
  }
  return present > 0 ? sum / present : 0;
}

Discrimination LdaPermutationTest(const Eigen::MatrixXd& x, const std::vector<int>& y, int classes,
                                  const VariabilityOptions& options) {
  Discrimination out;
  out.chance = 1.0 / classes;
  out.balanced_accuracy = LdaBalancedAccuracy(x, y, classes, options.folds, options.shrinkage);
  out.permutations = options.permutations;
  std::mt19937_64 rng(options.seed);
  const size_t T = y.size();
  std::uniform_int_distribution<size_t> shift(T / 10, T - T / 10);
  int at_least = 0;
  std::vector<int> shifted(T);
  for (int p = 0; p < options.permutations; ++p) {
    const size_t s = shift(rng);
    for (size_t t = 0; t < T; ++t) shifted[t] = y[(t + s) % T];
    at_least += LdaBalancedAccuracy(x, shifted, classes, options.folds, options.shrinkage) >= out.balanced_accuracy;
  }
  out.p_value = (1.0 + at_least) / (1.0 + options.permutations);
  return out;
}

absl::StatusOr<VariabilityResult> AnalyzeVariability(const Eigen::MatrixXd& action_std,
                                                     const Eigen::MatrixXd& latent_std,
                                                     const BehaviourLabels& labels, const VariabilityOptions& options) {
  const Eigen::Index T = action_std.rows();
  if (latent_std.rows() != T || static_cast<Eigen::Index>(labels.labels.size()) != T) {
    return absl::InvalidArgumentError(absl::StrCat("frames disagree: ", T, " action rows, ", latent_std.rows(),
                                                   " latent rows, ", labels.labels.size(), " labels"));
  }
  if (options.folds < 2) return absl::InvalidArgumentError("folds must be at least 2");
  // keep behaviours with enough frames, renumbered in label order
  std::vector<int> count(labels.names.size(), 0);
  for (int l : labels.labels) {
    if (l < 0 || l >= static_cast<int>(labels.names.size())) return absl::InvalidArgumentError("label out of range");
    ++count[l];
  }
  VariabilityResult out;
  std::vector<int> renumber(labels.names.size(), -1);
  for (size_t k = 0; k < labels.names.size(); ++k) {
    if (count[k] < options.min_frames) continue;
    renumber[k] = static_cast<int>(out.behaviours.size());
    out.behaviours.push_back(labels.names[k]);
    out.frames.push_back(count[k]);
  }
  const int B = static_cast<int>(out.behaviours.size());
  if (B < 2) {
    return absl::InvalidArgumentError(absl::StrCat("fewer than two behaviours have ", options.min_frames,
                                                   " frames or more; nothing to discriminate"));
  }
  std::vector<Eigen::Index> rows;
  std::vector<int> y;
  for (Eigen::Index t = 0; t < T; ++t) {
    if (renumber[labels.labels[t]] < 0) continue;
    rows.push_back(t);
    y.push_back(renumber[labels.labels[t]]);
  }
  Eigen::MatrixXd action(rows.size(), action_std.cols()), latent(rows.size(), latent_std.cols());
  for (size_t i = 0; i < rows.size(); ++i) {
    action.row(i) = action_std.row(rows[i]);
    latent.row(i) = latent_std.row(rows[i]);
  }
  MIMIC_ASSIGN_OR_RETURN(out.action_by_behaviour, ConditionMeans(action, y, B));
  MIMIC_ASSIGN_OR_RETURN(out.latent_by_behaviour, ConditionMeans(latent, y, B));
  out.latent = LdaPermutationTest(LogFeatures(latent), y, B, options);
  out.action = LdaPermutationTest(LogFeatures(action), y, B, options);
  MIMIC_ASSIGN_OR_RETURN(out.action_rdm, ComputeRdm(out.action_by_behaviour, RdmMetric::kCorrelation));
  MIMIC_ASSIGN_OR_RETURN(out.latent_rdm, ComputeRdm(out.latent_by_behaviour, RdmMetric::kCorrelation));
  if (B >= 3) {
    auto r = RdmCorrelation(out.action_rdm, out.latent_rdm);
    if (r.ok()) out.rdm_correlation = *r;
  }
  return out;
}

}  // namespace mimic::analysis
