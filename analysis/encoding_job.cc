#include "analysis/encoding_job.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analysis/array_io.h"
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

absl::Status WriteResults(const std::string& path, const EncodingJobOutcome& outcome,
                          const std::vector<NeuronEncoding>& result, const EncodingOptions& options) {
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
  MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/cv_llr_bits_per_spike", {N, C}, llr.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/pseudo_r2", {N, C}, r2.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/p_value", {N, C}, p.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteInts("/best_lag_bins", {N, C}, lag.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteInts("/significant", {N, C}, significant.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteInts("/best_class", {N}, best.data()));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "format", std::string("mimic.encoding")));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "folds", static_cast<int64_t>(options.folds)));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "fdr", options.fdr));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "ridge", options.glm.ridge));
  if (outcome.compared) {
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "mean_best_llr_computational", outcome.mean_computational_llr));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "mean_best_llr_representational", outcome.mean_representational_llr));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "p_computational_greater", outcome.comparison_p));
  }
  return file->Finish();
}

}  // namespace

bool IsRepresentationalClass(const std::string& name) {
  return name == "joint_angles" || name == "joint_velocities" || name.rfind("egocentric_", 0) == 0;
}

absl::StatusOr<EncodingJobOutcome> RunEncodingJob(const EncodingJobInputs& inputs,
                                                  const std::function<void(const std::string&, double)>& progress,
                                                  const std::function<bool()>& cancelled) {
  progress("reading inputs", 0);
  std::vector<FeatureClass> classes;
  if (!inputs.rollouts.empty()) {
    MIMIC_ASSIGN_OR_RETURN(RolloutFeatures rollout, ReadRolloutFeatures(inputs.rollouts, inputs.classes));
    classes = std::move(rollout.classes);
  }
  for (const auto& [name, file] : inputs.features) {
    auto m = ReadMatrix(file);
    if (!m.ok()) return absl::Status(m.status().code(), absl::StrCat("feature class '", name, "': ", m.status().message()));
    classes.push_back({name, m->values});
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
  outcome.neurons = static_cast<int>(result.size());
  outcome.bins = static_cast<int>(counts->values.rows());
  for (const FeatureClass& c : classes) outcome.class_names.push_back(c.name);
  outcome.best_class_counts.assign(classes.size(), 0);
  std::vector<double> mean_llr(classes.size(), 0.0);
  for (const NeuronEncoding& n : result) {
    if (n.best_class >= 0) ++outcome.best_class_counts[n.best_class];
    else ++outcome.untuned;
    for (size_t c = 0; c < n.classes.size(); ++c) mean_llr[c] += n.classes[c].score.cv_llr_bits_per_spike / result.size();
  }
  // computational vs representational
  std::vector<double> computational, representational;
  for (const NeuronEncoding& n : result) {
    double best_c = -1e300, best_r = -1e300;
    for (size_t c = 0; c < n.classes.size(); ++c) {
      double& best = IsRepresentationalClass(outcome.class_names[c]) ? best_r : best_c;
      best = std::max(best, n.classes[c].score.cv_llr_bits_per_spike);
    }
    if (best_c > -1e300 && best_r > -1e300) {
      computational.push_back(best_c);
      representational.push_back(best_r);
    }
  }
  if (!computational.empty()) {
    outcome.compared = true;
    for (size_t i = 0; i < computational.size(); ++i) {
      outcome.mean_computational_llr += computational[i] / computational.size();
      outcome.mean_representational_llr += representational[i] / computational.size();
    }
    outcome.comparison_p = PairedPermutationGreater(computational, representational, 10000, 1);
  }
  MIMIC_RETURN_IF_ERROR(WriteResults(inputs.out, outcome, result, options));

  std::vector<double> share;
  for (int count : outcome.best_class_counts) share.push_back(static_cast<double>(count) / std::max(1, outcome.neurons));
  outcome.figure = FigurePath(inputs.out);
  // the distribution of CV-LLR over neurons per class: sorted values against the neuron quantile
  std::vector<double> quantile;
  for (size_t n = 0; n < result.size(); ++n) quantile.push_back(result.size() > 1 ? static_cast<double>(n) / (result.size() - 1) : 0);
  std::vector<Series> distributions;
  for (size_t c = 0; c < classes.size(); ++c) {
    std::vector<double> llr;
    for (const NeuronEncoding& n : result) llr.push_back(n.classes[c].score.cv_llr_bits_per_spike);
    std::sort(llr.begin(), llr.end());
    distributions.push_back({outcome.class_names[c], llr, ""});
  }
  // replaced in one step, never written through a link (common/atomic_file)
  MIMIC_RETURN_IF_ERROR(WriteFileAtomically(outcome.figure, StackSvg(
      {LineChartSvg({"CV log-likelihood ratio over neurons, per feature class (sorted)", "neuron quantile",
                     "bits / spike", 900, 320},
                    quantile, distributions),
       BarChartSvg({"Mean CV log-likelihood ratio per feature class", "feature class", "bits / spike", 900, 320},
                   outcome.class_names, {{"mean over neurons", mean_llr, ""}}),
       BarChartSvg({"Neurons best explained by each class (significant, BH-corrected)", "feature class",
                    "share of neurons", 900, 320},
                   outcome.class_names, {{"share", share, ""}})},
      900)));
  outcome.json = absl::StrFormat("{\"neurons\":%d,\"bins\":%d,\"untuned\":%d,\"best_class_counts\":{", outcome.neurons,
                                 outcome.bins, outcome.untuned);
  for (size_t c = 0; c < classes.size(); ++c) {
    absl::StrAppendFormat(&outcome.json, "%s\"%s\":%d", c ? "," : "", outcome.class_names[c], outcome.best_class_counts[c]);
  }
  outcome.json += "}";
  if (outcome.compared) {
    absl::StrAppendFormat(&outcome.json,
                          ",\"computational_vs_representational\":{\"mean_best_llr_computational\":%.6f,"
                          "\"mean_best_llr_representational\":%.6f,\"p_computational_greater\":%.6g}",
                          outcome.mean_computational_llr, outcome.mean_representational_llr, outcome.comparison_p);
  }
  outcome.json += "}";
  return outcome;
}

}  // namespace mimic::analysis
