#include "analysis/variability_job.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analysis/behaviour_labels.h"
#include "common/h5_file.h"
#include "common/status_macros.h"
#include "common/svg_chart.h"

namespace mimic::analysis {
namespace {

absl::Status WriteResults(const std::string& path, const VariabilityResult& r) {
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
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "format", std::string("mimic.variability")));
  return file->Finish();
}

std::string Figure(const VariabilityResult& r) {
  std::vector<Series> action, latent;
  for (size_t b = 0; b < r.behaviours.size(); ++b) {
    action.push_back({r.behaviours[b], std::vector<double>(r.action_by_behaviour.row(b).data(),
                                                           r.action_by_behaviour.row(b).data() +
                                                               r.action_by_behaviour.cols()), ""});
  }
  std::vector<std::string> actuators;
  for (Eigen::Index a = 0; a < r.action_by_behaviour.cols(); ++a) actuators.push_back(absl::StrCat(a));
  std::vector<double> accuracy = {r.latent.balanced_accuracy, r.action.balanced_accuracy};
  std::vector<double> chance = {r.latent.chance, r.action.chance};
  return StackSvg(
      {BarChartSvg({"Action variability across latent resamples, per actuator and behaviour", "actuator",
                    "std of the action mean", 1100, 340},
                   actuators, action),
       BarChartSvg({absl::StrFormat("Behaviour decoded from variability (LDA, balanced accuracy; p = %.3g latent, "
                                    "%.3g action)", r.latent.p_value, r.action.p_value),
                    "features", "balanced accuracy", 1100, 320},
                   {"latent variability", "action variability"}, {{"LDA", accuracy, ""}, {"chance", chance, ""}})},
      1100);
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
  if (!inputs.out.empty()) {
    progress("writing results", 1);
    MIMIC_RETURN_IF_ERROR(WriteResults(inputs.out, r));
    std::filesystem::path figure(inputs.out);
    figure.replace_extension(".svg");
    out.figure = figure.string();
    std::ofstream(out.figure) << Figure(r);
  }
  return out;
}

}  // namespace mimic::analysis
