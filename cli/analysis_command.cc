// `mimic analysis glm`: Poisson GLMs of spike counts on a design matrix, on plain CSV/HDF5
// arrays: cross-validated log-likelihood ratio (bits/spike) and deviance pseudo-R2 per neuron,
// optionally over time lags.
#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "analysis/array_io.h"
#include "analysis/poisson_glm.h"
#include "cli/commands.h"
#include "cli/env_setup.h"

namespace mimic::cli {
namespace {

struct NeuronResult {
  std::string name;
  int best_lag = 0;
  analysis::CvScore score;
};

int RunGlm(const Argv& argv) {
  auto args = Args::Parse(argv, {"design", "counts", "folds", "ridge", "lags", "out"}, {"json"});
  if (!args.ok()) return Fail("analysis glm", args.status());
  if (!args->Has("design") || !args->Has("counts")) {
    return Fail("analysis glm", absl::InvalidArgumentError("--design FILE and --counts FILE are required"));
  }
  auto design = analysis::ReadMatrix(args->GetString("design", ""));
  if (!design.ok()) return Fail("analysis glm", design.status());
  auto counts = analysis::ReadMatrix(args->GetString("counts", ""));
  if (!counts.ok()) return Fail("analysis glm", counts.status());
  if (design->values.rows() != counts->values.rows()) {
    return Fail("analysis glm", absl::InvalidArgumentError(absl::StrCat("the design has ", design->values.rows(),
                                                                        " bins but the counts have ", counts->values.rows())));
  }
  const int folds = args->GetInt("folds", 5).value_or(5);
  analysis::GlmOptions options;
  options.ridge = args->GetDouble("ridge", 1.0).value_or(1.0);
  // lags as FIRST:LAST:STEP in bins (default 0 only)
  std::vector<int> lags = {0};
  if (args->Has("lags")) {
    std::vector<std::string> parts = absl::StrSplit(args->GetString("lags", ""), ':');
    int a, b, s = 1;
    if (parts.size() < 2 || !absl::SimpleAtoi(parts[0], &a) || !absl::SimpleAtoi(parts[1], &b) ||
        (parts.size() > 2 && !absl::SimpleAtoi(parts[2], &s)) || s <= 0 || b < a) {
      return Fail("analysis glm", absl::InvalidArgumentError("--lags takes FIRST:LAST[:STEP] in bins, FIRST <= LAST"));
    }
    lags.clear();
    for (int l = a; l <= b; l += s) lags.push_back(l);
  }
  std::vector<NeuronResult> results;
  for (Eigen::Index n = 0; n < counts->values.cols(); ++n) {
    NeuronResult r;
    r.name = n < static_cast<Eigen::Index>(counts->names.size()) ? counts->names[n] : absl::StrCat("neuron_", n);
    bool first = true;
    for (int lag : lags) {
      Eigen::MatrixXd x;
      Eigen::VectorXd y;
      analysis::ApplyLag(design->values, counts->values.col(n), lag, &x, &y);
      auto score = analysis::CrossValidate(x, y, folds, options);
      if (!score.ok()) return Fail("analysis glm", absl::Status(score.status().code(), absl::StrCat(r.name, ": ", score.status().message())));
      if (first || score->cv_llr_bits_per_spike > r.score.cv_llr_bits_per_spike) {
        r.score = *score;
        r.best_lag = lag;
        first = false;
      }
    }
    results.push_back(std::move(r));
  }
  std::string json = absl::StrFormat("{\"folds\":%d,\"ridge\":%g,\"neurons\":[", folds, options.ridge);
  for (size_t i = 0; i < results.size(); ++i) {
    absl::StrAppendFormat(&json, "%s{\"name\":\"%s\",\"best_lag\":%d,\"cv_llr_bits_per_spike\":%.6f,\"pseudo_r2\":%.6f}",
                          i ? "," : "", results[i].name, results[i].best_lag, results[i].score.cv_llr_bits_per_spike,
                          results[i].score.pseudo_r2);
  }
  json += "]}";
  if (args->Has("json")) {
    std::printf("%s\n", json.c_str());
  } else {
    std::printf("%-16s %8s %14s %10s\n", "neuron", "best lag", "CV-LLR bits/sp", "pseudo-R2");
    for (const auto& r : results) {
      std::printf("%-16s %8d %14.4f %10.4f\n", r.name.c_str(), r.best_lag, r.score.cv_llr_bits_per_spike, r.score.pseudo_r2);
    }
  }
  if (args->Has("out")) {
    std::ofstream out(args->GetString("out", ""));
    out << "neuron,best_lag,cv_llr_bits_per_spike,pseudo_r2\n";
    for (const auto& r : results) {
      out << r.name << "," << r.best_lag << "," << r.score.cv_llr_bits_per_spike << "," << r.score.pseudo_r2 << "\n";
    }
    if (!out) return Fail("analysis glm", absl::PermissionDeniedError(absl::StrCat("cannot write ", args->GetString("out", ""))));
  }
  return 0;
}

}  // namespace

int RunAnalysis(const Argv& argv) {
  if (!argv.empty() && argv[0] == "glm") return RunGlm(Argv(argv.begin() + 1, argv.end()));
  return Fail("analysis", absl::InvalidArgumentError(
                              "usage: ./mimic analysis glm --design X.csv|X.h5[:/dataset] --counts Y.csv|Y.h5 "
                              "[--folds 5] [--ridge 1] [--lags FIRST:LAST[:STEP]] [--json] [--out results.csv]"));
}

}  // namespace mimic::cli
