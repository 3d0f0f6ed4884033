#include "behaviour/behaviour_map.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"

namespace mimic::behaviour {
namespace {

// Gaussian low-pass along a signal (std `sigma` frames, truncated at 3 sigma, renormalised at the ends).
Eigen::VectorXd LowPass(const Eigen::VectorXd& x, double sigma) {
  if (sigma <= 0) return x;
  const int reach = static_cast<int>(std::ceil(3 * sigma));
  Eigen::VectorXd out(x.size());
  for (Eigen::Index t = 0; t < x.size(); ++t) {
    double sum = 0, weight = 0;
    for (int k = -reach; k <= reach; ++k) {
      if (t + k < 0 || t + k >= x.size()) continue;
      const double w = std::exp(-0.5 * k * k / (sigma * sigma));
      sum += w * x(t + k);
      weight += w;
    }
    out(t) = sum / weight;
  }
  return out;
}

// Posture (low-passed joint angles) and wavelet amplitudes of one clip: (T x J (1 + F)).
RowMatrix ClipFeatures(const ReferenceClip& clip, const std::vector<double>& frequencies, double omega0,
                       double posture_sigma_frames) {
  const int T = clip.num_frames, J = clip.nq - 7, F = static_cast<int>(frequencies.size());
  RowMatrix out(T, J * (1 + F));
  for (int j = 0; j < J; ++j) {
    Eigen::VectorXd angle(T);
    for (int t = 0; t < T; ++t) angle(t) = clip.qpos_at(t)[7 + j];
    out.col(j) = LowPass(angle, posture_sigma_frames);
    const Eigen::MatrixXd amplitude = MorletAmplitudes(angle, clip.frame_rate, frequencies, omega0);
    out.block(0, J + j * F, T, F) = amplitude;
  }
  return out;
}

// Evenly spaced indices: n of [0, total).
std::vector<int> Spread(int total, int n) {
  std::vector<int> rows;
  n = std::min(n, total);
  for (int i = 0; i < n; ++i) rows.push_back(static_cast<int>(static_cast<int64_t>(i) * total / n));
  return rows;
}

}  // namespace

absl::Status BehaviourMapOptions::Validate(double frame_rate) const {
  if (absl::Status s = wavelet.Validate(frame_rate); !s.ok()) return s;
  if (absl::Status s = tsne.Validate(); !s.ok()) return s;
  if (!(posture_weight >= 0)) return absl::InvalidArgumentError("posture_weight must be >= 0");
  if (components < 2 || components > 500) return absl::InvalidArgumentError("components must be in [2, 500]");
  if (covariance_frames < 10 || training_frames < 10) return absl::InvalidArgumentError("too few covariance or training frames");
  if (training_frames > 200000) return absl::InvalidArgumentError("training_frames is capped at 200000");
  if (grid < 16 || grid > 1024) return absl::InvalidArgumentError("grid must be in [16, 1024]");
  if (!(bandwidth > 0 && bandwidth < 0.5)) return absl::InvalidArgumentError("bandwidth must be in (0, 0.5)");
  if (!(min_peak >= 0 && min_peak < 1)) return absl::InvalidArgumentError("min_peak must be in [0, 1)");
  if (placement.neighbours < 1 || !(placement.perplexity >= 1)) return absl::InvalidArgumentError("bad placement options");
  return absl::OkStatus();
}

absl::StatusOr<BehaviourMap> BuildBehaviourMap(const std::vector<ReferenceClip>& clips, const BehaviourMapOptions& o,
                                               const MapProgress& progress) {
  if (clips.empty()) return absl::InvalidArgumentError("no clips");
  BehaviourMap map;
  map.frame_rate = clips[0].frame_rate;
  for (const ReferenceClip& c : clips) {
    if (std::abs(c.frame_rate - map.frame_rate) > 1e-6 * map.frame_rate) {
      return absl::InvalidArgumentError(absl::StrCat("clip '", c.name, "' runs at ", c.frame_rate, " Hz, the first at ",
                                                     map.frame_rate, " Hz; one behaviour map needs one frame rate"));
    }
    if (c.nq != clips[0].nq || c.nq < 8) {
      return absl::InvalidArgumentError(absl::StrCat("clip '", c.name, "' has ", c.nq, " qpos columns; the map needs the same "
                                                     "free root and joints in every clip"));
    }
    if (c.num_frames < 2 || c.qpos.size() != static_cast<size_t>(c.num_frames) * c.nq) {
      return absl::InvalidArgumentError(absl::StrCat("clip '", c.name, "' has no usable qpos"));
    }
    for (double v : c.qpos)
      if (!std::isfinite(v)) return absl::InvalidArgumentError(absl::StrCat("clip '", c.name, "' qpos holds NaN or Inf"));
  }
  if (absl::Status s = o.Validate(map.frame_rate); !s.ok()) return s;
  auto report = [&](const std::string& stage, int64_t done, int64_t total) {
    return !progress || progress(stage, done, total);
  };
  auto cancelled = [](const std::string& stage) { return absl::CancelledError(absl::StrCat("cancelled during ", stage)); };

  // 1. features, pass 1: column statistics and the covariance sample
  map.frequencies = WaveletFrequencies(o.wavelet, map.frame_rate);
  int total = 0;
  for (size_t c = 0; c < clips.size(); ++c) {
    map.clip_names.push_back(clips[c].name);
    for (int t = 0; t < clips[c].num_frames; ++t) {
      map.clip_of_row.push_back(static_cast<int>(c));
      map.frame_of_row.push_back(t);
    }
    total += clips[c].num_frames;
  }
  const int J = clips[0].nq - 7, F = static_cast<int>(map.frequencies.size()), D = J * (1 + F);
  const std::vector<int> sample = Spread(total, o.covariance_frames);
  RowMatrix sampled(sample.size(), D);
  Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(D), sum_sq = Eigen::RowVectorXd::Zero(D);
  // features are kept between the passes when they fit in 256 MB, else recomputed
  const bool keep = static_cast<double>(total) * D * 8 < 256e6;
  std::vector<RowMatrix> kept;
  size_t next_sample = 0;
  int row0 = 0;
  for (size_t c = 0; c < clips.size(); ++c) {
    RowMatrix f = ClipFeatures(clips[c], map.frequencies, o.wavelet.omega0, o.posture_smoothing_s * map.frame_rate);
    sum += f.colwise().sum();
    sum_sq += f.array().square().matrix().colwise().sum();
    while (next_sample < sample.size() && sample[next_sample] < row0 + f.rows()) {
      sampled.row(next_sample) = f.row(sample[next_sample] - row0);
      ++next_sample;
    }
    row0 += static_cast<int>(f.rows());
    if (keep) kept.push_back(std::move(f));
    if (!report("wavelets", static_cast<int64_t>(c + 1), static_cast<int64_t>(clips.size()))) return cancelled("wavelets");
  }
  const Eigen::RowVectorXd mean = sum / total;
  Eigen::RowVectorXd scale = ((sum_sq / total).array() - mean.array().square()).max(0.0).sqrt().matrix();
  // posture columns weighted so the block's total variance is posture_weight x the wavelet block's
  const double posture = std::sqrt(o.posture_weight * F);
  for (int d = 0; d < D; ++d) {
    const double weight = d < J ? posture : 1.0;
    scale(d) = scale(d) > 1e-12 ? scale(d) / weight : 0.0;  // 0: a constant column, dropped below
  }
  auto standardize = [&](RowMatrix& f) {
    for (int d = 0; d < D; ++d) {
      if (scale(d) > 0) f.col(d) = (f.col(d).array() - mean(d)) / scale(d);
      else f.col(d).setZero();
    }
  };

  // 2. PCA on the sample
  if (!report("pca", 0, 1)) return cancelled("pca");
  standardize(sampled);
  // principal axes from the sample: the D x D covariance, or (fewer frames than features) the
  // n x n Gram matrix, whose eigenvectors u map to axes X'u / |X'u|
  const Eigen::Index n = sampled.rows();
  const int k = std::min<int>({o.components, D, static_cast<int>(n)});
  Eigen::MatrixXd basis(D, k);
  Eigen::VectorXd values;
  if (n >= D) {
    const Eigen::MatrixXd cov = Eigen::MatrixXd(sampled.transpose()) * sampled / std::max<Eigen::Index>(1, n - 1);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
    basis = eig.eigenvectors().rightCols(k).rowwise().reverse();
    values = eig.eigenvalues().reverse().cwiseMax(0.0);
  } else {
    const Eigen::MatrixXd gram = Eigen::MatrixXd(sampled) * sampled.transpose() / std::max<Eigen::Index>(1, n - 1);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram);
    const Eigen::MatrixXd u = eig.eigenvectors().rightCols(k).rowwise().reverse();
    basis = sampled.transpose() * u;
    for (int j = 0; j < k; ++j) {
      const double norm = basis.col(j).norm();
      if (norm > 0) basis.col(j) /= norm;
    }
    values = eig.eigenvalues().reverse().cwiseMax(0.0);
  }
  map.explained = values.head(k) / std::max(1e-300, values.sum());
  RowMatrix pcs(total, k);
  row0 = 0;
  for (size_t c = 0; c < clips.size(); ++c) {
    RowMatrix f = keep ? std::move(kept[c]) : ClipFeatures(clips[c], map.frequencies, o.wavelet.omega0, o.posture_smoothing_s * map.frame_rate);
    standardize(f);
    pcs.middleRows(row0, f.rows()) = f * basis;
    row0 += static_cast<int>(f.rows());
  }
  kept.clear();
  if (!report("pca", 1, 1)) return cancelled("pca");

