// `mimic analysis variability --rollouts F [--labels F.csv]`: the latent-variability analyses on a
// rollouts file recorded with latent resamples — per-behaviour action and latent variability, LDA
// discrimination of behaviours with a permutation test, RDMs of both — printed, and written as
// HDF5 plus an SVG figure with --out.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analysis/behaviour_labels.h"
#include "analysis/latent_variability.h"
#include "cli/commands.h"
#include "cli/env_setup.h"
#include "common/h5_file.h"
#include "common/status_macros.h"
#include "common/svg_chart.h"

namespace mimic::cli {
namespace {

absl::Status WriteResults(const std::string& path, const analysis::VariabilityResult& r) {
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
  for (const auto& [name, d] : {std::pair<std::string, analysis::Discrimination>{"latent_lda", r.latent},
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

std::string Figure(const analysis::VariabilityResult& r) {
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

int RunVariabilityCommand(const Argv& argv) {
  auto args = Args::Parse(argv, {"rollouts", "labels", "permutations", "folds", "min_frames", "seed", "out"}, {"json"});
  if (!args.ok()) return Fail("analysis variability", args.status());
  if (!args->Has("rollouts")) {
    return Fail("analysis variability", absl::InvalidArgumentError("--rollouts FILE (recorded with --latent_samples N) is required"));
  }
  auto data = analysis::ReadVariability(args->GetString("rollouts", ""));
  if (!data.ok()) return Fail("analysis variability", data.status());
  absl::StatusOr<analysis::BehaviourLabels> labels =
      args->Has("labels") ? analysis::ReadLabelFile(args->GetString("labels", ""), static_cast<int>(data->qpos.rows()))
                          : analysis::LabelFromKinematics(data->qpos, data->clip_of_row, data->dt);
  if (!labels.ok()) return Fail("analysis variability", labels.status());
  analysis::VariabilityOptions options;
  auto permutations = args->GetInt("permutations", options.permutations);
  auto folds = args->GetInt("folds", options.folds);
  auto min_frames = args->GetInt("min_frames", options.min_frames);
  auto seed = args->GetInt("seed", 1);
  for (const absl::Status& s : {permutations.status(), folds.status(), min_frames.status(), seed.status()}) {
    if (!s.ok()) return Fail("analysis variability", s);
  }
  options.permutations = *permutations;
  options.folds = *folds;
  options.min_frames = *min_frames;
  options.seed = static_cast<uint64_t>(*seed);
  auto result = analysis::AnalyzeVariability(data->action_std, data->latent_std, *labels, options);
  if (!result.ok()) return Fail("analysis variability", result.status());
  std::string json = absl::StrFormat("{\"frames\":%d,\"samples\":%d,\"labels\":\"%s\",\"behaviours\":[",
                                     static_cast<int>(data->qpos.rows()), data->samples,
                                     args->Has("labels") ? "file" : "kinematic");
  for (size_t b = 0; b < result->behaviours.size(); ++b) {
    absl::StrAppendFormat(&json, "%s{\"name\":\"%s\",\"frames\":%d,\"mean_action_std\":%.6g,\"mean_latent_std\":%.6g}",
                          b ? "," : "", result->behaviours[b], result->frames[b],
                          result->action_by_behaviour.row(b).mean(), result->latent_by_behaviour.row(b).mean());
  }
  absl::StrAppendFormat(&json,
                        "],\"latent_lda\":{\"balanced_accuracy\":%.4f,\"chance\":%.4f,\"p\":%.4g},"
                        "\"action_lda\":{\"balanced_accuracy\":%.4f,\"chance\":%.4f,\"p\":%.4g},"
                        "\"rdm_correlation\":%s}",
                        result->latent.balanced_accuracy, result->latent.chance, result->latent.p_value,
                        result->action.balanced_accuracy, result->action.chance, result->action.p_value,
                        std::isnan(result->rdm_correlation) ? "null" : absl::StrFormat("%.4f", result->rdm_correlation));
  if (args->Has("out")) {
    const std::string out = args->GetString("out", "");
    if (absl::Status s = WriteResults(out, *result); !s.ok()) return Fail("analysis variability", s);
    std::filesystem::path figure(out);
    figure.replace_extension(".svg");
    std::ofstream(figure) << Figure(*result);
    std::fprintf(stderr, "wrote %s and %s\n", out.c_str(), figure.c_str());
  }
  if (args->Has("json")) {
    std::printf("%s\n", json.c_str());
    return 0;
  }
  std::printf("%d frames, %d latent resamples each; behaviour labels from %s\n", static_cast<int>(data->qpos.rows()),
              data->samples, args->Has("labels") ? "the label file" : "kinematics (still/walk/rear/groom rules)");
  std::printf("  %-10s %8s %18s %18s\n", "behaviour", "frames", "mean action std", "mean latent std");
  for (size_t b = 0; b < result->behaviours.size(); ++b) {
    std::printf("  %-10s %8d %18.4g %18.4g\n", result->behaviours[b].c_str(), result->frames[b],
                result->action_by_behaviour.row(b).mean(), result->latent_by_behaviour.row(b).mean());
  }
  std::printf("behaviour decoded from latent variability: balanced accuracy %.3f (chance %.3f), permutation p = %.3g\n",
              result->latent.balanced_accuracy, result->latent.chance, result->latent.p_value);
  std::printf("behaviour decoded from action variability: balanced accuracy %.3f (chance %.3f), permutation p = %.3g\n",
              result->action.balanced_accuracy, result->action.chance, result->action.p_value);
  return 0;
}

}  // namespace mimic::cli
