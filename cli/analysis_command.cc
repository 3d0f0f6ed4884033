// `mimic analysis glm`: Poisson GLMs of spike counts on a design matrix, on plain CSV/HDF5
// arrays: cross-validated log-likelihood ratio (bits/spike) and deviance pseudo-R2 per neuron,
// optionally over time lags.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/numbers.h"
#include "analysis/array_io.h"
#include "analysis/poisson_glm.h"
#include "analysis/rsa.h"
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

// `rdm`: condition means of samples grouped by labels -> one RDM (upper triangle) as a named CSV row.
int RunRdm(const Argv& argv) {
  auto args = Args::Parse(argv, {"data", "labels", "metric", "name", "out"}, {"json"});
  if (!args.ok()) return Fail("analysis rdm", args.status());
  if (!args->Has("data") || !args->Has("labels")) {
    return Fail("analysis rdm", absl::InvalidArgumentError("--data FILE and --labels FILE are required"));
  }
  auto data = analysis::ReadMatrix(args->GetString("data", ""));
  if (!data.ok()) return Fail("analysis rdm", data.status());
  auto labels_m = analysis::ReadMatrix(args->GetString("labels", ""));
  if (!labels_m.ok()) return Fail("analysis rdm", labels_m.status());
  if (labels_m->values.cols() != 1) return Fail("analysis rdm", absl::InvalidArgumentError("--labels needs one column"));
  std::vector<int> labels;
  int k = 0;
  for (Eigen::Index i = 0; i < labels_m->values.rows(); ++i) {
    const double v = labels_m->values(i, 0);
    if (v != std::floor(v) || v < 0) return Fail("analysis rdm", absl::InvalidArgumentError("labels must be integers >= 0"));
    labels.push_back(static_cast<int>(v));
    k = std::max(k, labels.back() + 1);
  }
  const std::string metric_name = args->GetString("metric", "correlation");
  if (metric_name != "correlation" && metric_name != "euclidean") {
    return Fail("analysis rdm", absl::InvalidArgumentError("--metric is correlation or euclidean"));
  }
  auto means = analysis::ConditionMeans(data->values, labels, k);
  if (!means.ok()) return Fail("analysis rdm", means.status());
  auto rdm = analysis::ComputeRdm(*means, metric_name == "euclidean" ? analysis::RdmMetric::kEuclidean
                                                                     : analysis::RdmMetric::kCorrelation);
  if (!rdm.ok()) return Fail("analysis rdm", rdm.status());
  const std::string name = args->GetString("name", "rdm");
  std::string row = name;
  for (Eigen::Index i = 0; i < rdm->size(); ++i) absl::StrAppendFormat(&row, ",%.10g", (*rdm)(i));
  const std::vector<int> order = analysis::ClusterOrder(*rdm);
  if (args->Has("json")) {
    std::printf("{\"name\":\"%s\",\"conditions\":%d,\"metric\":\"%s\",\"rdm\":[%s],\"cluster_order\":[%s]}\n",
                name.c_str(), k, metric_name.c_str(), row.substr(name.size() + 1).c_str(), absl::StrJoin(order, ",").c_str());
  } else {
    std::printf("%d conditions, %s distance; cluster order %s\n", k, metric_name.c_str(), absl::StrJoin(order, " ").c_str());
    for (int i = 0; i < k; ++i) {
      for (int j = 0; j < k; ++j) {
        const int a = std::min(i, j), b = std::max(i, j);
        const double v = a == b ? 0.0 : (*rdm)(a * k - a * (a + 1) / 2 + (b - a - 1));
        std::printf(" %7.3f", v);
      }
      std::printf("\n");
    }
  }
  if (args->Has("out")) {
    std::ofstream out(args->GetString("out", ""), std::ios::app);
    out << row << "\n";
    if (!out) return Fail("analysis rdm", absl::PermissionDeniedError("cannot write the output"));
  }
  return 0;
}

