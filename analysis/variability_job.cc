#include "analysis/variability_job.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include <algorithm>

#include "analysis/array_io.h"
#include "analysis/behaviour_labels.h"
#include "common/atomic_file.h"
#include "common/h5_file.h"
#include "common/status_macros.h"
#include "common/svg_chart.h"

namespace mimic::analysis {
namespace {

absl::Status WriteResults(const std::string& path, const VariabilityJobOutcome& outcome,
                          const NeuralVariabilityOptions& neural) {
  const VariabilityResult& r = outcome.result;
  MIMIC_ASSIGN_OR_RETURN(auto file, H5File::Create(path));
  const int64_t B = static_cast<int64_t>(r.behaviours.size());
  auto rows = [](const Eigen::MatrixXd& m) {
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = m;
    return std::vector<double>(row_major.data(), row_major.data() + row_major.size());
  };
  MIMIC_RETURN_IF_ERROR(file->WriteStrings("/behaviours", r.behaviours));
  MIMIC_RETURN_IF_ERROR(file->WriteInts("/frames", {B}, r.frames.data()));
  const auto action = rows(r.action_by_behaviour), latent = rows(r.latent_by_behaviour);
  MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/action_std_by_behaviour", {B, r.action_by_behaviour.cols()}, action.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/latent_std_by_behaviour", {B, r.latent_by_behaviour.cols()}, latent.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/action_rdm", {r.action_rdm.size()}, r.action_rdm.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/latent_rdm", {r.latent_rdm.size()}, r.latent_rdm.data()));
  for (const auto& [name, d] : {std::pair<std::string, Discrimination>{"latent_lda", r.latent},
                                {"action_lda", r.action}}) {
    MIMIC_RETURN_IF_ERROR(file->CreateGroup("/" + name));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/" + name, "balanced_accuracy", d.balanced_accuracy));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/" + name, "chance", d.chance));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/" + name, "p_value", d.p_value));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/" + name, "permutations", static_cast<int64_t>(d.permutations)));
  }
  if (outcome.neural) {
    const NeuralVariability& n = outcome.neural_result;
    const int64_t NB = static_cast<int64_t>(n.behaviours.size()), N = n.fano.cols();
    auto row_major = [](const Eigen::MatrixXd& m) {
      Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
      return std::vector<double>(rm.data(), rm.data() + rm.size());
    };
    MIMIC_RETURN_IF_ERROR(file->CreateGroup("/neural"));
    MIMIC_RETURN_IF_ERROR(file->WriteStrings("/neural/behaviours", n.behaviours));
    MIMIC_RETURN_IF_ERROR(file->WriteInts("/neural/bouts", {NB}, n.bouts.data()));
    MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/neural/fano", {NB, N}, row_major(n.fano).data()));
    MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/neural/cv", {NB, N}, row_major(n.cv).data()));
    MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/neural/mean_count", {NB, N}, row_major(n.mean_count).data()));
    MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/neural/mean_fano", {NB}, n.mean_fano.data()));
    const int64_t C = static_cast<int64_t>(outcome.compared_behaviours.size());
    MIMIC_RETURN_IF_ERROR(file->CreateGroup("/comparison"));
    MIMIC_RETURN_IF_ERROR(file->WriteStrings("/comparison/behaviours", outcome.compared_behaviours));
    MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/comparison/neural_fano", {C}, outcome.neural_fano.data()));
    MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/comparison/latent_std", {C}, outcome.latent_std.data()));
    MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/comparison/action_std", {C}, outcome.action_std.data()));
    for (const auto& [name, t] : {std::pair<std::string, CorrelationTest>{"latent_vs_neural", outcome.latent_vs_neural},
                                  {"action_vs_neural", outcome.action_vs_neural}}) {
      MIMIC_RETURN_IF_ERROR(file->SetAttribute("/comparison", "r_" + name, t.r));
      MIMIC_RETURN_IF_ERROR(file->SetAttribute("/comparison", "p_" + name, t.p));
    }
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/neural", "window_frames", static_cast<int64_t>(neural.window_frames)));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/neural", "min_mean_count", neural.min_mean_count));
  }
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "format", std::string("mimic.variability")));
  return file->Finish();
}

