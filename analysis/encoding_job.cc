#include "analysis/encoding_job.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "analysis/array_io.h"
#include "analysis/feature_classes.h"
#include "analysis/frame_times.h"
#include "analysis/rollout_features.h"
#include "analysis/spikes.h"
#include "analysis/statistics.h"
#include "common/atomic_file.h"
#include "common/h5_file.h"
#include "common/status_macros.h"
#include "common/svg_chart.h"

namespace mimic::analysis {
namespace {

std::string FigurePath(const std::string& out) {
  std::filesystem::path p(out);
  return (p.parent_path() / (p.stem().string() + ".svg")).string();
}

// Per class: /coefficients/<class index>/{weights, standard_errors} [neurons, lags, dims],
// {intercept, intercept_se} [neurons, lags], attributes `class`, and the z-scoring the weights are
// on (feature_mean, feature_scale [dims]) so they can be taken back to the features' own units.
absl::Status WriteCoefficients(H5File& file, const std::vector<FeatureClass>& classes,
                               const std::vector<NeuronEncoding>& result, const EncodingOptions& options) {
  const int64_t N = static_cast<int64_t>(result.size()), L = static_cast<int64_t>(options.lags.size());
  MIMIC_RETURN_IF_ERROR(file.WriteInts("/lags", {L}, options.lags.data()));
  std::vector<double> ridge;
  for (const NeuronEncoding& n : result)
    for (const ClassResult& c : n.classes) ridge.push_back(c.ridge);
  MIMIC_RETURN_IF_ERROR(file.WriteDoubles("/ridge", {N, static_cast<int64_t>(classes.size())}, ridge.data()));
  for (size_t c = 0; c < classes.size(); ++c) {
    const int64_t D = classes[c].features.cols();
    const std::string group = absl::StrCat("/coefficients/", c);
    std::vector<double> weights, se, intercept, intercept_se;
    for (const NeuronEncoding& n : result) {
      const ClassResult& r = n.classes[c];
      if (static_cast<int64_t>(r.fits.size()) != L) return absl::InternalError("coefficient fits missing");
      for (const LagFit& fit : r.fits) {
        weights.insert(weights.end(), fit.weights.data(), fit.weights.data() + D);
        se.insert(se.end(), fit.weight_se.data(), fit.weight_se.data() + D);
        intercept.push_back(fit.intercept);
        intercept_se.push_back(fit.intercept_se);
      }
    }
    MIMIC_RETURN_IF_ERROR(file.WriteDoubles(group + "/weights", {N, L, D}, weights.data()));
    MIMIC_RETURN_IF_ERROR(file.WriteDoubles(group + "/standard_errors", {N, L, D}, se.data()));
    MIMIC_RETURN_IF_ERROR(file.WriteDoubles(group + "/intercept", {N, L}, intercept.data()));
    MIMIC_RETURN_IF_ERROR(file.WriteDoubles(group + "/intercept_se", {N, L}, intercept_se.data()));
    MIMIC_RETURN_IF_ERROR(file.SetAttribute(group, "class", classes[c].name));
    const Standardization z = options.standardize ? StandardizationOf(classes[c].features)
                                                  : Standardization{Eigen::RowVectorXd::Zero(D), Eigen::RowVectorXd::Ones(D)};
    MIMIC_RETURN_IF_ERROR(file.WriteDoubles(group + "/feature_mean", {D}, z.mean.data()));
    MIMIC_RETURN_IF_ERROR(file.WriteDoubles(group + "/feature_scale", {D}, z.scale.data()));
  }
  return absl::OkStatus();
}

absl::Status WriteResults(const std::string& path, const EncodingJobOutcome& outcome,
                          const std::vector<NeuronEncoding>& result, const EncodingOptions& options,
                          const std::vector<FeatureClass>& classes) {
  const std::vector<std::string>& names = outcome.class_names;
  const int64_t N = static_cast<int64_t>(result.size()), C = static_cast<int64_t>(names.size());
  std::vector<double> llr, r2, p;
  std::vector<int32_t> lag, significant, best;
  for (const NeuronEncoding& n : result) {
    for (const ClassResult& c : n.classes) {
      llr.push_back(c.score.cv_llr_bits_per_spike);
      r2.push_back(c.score.pseudo_r2);
      p.push_back(c.p_value);
      lag.push_back(c.best_lag);
      significant.push_back(c.significant ? 1 : 0);
    }
    best.push_back(n.best_class);
  }
  MIMIC_ASSIGN_OR_RETURN(auto file, H5File::Create(path));
  MIMIC_RETURN_IF_ERROR(file->WriteStrings("/classes", names));
  MIMIC_RETURN_IF_ERROR(file->WriteStrings("/class_sources", outcome.class_sources));
  MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/cv_llr_bits_per_spike", {N, C}, llr.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/pseudo_r2", {N, C}, r2.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/p_value", {N, C}, p.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteInts("/best_lag_bins", {N, C}, lag.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteInts("/significant", {N, C}, significant.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteInts("/best_class", {N}, best.data()));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "format", std::string("mimic.encoding")));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "folds", static_cast<int64_t>(options.folds)));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "fdr", options.fdr));
  MIMIC_RETURN_IF_ERROR(file->WriteStrings("/neurons", outcome.neuron_names));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "ridge_selection",
                                           std::string(options.select_ridge ? "nested cross-validation" : "given")));
  if (!options.select_ridge) MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "ridge", options.glm.ridge));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "standardized_features", static_cast<int64_t>(options.standardize)));
  if (options.coefficients) MIMIC_RETURN_IF_ERROR(WriteCoefficients(*file, classes, result, options));
  if (outcome.compared) {
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "mean_best_llr_computational", outcome.mean_computational_llr));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "mean_best_llr_representational", outcome.mean_representational_llr));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "p_computational_greater", outcome.comparison_p));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "representational_source",
                                             std::string(outcome.real_representational ? "real rat (clips)"
                                                                                       : "kinematic classes by name")));
  }
  return file->Finish();
}

}  // namespace

