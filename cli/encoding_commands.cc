// `mimic analysis glm` and `mimic analysis encoding`: Poisson GLMs of spike counts on feature
// classes (plain arrays, a rollouts file's layers and simulated kinematics, a clips file's real-rat
// kinematics and inverse dynamics), through the same job the analysis service runs
// (analysis/encoding_job): best lag, CV-LLR, significance, and coefficients with standard errors.
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "analysis/encoding_job.h"
#include "analysis/glm_report.h"
#include "cli/commands.h"
#include "cli/env_setup.h"

namespace mimic::cli {
namespace {

// Parses FIRST:LAST[:STEP] (bins) into a list of lags.
absl::StatusOr<std::vector<int>> ParseLags(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  int a, b, s = 1;
  if (parts.size() < 2 || !absl::SimpleAtoi(parts[0], &a) || !absl::SimpleAtoi(parts[1], &b) ||
      (parts.size() > 2 && !absl::SimpleAtoi(parts[2], &s)) || s <= 0 || b < a) {
    return absl::InvalidArgumentError("lags take FIRST:LAST[:STEP] in bins, FIRST <= LAST");
  }
  std::vector<int> lags;
  for (int l = a; l <= b; l += s) lags.push_back(l);
  return lags;
}

// The GLM options both commands share: folds, lags, ridge (given, or chosen by nested CV), fdr.
absl::Status ParseGlmOptions(const Args& args, int default_folds, analysis::EncodingOptions* options) {
  auto folds = args.GetInt("folds", default_folds);
  auto inner = args.GetInt("inner_folds", options->inner_folds);
  auto fdr = args.GetDouble("fdr", options->fdr);
  for (const absl::Status& s : {folds.status(), inner.status(), fdr.status()}) {
    if (!s.ok()) return s;
  }
  options->folds = *folds;
  options->inner_folds = *inner;
  options->fdr = *fdr;
  if (args.Has("ridge")) {
    auto ridge = args.GetDouble("ridge", 1.0);
    if (!ridge.ok()) return ridge.status();
    if (!(*ridge >= 0)) return absl::InvalidArgumentError("--ridge must be >= 0");
    options->select_ridge = false;
    options->glm.ridge = *ridge;
  }
  if (args.Has("ridge_grid")) {
    options->ridge_grid.clear();
    for (const auto& item : absl::StrSplit(args.GetString("ridge_grid", ""), ',', absl::SkipEmpty())) {
      double v = 0;
      if (!absl::SimpleAtod(item, &v) || !(v >= 0)) {
        return absl::InvalidArgumentError(absl::StrCat("--ridge_grid: '", item, "' is not a penalty >= 0"));
      }
      options->ridge_grid.push_back(v);
    }
  }
  if (args.Has("lags")) {
    auto lags = ParseLags(args.GetString("lags", ""));
    if (!lags.ok()) return lags.status();
    options->lags = *lags;
  }
  return absl::OkStatus();
}

}  // namespace

int RunGlm(const Argv& argv) {
  auto args = Args::Parse(argv, {"design", "counts", "folds", "ridge", "ridge_grid", "inner_folds", "lags", "out"}, {"json"});
  if (!args.ok()) return Fail("analysis glm", args.status());
  if (!args->Has("design") || !args->Has("counts")) {
    return Fail("analysis glm", absl::InvalidArgumentError("--design FILE and --counts FILE are required"));
  }
  analysis::EncodingJobInputs inputs;
  inputs.features["design"] = args->GetString("design", "");
  inputs.counts = args->GetString("counts", "");
  if (absl::Status s = ParseGlmOptions(*args, 5, &inputs.options); !s.ok()) return Fail("analysis glm", s);
  const std::string out = args->GetString("out", "");
  if (absl::EndsWith(out, ".h5")) inputs.out = out;  // results file and figure; else a CSV below
  auto outcome = analysis::RunEncodingJob(inputs, [](const std::string&, double) {}, [] { return false; });
  if (!outcome.ok()) return Fail("analysis glm", outcome.status());
  std::printf("%s\n", args->Has("json") ? analysis::GlmJson(*outcome, inputs.options).c_str()
                                        : analysis::GlmTable(*outcome).c_str());
  if (!out.empty() && inputs.out.empty()) {
    if (absl::Status s = analysis::WriteGlmCsv(out, *outcome); !s.ok()) return Fail("analysis glm", s);
  }
  return 0;
}

int RunEncodingCommand(const Argv& argv) {
  auto args = Args::Parse(argv,
                          {"features", "rollouts", "clips", "classes", "pca", "counts", "lags", "folds", "ridge",
                           "ridge_grid", "inner_folds", "fdr", "out", "clip_smoothing", "coefficients_csv"},
                          {"json", "inverse_dynamics_contacts"});
  if (!args.ok()) return Fail("analysis encoding", args.status());
  if ((!args->Has("features") && !args->Has("rollouts") && !args->Has("clips")) || !args->Has("counts")) {
    return Fail("analysis encoding",
                absl::InvalidArgumentError("--features NAME=FILE,... and/or --rollouts FILE / --clips FILE [--classes A,B], "
                                           "and --counts FILE are required"));
  }
  analysis::EncodingJobInputs inputs;
  inputs.rollouts = args->GetString("rollouts", "");
  inputs.clips = args->GetString("clips", "");
  inputs.classes = absl::StrSplit(args->GetString("classes", ""), ',', absl::SkipEmpty());
  inputs.counts = args->GetString("counts", "");
  inputs.out = args->GetString("out", "");
  for (const auto& item : absl::StrSplit(args->GetString("features", ""), ',', absl::SkipEmpty())) {
    std::vector<std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (kv.size() != 2) return Fail("analysis encoding", absl::InvalidArgumentError(absl::StrCat("'", item, "' is not NAME=FILE")));
    inputs.features[kv[0]] = kv[1];
  }
  auto pca = args->GetDouble("pca", 0);
  auto smoothing = args->GetDouble("clip_smoothing", inputs.clip_options.smoothing_sigma_frames);
  if (!pca.ok()) return Fail("analysis encoding", pca.status());
  if (!smoothing.ok()) return Fail("analysis encoding", smoothing.status());
  if (args->Has("pca") && !(*pca > 0 && *pca <= 1)) {
    return Fail("analysis encoding", absl::InvalidArgumentError(absl::StrCat("--pca must be in (0, 1], got ", *pca)));
  }
  inputs.pca_fraction = *pca;
  inputs.clip_options.smoothing_sigma_frames = *smoothing;
  inputs.clip_options.inverse_dynamics_contacts = args->Has("inverse_dynamics_contacts");
  if (absl::Status s = ParseGlmOptions(*args, 10, &inputs.options); !s.ok()) return Fail("analysis encoding", s);
  auto outcome = analysis::RunEncodingJob(inputs, [](const std::string&, double) {}, [] { return false; });
  if (!outcome.ok()) return Fail("analysis encoding", outcome.status());
  if (args->Has("coefficients_csv")) {
    if (absl::Status s = analysis::WriteGlmCsv(args->GetString("coefficients_csv", ""), *outcome); !s.ok()) {
      return Fail("analysis encoding", s);
    }
  }
  if (!outcome->figure.empty()) std::fprintf(stderr, "wrote %s and %s\n", inputs.out.c_str(), outcome->figure.c_str());
  if (args->Has("json")) {
    std::printf("{\"summary\":%s,\"glm\":%s}\n", outcome->json.c_str(), analysis::GlmJson(*outcome, inputs.options).c_str());
    return 0;
  }
  std::string table = absl::StrFormat("%-12s %-22s", "neuron", "best class");
  for (const auto& name : outcome->class_names) absl::StrAppendFormat(&table, " %16s", name.substr(0, 16));
  table += "\n";
  for (size_t n = 0; n < outcome->result.size(); ++n) {
    const auto& e = outcome->result[n];
    absl::StrAppendFormat(&table, "%-12s %-22s", outcome->neuron_names[n].substr(0, 12),
                          e.best_class >= 0 ? outcome->class_names[e.best_class].substr(0, 22) : "none");
    for (const auto& r : e.classes) {
      absl::StrAppendFormat(&table, " %10.4f@%-4d%s", r.score.cv_llr_bits_per_spike, r.best_lag, r.significant ? "*" : " ");
    }
    table += "\n";
  }
  std::printf("%s(CV-LLR bits/spike @ best lag in bins; * significant)\n", table.c_str());
  for (size_t c = 0; c < outcome->class_names.size(); ++c) {
    std::printf("  %-22s %s\n", outcome->class_names[c].c_str(), outcome->class_sources[c].c_str());
  }
  if (outcome->compared) {
    std::printf("computational vs representational (%s): mean best CV-LLR %.4f vs %.4f, p = %.3g\n",
                outcome->real_representational ? "real rat" : "kinematic classes by name", outcome->mean_computational_llr,
                outcome->mean_representational_llr, outcome->comparison_p);
  }
  return 0;
}

}  // namespace mimic::cli