std::string Figure(const VariabilityJobOutcome& outcome) {
  const VariabilityResult& r = outcome.result;
  std::vector<Series> action;
  for (size_t b = 0; b < r.behaviours.size(); ++b) {
    action.push_back({r.behaviours[b], std::vector<double>(r.action_by_behaviour.row(b).data(),
                                                           r.action_by_behaviour.row(b).data() +
                                                               r.action_by_behaviour.cols()), ""});
  }
  std::vector<std::string> actuators;
  for (Eigen::Index a = 0; a < r.action_by_behaviour.cols(); ++a) actuators.push_back(absl::StrCat(a));
  std::vector<double> accuracy = {r.latent.balanced_accuracy, r.action.balanced_accuracy};
  std::vector<double> chance = {r.latent.chance, r.action.chance};
  std::vector<std::string> charts = {
      BarChartSvg({"Action variability across latent resamples, per actuator and behaviour", "actuator",
                   "std of the action mean", 1100, 340},
                  actuators, action),
      BarChartSvg({absl::StrFormat("Behaviour decoded from variability (LDA, balanced accuracy; p = %.3g latent, "
                                   "%.3g action)", r.latent.p_value, r.action.p_value),
                   "features", "balanced accuracy", 1100, 320},
                  {"latent variability", "action variability"}, {{"LDA", accuracy, ""}, {"chance", chance, ""}})};
  if (outcome.neural) {
    // each measure relative to its largest behaviour, so the three share one axis
    auto relative = [](std::vector<double> v) {
      double top = 0;
      for (double x : v)
        if (std::isfinite(x)) top = std::max(top, x);
      for (double& x : v) x = top > 0 ? x / top : std::nan("");
      return v;
    };
    charts.push_back(BarChartSvg({"Variability per behaviour (each relative to its largest behaviour)", "behaviour",
                                  "relative variability", 1100, 340},
                                 outcome.compared_behaviours,
                                 {{"neurons: mean Fano factor over bouts", relative(outcome.neural_fano), "#444444"},
                                  {"policy: latent std", relative(outcome.latent_std), "#1f77b4"},
                                  {"policy: action std", relative(outcome.action_std), "#ff7f0e"}}));
    charts.push_back(ScatterSvg(
        {absl::StrFormat("Neural against latent variability across behaviours: r = %.2f, one-sided permutation p = %.3g",
                         outcome.latent_vs_neural.r, outcome.latent_vs_neural.p),
         "mean latent std across resamples", "mean Fano factor of the neurons", 1100, 420},
        outcome.latent_std, outcome.neural_fano, outcome.compared_behaviours, false,
        {absl::StrFormat("action std against neural Fano: r = %.2f, p = %.3g", outcome.action_vs_neural.r,
                         outcome.action_vs_neural.p)}));
  }
  return StackSvg(charts, 1100);
}

}  // namespace