  // 3. t-SNE of the training frames, the rest placed
  map.training_rows = Spread(total, o.training_frames);
  RowMatrix train(map.training_rows.size(), k);
  for (size_t i = 0; i < map.training_rows.size(); ++i) train.row(i) = pcs.row(map.training_rows[i]);
  TsneOptions tsne = o.tsne;
  tsne.on_iteration = [&](int it, int n) { return report("t-SNE", it, n); };
  absl::StatusOr<RowMatrix> embedded = Tsne(train, tsne);
  if (!embedded.ok()) return embedded.status();
  map.embedding = RowMatrix::Zero(total, 2);
  std::vector<bool> is_training(total, false);
  for (size_t i = 0; i < map.training_rows.size(); ++i) {
    map.embedding.row(map.training_rows[i]) = embedded->row(i);
    is_training[map.training_rows[i]] = true;
  }
  std::vector<int> rest;
  for (int r = 0; r < total; ++r)
    if (!is_training[r]) rest.push_back(r);
  if (!rest.empty()) {
    RowMatrix others(rest.size(), k);
    for (size_t i = 0; i < rest.size(); ++i) others.row(i) = pcs.row(rest[i]);
    absl::StatusOr<RowMatrix> placed = PlaceIntoMap(train, *embedded, others, o.placement, [&](int64_t done, int64_t n) {
      return report("placing frames", done, n);
    });
    if (!placed.ok()) return placed.status();
    for (size_t i = 0; i < rest.size(); ++i) map.embedding.row(rest[i]) = placed->row(i);
  }

