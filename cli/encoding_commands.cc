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
#include "common/args.h"

namespace mimic::cli {
namespace {

// The GLM flags both commands share.
std::vector<FlagSpec> GlmFlags(int default_folds) {
  const analysis::EncodingOptions defaults;
  return {
      {"counts", FlagType::kString, "", "FILE", "spike counts (bins x neurons), CSV or HDF5, aligned with the features", true},
      {"lags", FlagType::kString, "0:0", "FIRST:LAST[:STEP] bins", "time lags (negative: features after the spikes)"},
      {"folds", FlagType::kInt, std::to_string(default_folds), "folds", "blocked cross-validation folds"},
      {"ridge", FlagType::kDouble, "", "penalty", "fixed ridge on the z-scored weights (default: chosen by nested CV)"},
      {"ridge_grid", FlagType::kString, "0.1,1,10,100,1000", "penalties", "candidates for the nested CV"},
      {"inner_folds", FlagType::kInt, std::to_string(defaults.inner_folds), "folds", "inner folds of the nested CV"},
      {"json", FlagType::kBool, "", "", "print every neuron, class and lag as JSON"},
  };
}

// Parses FIRST:LAST[:STEP] (bins) into a list of lags.
absl::StatusOr<std::vector<int>> ParseLags(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  int a, b, s = 1;
  if (parts.size() < 2 || !absl::SimpleAtoi(parts[0], &a) || !absl::SimpleAtoi(parts[1], &b) ||
      (parts.size() > 2 && !absl::SimpleAtoi(parts[2], &s)) || s <= 0 || b < a) {
    return absl::InvalidArgumentError("--lags takes FIRST:LAST[:STEP] in bins, FIRST <= LAST");
  }
  std::vector<int> lags;
  for (int l = a; l <= b; l += s) lags.push_back(l);
  return lags;
}

absl::Status ReadGlmOptions(const Args& args, analysis::EncodingOptions* options) {
  options->folds = args.Int("folds");
  options->inner_folds = args.Int("inner_folds");
  if (args.Has("ridge")) {
    if (!(args.Double("ridge") >= 0)) return absl::InvalidArgumentError("--ridge must be >= 0");
    options->select_ridge = false;
    options->glm.ridge = args.Double("ridge");
  }
  options->ridge_grid.clear();
  for (const auto& item : absl::StrSplit(args.String("ridge_grid"), ',', absl::SkipEmpty())) {
    double v = 0;
    if (!absl::SimpleAtod(item, &v) || !(v >= 0)) {
      return absl::InvalidArgumentError(absl::StrCat("--ridge_grid: '", item, "' is not a penalty >= 0"));
    }
    options->ridge_grid.push_back(v);
  }
  absl::StatusOr<std::vector<int>> lags = ParseLags(args.String("lags"));
  if (!lags.ok()) return lags.status();
  options->lags = *lags;
  return absl::OkStatus();
}

const CommandSpec& GlmSpec() {
  static const auto* spec = [] {
    std::vector<FlagSpec> flags = {
        {"design", FlagType::kString, "", "FILE", "features (bins x columns), CSV with a header or HDF5[:/dataset]", true}};
    for (FlagSpec& f : GlmFlags(5)) flags.push_back(f);
    flags.push_back({"out", FlagType::kString, "", "FILE",
                     ".csv: every coefficient with its standard error; .h5: the encoding results and figure"});
    return new CommandSpec{
        "analysis glm",
        "Poisson GLMs of each neuron's counts on a design matrix: CV log-likelihood ratio (bits/spike), pseudo-R2, "
        "and coefficients with standard errors (z-scored features; ridge chosen by nested CV unless given)",
        flags,
        {"./mimic analysis glm --design runs/synth/joint_angles.csv --counts runs/synth/counts.csv --lags -10:5:5 --out runs/coefficients.csv"},
    };
  }();
  return *spec;
}

const CommandSpec& EncodingSpec() {
  static const auto* spec = [] {
    const analysis::ClipFeatureOptions clip_defaults;
    std::vector<FlagSpec> flags = {
        {"features", FlagType::kString, "", "NAME=FILE,...", "feature classes from plain arrays"},
        {"rollouts", FlagType::kString, "", "FILE", "a rollouts file: network layers and the simulated body"},
        {"clips", FlagType::kString, "", "FILE", "the clips the policy imitated: the real rat's clips/... classes"},
        {"classes", FlagType::kString, "", "A,B,...",
         "classes of the rollouts and clips, e.g. latent/mean,clips/joint_torques (default: all)"},
        {"pca", FlagType::kDouble, "0", "variance fraction", "reduce each class to this much variance (0 = off)"},
        {"fdr", FlagType::kDouble, "0.05", "rate", "Benjamini-Hochberg false discovery rate"},
        {"clip_smoothing", FlagType::kDouble, absl::StrCat(clip_defaults.smoothing_sigma_frames), "frames",
         "Gaussian std on the velocities before accelerations and torques"},
        {"inverse_dynamics_contacts", FlagType::kBool, "", "", "keep floor contacts in the inverse dynamics"},
        {"out", FlagType::kString, "", "FILE", "results HDF5, with the Fig. 3 SVG beside it"},
        {"coefficients_csv", FlagType::kString, "", "FILE", "every coefficient with its standard error"},
    };
    for (FlagSpec& f : GlmFlags(10)) flags.push_back(f);
    return new CommandSpec{
        "analysis encoding",
        "per neuron and feature class: the best lag, CV-LLR, significance (Wilcoxon, Benjamini-Hochberg), the best "
        "class, coefficients, and the network against the real rat's movement",
        flags,
        {"./mimic analysis encoding --rollouts runs/demo/rollouts.h5 --clips runs/demo/clips.h5 "
         "--classes latent/mean,clips/joint_angles,clips/joint_torques --counts runs/demo/synth/counts.csv "
         "--lags -10:5:5 --out runs/encoding.h5"},
    };
  }();
  return *spec;
}

}  // namespace

const CommandSpec& GlmCommandSpec() { return GlmSpec(); }
const CommandSpec& EncodingCommandSpec() { return EncodingSpec(); }

int RunGlm(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(GlmSpec(), argv, &exit_code);
  if (!args) return exit_code;
  analysis::EncodingJobInputs inputs;
  inputs.features["design"] = args->String("design");
  inputs.counts = args->String("counts");
  if (absl::Status s = ReadGlmOptions(*args, &inputs.options); !s.ok()) return Fail("analysis glm", s);
  const std::string out = args->String("out");
  if (absl::EndsWith(out, ".h5")) inputs.out = out;  // the results file and figure; else a CSV below
  auto outcome = analysis::RunEncodingJob(inputs, [](const std::string&, double) {}, [] { return false; });
  if (!outcome.ok()) return Fail("analysis glm", outcome.status());
  std::printf("%s\n", args->Bool("json") ? analysis::GlmJson(*outcome, inputs.options).c_str()
                                         : analysis::GlmTable(*outcome).c_str());
  if (!out.empty() && inputs.out.empty()) {
    if (absl::Status s = analysis::WriteGlmCsv(out, *outcome); !s.ok()) return Fail("analysis glm", s);
  }
  return 0;
}

int RunEncodingCommand(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(EncodingSpec(), argv, &exit_code);
  if (!args) return exit_code;
  if (!args->Has("features") && !args->Has("rollouts") && !args->Has("clips")) {
    return Fail("analysis encoding", absl::InvalidArgumentError("give --features NAME=FILE,..., --rollouts FILE or --clips FILE"));
  }
  analysis::EncodingJobInputs inputs;
  inputs.rollouts = args->String("rollouts");
  inputs.clips = args->String("clips");
  inputs.classes = absl::StrSplit(args->String("classes"), ',', absl::SkipEmpty());
  inputs.counts = args->String("counts");
  inputs.out = args->String("out");
  for (const auto& item : absl::StrSplit(args->String("features"), ',', absl::SkipEmpty())) {
    std::vector<std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (kv.size() != 2) return Fail("analysis encoding", absl::InvalidArgumentError(absl::StrCat("'", item, "' is not NAME=FILE")));
    inputs.features[kv[0]] = kv[1];
  }
  const double pca = args->Double("pca");
  if (!(pca >= 0 && pca <= 1)) return Fail("analysis encoding", absl::InvalidArgumentError("--pca must be in [0, 1]"));
  inputs.pca_fraction = pca;
  inputs.options.fdr = args->Double("fdr");
  inputs.clip_options.smoothing_sigma_frames = args->Double("clip_smoothing");
  inputs.clip_options.inverse_dynamics_contacts = args->Bool("inverse_dynamics_contacts");
  if (absl::Status s = ReadGlmOptions(*args, &inputs.options); !s.ok()) return Fail("analysis encoding", s);
  auto outcome = analysis::RunEncodingJob(inputs, [](const std::string&, double) {}, [] { return false; });
  if (!outcome.ok()) return Fail("analysis encoding", outcome.status());
  if (args->Has("coefficients_csv")) {
    if (absl::Status s = analysis::WriteGlmCsv(args->String("coefficients_csv"), *outcome); !s.ok()) {
      return Fail("analysis encoding", s);
    }
  }
  if (!outcome->figure.empty()) std::fprintf(stderr, "wrote %s and %s\n", inputs.out.c_str(), outcome->figure.c_str());
  if (args->Bool("json")) {
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