std::string EncodingFigureSvg(const EncodingJobOutcome& o) {
  const size_t C = o.class_names.size();
  std::vector<std::string> charts;
  std::vector<double> share;
  for (int count : o.best_class_counts) share.push_back(static_cast<double>(count) / std::max(1, o.neurons));
  charts.push_back(BarChartSvg({absl::StrFormat("Neurons best predicted by each class (%d of %d significantly predicted)",
                                                o.neurons - o.untuned, o.neurons),
                                "feature class", "share of neurons", 900, 330},
                               o.class_names, {{"share of all neurons", share, ""}}));
  std::vector<std::vector<double>> significant(C);
  for (const NeuronEncoding& n : o.result)
    for (size_t c = 0; c < C && c < n.classes.size(); ++c)
      if (n.classes[c].significant) significant[c].push_back(n.classes[c].score.cv_llr_bits_per_spike);
  charts.push_back(BoxPlotSvg({"CV log-likelihood ratio against a mean-rate model, per class", "", "bits / spike", 900, 360},
                              o.class_names, significant,
                              {"neurons significantly predicted by the class (Wilcoxon over folds, Benjamini-Hochberg); "
                               "boxes: quartiles, whiskers: 10th-90th percentiles"}));
  if (o.compared) {
    std::vector<std::string> labels;
    for (int n : o.compared_neurons) labels.push_back(o.neuron_names[n]);
    const std::string group = o.real_representational ? "real rat's movement" : "kinematic classes";
    charts.push_back(ScatterSvg(
        {absl::StrFormat("Best computational vs best representational class per neuron (one-sided permutation p = %.3g)",
                         o.comparison_p),
         absl::StrCat("best representational CV-LLR (", group, "), bits / spike"), "best network-layer CV-LLR", 900, 460},
        o.best_representational, o.best_computational, labels, /*identity_line=*/true,
        {"points above the dashed line: neurons the network predicts better"}));
  }
  return StackSvg(charts, 900);
}