  // 4. density of the training frames and its watershed clusters
  if (!report("density and watershed", 0, 1)) return cancelled("density and watershed");
  map.grid = GaussianDensity(*embedded, o.grid, o.bandwidth);
  Watershed(map.grid, o.min_peak);
  map.cluster_of_row.resize(total);
  for (int r = 0; r < total; ++r) map.cluster_of_row[r] = map.grid.RegionOf(map.embedding(r, 0), map.embedding(r, 1));

  // 5. names from the clusters' kinematics
  Eigen::MatrixXd qpos(total, clips[0].nq);
  row0 = 0;
  for (const ReferenceClip& c : clips) {
    for (int t = 0; t < c.num_frames; ++t)
      for (int q = 0; q < c.nq; ++q) qpos(row0 + t, q) = c.qpos_at(t)[q];
    row0 += c.num_frames;
  }
  absl::StatusOr<FrameKinematics> kin = ComputeKinematics(qpos, map.clip_of_row, 1 / map.frame_rate, o.smooth_frames);
  if (!kin.ok()) return kin.status();
  const double median_height = Median(kin->root_height);
  const int K = map.grid.region_count;
  std::vector<std::vector<double>> height(K), speed(K), joint(K);
  for (int r = 0; r < total; ++r) {
    const int c = map.cluster_of_row[r];
    height[c].push_back(kin->root_height[r] - median_height);
    speed[c].push_back(kin->root_speed[r]);
    joint[c].push_back(kin->joint_speed[r]);
  }
  map.clusters.resize(K);
  std::vector<int> coarse(K);
  std::vector<bool> present(CoarseBehaviourNames().size(), false);
  for (int c = 0; c < K; ++c) {
    ClusterSummary& s = map.clusters[c];
    s.frames = static_cast<int>(height[c].size());
    s.height_above_median = Median(height[c]);
    s.root_speed = Median(speed[c]);
    s.joint_speed = Median(joint[c]);
    coarse[c] = CoarseBehaviour(s.height_above_median, s.root_speed, s.joint_speed, o.naming);
    if (s.frames > 0) present[coarse[c]] = true;
    // the label sits on the cluster's densest cell
    double best = -1;
    for (int gr = 0; gr < map.grid.size; ++gr)
      for (int gc = 0; gc < map.grid.size; ++gc)
        if (map.grid.regions(gr, gc) == c && map.grid.density(gr, gc) > best) {
          best = map.grid.density(gr, gc);
          s.x = map.grid.x_min + (gc + 0.5) * (map.grid.x_max - map.grid.x_min) / map.grid.size;
          s.y = map.grid.y_min + (gr + 0.5) * (map.grid.y_max - map.grid.y_min) / map.grid.size;
        }
  }
  std::vector<int> coarse_index(present.size(), -1);
  for (size_t b = 0; b < present.size(); ++b) {
    if (!present[b]) continue;
    coarse_index[b] = static_cast<int>(map.behaviour_names.size());
    map.behaviour_names.push_back(CoarseBehaviourNames()[b]);
  }
  std::map<int, int> count, numbered;
  for (int c = 0; c < K; ++c) ++count[coarse[c]];
  for (int c = 0; c < K; ++c) {
    ClusterSummary& s = map.clusters[c];
    s.behaviour = std::max(0, coarse_index[coarse[c]]);
    s.name = CoarseBehaviourNames()[coarse[c]];
    if (count[coarse[c]] > 1) s.name = absl::StrCat(s.name, " ", ++numbered[coarse[c]]);
  }
  map.behaviour_of_row.resize(total);
  for (int r = 0; r < total; ++r) map.behaviour_of_row[r] = map.clusters[map.cluster_of_row[r]].behaviour;
  if (!report("density and watershed", 1, 1)) return cancelled("density and watershed");
  return map;
}

}  // namespace mimic::behaviour