absl::StatusOr<VariabilityJobOutcome> RunVariabilityJob(const VariabilityJobInputs& inputs,
                                                        const std::function<void(const std::string&, double)>& progress) {
  progress("reading rollouts", 0);
  MIMIC_ASSIGN_OR_RETURN(VariabilityData data, ReadVariability(inputs.rollouts));
  progress("labelling behaviours", 0);
  absl::StatusOr<BehaviourLabels> labels =
      inputs.labels.empty() ? LabelFromKinematics(data.qpos, data.clip_of_row, data.dt)
                            : ReadLabelsForRollouts(inputs.labels, inputs.rollouts, static_cast<int>(data.qpos.rows()));
  if (!labels.ok()) return labels.status();
  progress("LDA and permutations", 0);
  VariabilityJobOutcome out;
  MIMIC_ASSIGN_OR_RETURN(out.result, AnalyzeVariability(data.action_std, data.latent_std, *labels, inputs.options));
  if (!inputs.counts.empty()) {
    progress("neural variability", 0);
    absl::StatusOr<NamedMatrix> counts = ReadMatrix(inputs.counts);
    if (!counts.ok()) return absl::Status(counts.status().code(), absl::StrCat("counts: ", counts.status().message()));
    if (counts->values.rows() != data.qpos.rows()) {
      return absl::InvalidArgumentError(absl::StrCat("the counts have ", counts->values.rows(), " bins; the rollouts have ",
                                                     data.qpos.rows(), " frames"));
    }
    MIMIC_ASSIGN_OR_RETURN(out.neural_result, BoutVariability(counts->values, *labels, data.clip_of_row, inputs.neural));
    out.neural = true;
    // behaviours both analyses kept, with a defined neural mean
    for (size_t b = 0; b < out.result.behaviours.size(); ++b) {
      const auto& n = out.neural_result;
      const auto it = std::find(n.behaviours.begin(), n.behaviours.end(), out.result.behaviours[b]);
      if (it == n.behaviours.end() || !std::isfinite(n.mean_fano[it - n.behaviours.begin()])) continue;
      out.compared_behaviours.push_back(out.result.behaviours[b]);
      out.neural_fano.push_back(n.mean_fano[it - n.behaviours.begin()]);
      out.latent_std.push_back(out.result.latent_by_behaviour.row(b).mean());
      out.action_std.push_back(out.result.action_by_behaviour.row(b).mean());
    }
    out.latent_vs_neural = CorrelationPermutationGreater(out.latent_std, out.neural_fano, inputs.options.permutations * 10,
                                                         inputs.options.seed);
    out.action_vs_neural = CorrelationPermutationGreater(out.action_std, out.neural_fano, inputs.options.permutations * 10,
                                                         inputs.options.seed + 1);
  }
  out.frames = static_cast<int>(data.qpos.rows());
  out.samples = data.samples;
  out.kinematic_labels = inputs.labels.empty();
  const VariabilityResult& r = out.result;
  out.json = absl::StrFormat("{\"frames\":%d,\"samples\":%d,\"labels\":\"%s\",\"behaviours\":[", out.frames,
                             out.samples, out.kinematic_labels ? "kinematic" : "file");
  for (size_t b = 0; b < r.behaviours.size(); ++b) {
    absl::StrAppendFormat(&out.json, "%s{\"name\":\"%s\",\"frames\":%d,\"mean_action_std\":%.6g,\"mean_latent_std\":%.6g}",
                          b ? "," : "", r.behaviours[b], r.frames[b], r.action_by_behaviour.row(b).mean(),
                          r.latent_by_behaviour.row(b).mean());
  }
  absl::StrAppendFormat(&out.json,
                        "],\"latent_lda\":{\"balanced_accuracy\":%.4f,\"chance\":%.4f,\"p\":%.4g},"
                        "\"action_lda\":{\"balanced_accuracy\":%.4f,\"chance\":%.4f,\"p\":%.4g},"
                        "\"rdm_correlation\":%s}",
                        r.latent.balanced_accuracy, r.latent.chance, r.latent.p_value, r.action.balanced_accuracy,
                        r.action.chance, r.action.p_value,
                        std::isnan(r.rdm_correlation) ? "null" : absl::StrFormat("%.4f", r.rdm_correlation));
  if (out.neural) {
    out.json.pop_back();  // reopen the object
    out.json += ",\"neural\":{\"behaviours\":[";
    for (size_t b = 0; b < out.compared_behaviours.size(); ++b) {
      absl::StrAppendFormat(&out.json, "%s{\"name\":\"%s\",\"mean_fano\":%.4f,\"mean_latent_std\":%.6g,\"mean_action_std\":%.6g}",
                            b ? "," : "", out.compared_behaviours[b], out.neural_fano[b], out.latent_std[b],
                            out.action_std[b]);
    }
    auto number = [](double v) { return std::isfinite(v) ? absl::StrFormat("%.4f", v) : std::string("null"); };
    absl::StrAppendFormat(&out.json,
                          "],\"latent_vs_neural\":{\"r\":%s,\"p\":%.4g,\"exact\":%s},"
                          "\"action_vs_neural\":{\"r\":%s,\"p\":%.4g,\"exact\":%s}}}",
                          number(out.latent_vs_neural.r), out.latent_vs_neural.p, out.latent_vs_neural.exact ? "true" : "false",
                          number(out.action_vs_neural.r), out.action_vs_neural.p, out.action_vs_neural.exact ? "true" : "false");
  }
  if (!inputs.out.empty()) {
    progress("writing results", 1);
    MIMIC_RETURN_IF_ERROR(WriteResults(inputs.out, out, inputs.neural));
    std::filesystem::path figure(inputs.out);
    figure.replace_extension(".svg");
    out.figure = figure.string();
    MIMIC_RETURN_IF_ERROR(WriteFileAtomically(out.figure, Figure(out)));
  }
  return out;
}

}  // namespace mimic::analysis