absl::StatusOr<EncodingJobOutcome> RunEncodingJob(const EncodingJobInputs& inputs,
                                                  const std::function<void(const std::string&, double)>& progress,
                                                  const std::function<bool()>& cancelled) {
  progress("reading inputs", 0);
  std::vector<FeatureClass> classes;
  std::map<std::string, std::vector<std::string>> column_names;
  if (!inputs.rollouts.empty() || !inputs.clips.empty()) {
    FeatureRequest request;
    request.rollouts = inputs.rollouts;
    request.clips = inputs.clips;
    request.classes = inputs.classes;
    request.clip_options = inputs.clip_options;
    MIMIC_ASSIGN_OR_RETURN(FeatureSet set, ReadFeatureClasses(request));
    classes = std::move(set.classes);
  }
  for (const auto& [name, file] : inputs.features) {
    auto m = ReadMatrix(file);
    if (!m.ok()) return absl::Status(m.status().code(), absl::StrCat("feature class '", name, "': ", m.status().message()));
    classes.push_back({name, m->values, absl::StrCat("array: ", file)});
    column_names[name] = m->names;
  }
  if (classes.empty()) return absl::InvalidArgumentError("no feature classes: give a rollouts file or feature arrays");
  absl::StatusOr<NamedMatrix> counts;
  if (!inputs.spikes.empty()) {
    progress("binning spikes", 0);
    auto spikes = LoadSpikes(inputs.spikes);
    if (!spikes.ok()) return absl::Status(spikes.status().code(), absl::StrCat("spikes: ", spikes.status().message()));
    if (!inputs.units_location.empty()) {
      spikes = SelectLocation(*spikes, inputs.units_location);
      if (!spikes.ok()) return spikes.status();
    }
    auto times = LoadFrameTimes(inputs.frame_times);
    if (!times.ok()) return absl::Status(times.status().code(), absl::StrCat("frame times: ", times.status().message()));
    auto binned = BinSpikes(*spikes, *times, inputs.drop_spikes_outside);
    if (!binned.ok()) return binned.status();
    NamedMatrix m;
    m.values = *std::move(binned);
    for (int64_t id : spikes->unit_ids) m.names.push_back(absl::StrCat("unit_", id));
    counts = std::move(m);
  } else {
    counts = ReadMatrix(inputs.counts);
    if (!counts.ok()) return absl::Status(counts.status().code(), absl::StrCat("counts: ", counts.status().message()));
  }
  if (inputs.max_cells > 0) {
    int64_t cells = counts->values.size();
    for (const FeatureClass& c : classes) cells += c.features.size();
    if (cells > inputs.max_cells) {
      return absl::ResourceExhaustedError(absl::StrCat("the job's arrays hold ", cells, " values, over this server's limit of ",
                                                       inputs.max_cells));
    }
  }
  if (inputs.pca_fraction > 0) {
    if (inputs.pca_fraction > 1) return absl::InvalidArgumentError("pca_fraction must be in (0, 1]");
    progress("pca", 0);
    for (FeatureClass& c : classes) c.features = PcaReduce(c.features, inputs.pca_fraction);
  }
  EncodingOptions options = inputs.options;
  options.on_neuron = [&](int done, int total) {
    progress("fitting GLMs", static_cast<double>(done) / total);
    return !cancelled();
  };
  progress("fitting GLMs", 0);
  MIMIC_ASSIGN_OR_RETURN(std::vector<NeuronEncoding> result, RunEncoding(classes, counts->values, options));

  progress("writing results", 1);
  EncodingJobOutcome outcome;
  outcome.result = result;
  outcome.neurons = static_cast<int>(result.size());
  outcome.bins = static_cast<int>(counts->values.rows());
  for (const FeatureClass& c : classes) {
    outcome.class_names.push_back(c.name);
    outcome.class_sources.push_back(c.source.empty() ? "unknown" : c.source);
    // columns keep their names unless PCA replaced them with components
    auto names = column_names.find(c.name);
    outcome.term_names.push_back(names != column_names.end() && inputs.pca_fraction == 0 ? names->second
                                                                                         : std::vector<std::string>());
  }
  for (Eigen::Index n = 0; n < counts->values.cols(); ++n) {
    outcome.neuron_names.push_back(static_cast<size_t>(n) < counts->names.size() ? counts->names[n]
                                                                                 : absl::StrCat("neuron_", n));
  }
  outcome.best_class_counts.assign(classes.size(), 0);
  std::vector<double> mean_llr(classes.size(), 0.0);
  for (const NeuronEncoding& n : result) {
    if (n.best_class >= 0) ++outcome.best_class_counts[n.best_class];
    else ++outcome.untuned;
    for (size_t c = 0; c < n.classes.size(); ++c) mean_llr[c] += n.classes[c].score.cv_llr_bits_per_spike / result.size();
  }
  // computational vs representational
  std::vector<double> computational, representational;
  outcome.real_representational = std::any_of(outcome.class_names.begin(), outcome.class_names.end(), IsClipFeatureClass);
  std::vector<ClassRole> roles;
  for (const std::string& name : outcome.class_names) roles.push_back(RoleOf(name, outcome.real_representational));
  for (const NeuronEncoding& n : result) {
    double best_c = -1e300, best_r = -1e300;
    for (size_t c = 0; c < n.classes.size(); ++c) {
      if (roles[c] == ClassRole::kNotCompared) continue;
      double& best = roles[c] == ClassRole::kRepresentational ? best_r : best_c;
      best = std::max(best, n.classes[c].score.cv_llr_bits_per_spike);
    }
    if (best_c > -1e300 && best_r > -1e300) {
      computational.push_back(best_c);
      representational.push_back(best_r);
      outcome.compared_neurons.push_back(static_cast<int>(&n - result.data()));
    }
  }
  outcome.best_computational = computational;
  outcome.best_representational = representational;
  if (!computational.empty()) {
    outcome.compared = true;
    for (size_t i = 0; i < computational.size(); ++i) {
      outcome.mean_computational_llr += computational[i] / computational.size();
      outcome.mean_representational_llr += representational[i] / computational.size();
    }
    outcome.comparison_p = PairedPermutationGreater(computational, representational, 10000, 1);
  }
  if (!inputs.out.empty()) MIMIC_RETURN_IF_ERROR(WriteResults(inputs.out, outcome, result, options, classes));

  if (!inputs.out.empty()) {
    outcome.figure = FigurePath(inputs.out);
    // replaced in one step, never written through a link (common/atomic_file)
    MIMIC_RETURN_IF_ERROR(WriteFileAtomically(outcome.figure, EncodingFigureSvg(outcome)));
  }
  outcome.json = absl::StrFormat("{\"neurons\":%d,\"bins\":%d,\"untuned\":%d,\"best_class_counts\":{", outcome.neurons,
                                 outcome.bins, outcome.untuned);
  for (size_t c = 0; c < classes.size(); ++c) {
    absl::StrAppendFormat(&outcome.json, "%s\"%s\":%d", c ? "," : "", outcome.class_names[c], outcome.best_class_counts[c]);
  }
  outcome.json += "},\"class_sources\":{";
  for (size_t c = 0; c < classes.size(); ++c) {
    absl::StrAppendFormat(&outcome.json, "%s\"%s\":\"%s\"", c ? "," : "", outcome.class_names[c],
                          absl::StrReplaceAll(outcome.class_sources[c], {{"\\", "\\\\"}, {"\"", "\\\""}}));
  }
  outcome.json += "}";
  if (outcome.compared) {
    absl::StrAppendFormat(&outcome.json,
                          ",\"computational_vs_representational\":{\"representational\":\"%s\","
                          "\"mean_best_llr_computational\":%.6f,"
                          "\"mean_best_llr_representational\":%.6f,\"p_computational_greater\":%.6g}",
                          outcome.real_representational ? "real rat (clips)" : "kinematic classes by name (simulated body or arrays)",
                          outcome.mean_computational_llr, outcome.mean_representational_llr, outcome.comparison_p);
  }
  outcome.json += "}";
  return outcome;
}

}  // namespace mimic::analysis