// `rsa`: pairwise WUC and correlation between named RDMs (CSV rows: name, upper triangle), and
// the leave-one-subject-out noise ceiling of the rows named by --subjects.
int RunRsa(const Argv& argv) {
  auto args = Args::Parse(argv, {"rdms", "subjects"}, {"json"});
  if (!args.ok()) return Fail("analysis rsa", args.status());
  if (!args->Has("rdms")) return Fail("analysis rsa", absl::InvalidArgumentError("--rdms FILE is required"));
  std::ifstream in(args->GetString("rdms", ""));
  if (!in) return Fail("analysis rsa", absl::NotFoundError(absl::StrCat("file not found: ", args->GetString("rdms", ""))));
  std::vector<std::string> names;
  std::vector<Eigen::VectorXd> rdms;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    std::vector<std::string> cells = absl::StrSplit(line, ',');
    Eigen::VectorXd v(static_cast<Eigen::Index>(cells.size()) - 1);
    for (size_t i = 1; i < cells.size(); ++i) {
      if (!absl::SimpleAtod(cells[i], &v(static_cast<Eigen::Index>(i) - 1)) || !std::isfinite(v(static_cast<Eigen::Index>(i) - 1))) {
        return Fail("analysis rsa", absl::InvalidArgumentError(absl::StrCat("line ", n, " value ", i, " is not a finite number")));
      }
    }
    if (!rdms.empty() && v.size() != rdms[0].size()) {
      return Fail("analysis rsa", absl::InvalidArgumentError(absl::StrCat("line ", n, " ('", cells[0], "') has ", v.size(),
                                                                          " distances, the first RDM ", rdms[0].size())));
    }
    names.push_back(cells[0]);
    rdms.push_back(v);
  }
  if (rdms.size() < 2) return Fail("analysis rsa", absl::InvalidArgumentError("need at least 2 RDMs"));
  std::string json = "{\"names\":[";
  for (size_t i = 0; i < names.size(); ++i) absl::StrAppend(&json, i ? "," : "", "\"", names[i], "\"");
  json += "],\"wuc\":[";
  std::string table = absl::StrFormat("%-14s", "WUC");
  for (const auto& n : names) absl::StrAppendFormat(&table, " %10s", n.substr(0, 10));
  table += "\n";
  for (size_t i = 0; i < rdms.size(); ++i) {
    absl::StrAppend(&json, i ? "," : "", "[");
    absl::StrAppendFormat(&table, "%-14s", names[i].substr(0, 14));
    for (size_t j = 0; j < rdms.size(); ++j) {
      auto w = analysis::WhitenedUnbiasedCosine(rdms[i], rdms[j]);
      if (!w.ok()) return Fail("analysis rsa", absl::Status(w.status().code(), absl::StrCat(names[i], " vs ", names[j], ": ", w.status().message())));
      absl::StrAppendFormat(&json, "%s%.6f", j ? "," : "", *w);
      absl::StrAppendFormat(&table, " %10.4f", *w);
    }
    json += "]";
    table += "\n";
  }
  json += "]";
  if (args->Has("subjects")) {
    std::vector<Eigen::VectorXd> subjects;
    for (const auto& s : absl::StrSplit(args->GetString("subjects", ""), ',')) {
      auto it = std::find(names.begin(), names.end(), std::string(s));
      if (it == names.end()) return Fail("analysis rsa", absl::InvalidArgumentError(absl::StrCat("no RDM named '", s, "'")));
      subjects.push_back(rdms[it - names.begin()]);
    }
    auto ceiling = analysis::WucNoiseCeiling(subjects);
    if (!ceiling.ok()) return Fail("analysis rsa", ceiling.status());
    absl::StrAppendFormat(&json, ",\"noise_ceiling\":{\"lower\":%.6f,\"upper\":%.6f}", ceiling->lower, ceiling->upper);
    absl::StrAppendFormat(&table, "noise ceiling (WUC): lower %.4f, upper %.4f\n", ceiling->lower, ceiling->upper);
  }
  json += "}";
  std::printf("%s\n", args->Has("json") ? json.c_str() : table.c_str());
  return 0;
}

}  // namespace

int RunAnalysis(const Argv& argv) {
  if (!argv.empty() && argv[0] == "glm") return RunGlm(Argv(argv.begin() + 1, argv.end()));
  if (!argv.empty() && argv[0] == "rdm") return RunRdm(Argv(argv.begin() + 1, argv.end()));
  if (!argv.empty() && argv[0] == "rsa") return RunRsa(Argv(argv.begin() + 1, argv.end()));
  return Fail("analysis", absl::InvalidArgumentError(
                              "usage: ./mimic analysis glm --design X.csv|X.h5[:/dataset] --counts Y.csv|Y.h5 "
                              "[--folds 5] [--ridge 1] [--lags FIRST:LAST[:STEP]] [--json] [--out results.csv]\n"
                              "       ./mimic analysis rdm --data X.csv --labels L.csv [--metric correlation|euclidean] "
                              "[--name N] [--out rdms.csv] [--json]\n"
                              "       ./mimic analysis rsa --rdms rdms.csv [--subjects a,b,c] [--json]"));
}

}  // namespace mimic::cli
