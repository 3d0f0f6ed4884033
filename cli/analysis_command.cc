// `mimic analysis glm`: Poisson GLMs of spike counts on a design matrix, on plain CSV/HDF5
// arrays: cross-validated log-likelihood ratio (bits/spike) and deviance pseudo-R2 per neuron,
// optionally over time lags.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/numbers.h"
#include "analysis/array_io.h"
#include "analysis/frame_times.h"
#include "analysis/spikes.h"
#include "analysis/poisson_glm.h"
#include "analysis/rsa.h"
#include "analysis/encoding.h"
#include "analysis/rollout_features.h"
#include "analysis/synthetic.h"
#include <filesystem>
#include "cli/commands.h"
#include "common/args.h"

namespace mimic::cli {
namespace {

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

// Feature classes from a rollouts file: --classes (default: all), each reduced by PCA to the
// --pca variance fraction when given.
absl::StatusOr<std::vector<analysis::FeatureClass>> ReadRolloutClasses(const Args& args) {
  std::vector<std::string> names = absl::StrSplit(args.GetString("classes", ""), ',', absl::SkipEmpty());
  auto features = analysis::ReadRolloutFeatures(args.GetString("rollouts", ""), names);
  if (!features.ok()) return features.status();
  if (args.Has("pca")) {
    auto fraction = args.GetDouble("pca", 1.0);
    if (!fraction.ok()) return fraction.status();
    if (!(*fraction > 0 && *fraction <= 1)) {
      return absl::InvalidArgumentError(absl::StrCat("--pca must be in (0, 1], got ", *fraction));
    }
    for (auto& c : features->classes) c.features = analysis::PcaReduce(c.features, *fraction);
  }
  return std::move(features->classes);
}

}  // namespace

// `mimic synth spikes`: a synthetic session with planted tuning, as CSV files a lab's pipeline
// (and `mimic analysis encoding`) can read: one feature file per class, counts, and the truth.
int RunSynth(const Argv& argv) {
  if (argv.empty() || argv[0] != "spikes") {
    return Fail("synth", absl::InvalidArgumentError("usage: ./mimic synth spikes --out DIR [--bins N] [--seed S]"));
  }
  auto args = Args::Parse(Argv(argv.begin() + 1, argv.end()),
                          {"out", "bins", "seed", "tuned", "untuned", "rollouts", "classes", "pca", "baseline"});
  if (!args.ok()) return Fail("synth", args.status());
  if (!args->Has("out")) return Fail("synth", absl::InvalidArgumentError("--out DIR is required"));
  analysis::SynthOptions options;
  options.bins = args->GetInt("bins", options.bins).value_or(options.bins);
  options.seed = static_cast<uint64_t>(args->GetInt("seed", 1).value_or(1));
  options.tuned_per_class = args->GetInt("tuned", options.tuned_per_class).value_or(options.tuned_per_class);
  options.untuned = args->GetInt("untuned", options.untuned).value_or(options.untuned);
  options.baseline = args->GetDouble("baseline", options.baseline).value_or(options.baseline);  // log rate per bin
  if (options.bins < 100 && !args->Has("rollouts")) return Fail("synth", absl::InvalidArgumentError("--bins must be >= 100"));
  const std::string dir = args->GetString("out", "");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  analysis::SynthSession s;
  if (args->Has("rollouts")) {
    // neurons planted on a rollouts file's own features (the demo's analysis input)
    auto classes = ReadRolloutClasses(*args);
    if (!classes.ok()) return Fail("synth", classes.status());
    if (classes->size() < 2) return Fail("synth", absl::InvalidArgumentError("--classes needs at least two classes"));
    options.bins = static_cast<int>(classes->front().features.rows());
    s = analysis::PlantNeurons(*std::move(classes), options);
  } else {
    s = analysis::MakeSyntheticSession(options);
  }
  auto write = [](const std::string& path, const Eigen::MatrixXd& m, const std::string& prefix) {
    std::ofstream out(path);
    for (Eigen::Index j = 0; j < m.cols(); ++j) out << (j ? "," : "") << prefix << j;
    out << "\n";
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
      for (Eigen::Index j = 0; j < m.cols(); ++j) out << (j ? "," : "") << m(i, j);
      out << "\n";
    }
    return out.good();
  };
  bool ok = write(dir + "/counts.csv", s.counts, "n");
  // layer names hold '/', which must not become directories
  auto file_name = [](std::string name) { return absl::StrReplaceAll(name, {{"/", "_"}}); };
  for (const auto& c : s.classes) ok = ok && write(dir + "/" + file_name(c.name) + ".csv", c.features, file_name(c.name) + "_");
  std::ofstream truth(dir + "/truth.csv");
  truth << "neuron,class,lag_bins\n";
  for (size_t n = 0; n < s.true_class.size(); ++n) {
    truth << "n" << n << "," << (s.true_class[n] >= 0 ? s.classes[s.true_class[n]].name : "none") << "," << s.true_lag[n] << "\n";
  }
  if (!ok || !truth) return Fail("synth", absl::PermissionDeniedError(absl::StrCat("cannot write to ", dir)));
  std::printf("wrote %d bins x %ld neurons (%d tuned per class, %d untuned) to %s: counts.csv, %s.csv, %s.csv, truth.csv\n",
              options.bins, static_cast<long>(s.counts.cols()), options.tuned_per_class, options.untuned, dir.c_str(),
              file_name(s.classes[0].name).c_str(), file_name(s.classes[1].name).c_str());
  return 0;
}

int RunVariabilityCommand(const Argv& argv);  // variability_command.cc
int RunGlm(const Argv& argv);                 // encoding_commands.cc
int RunBehaviourMapCommand(const Argv& argv);  // behaviour_map_command.cc
int RunEncodingCommand(const Argv& argv);     // encoding_commands.cc

// `bin-spikes`: spike times (NWB /units or unit,time CSV) counted per behaviour frame.
int RunBinSpikes(const Argv& argv) {
  auto args = Args::Parse(argv, {"spikes", "frame_times", "out", "location"}, {"drop_outside"});
  if (!args.ok()) return Fail("analysis bin-spikes", args.status());
  for (const char* required : {"spikes", "frame_times", "out"}) {
    if (!args->Has(required)) {
      return Fail("analysis bin-spikes", absl::InvalidArgumentError(absl::StrCat("--", required, " is required")));
    }
  }
  auto spikes = analysis::LoadSpikes(args->GetString("spikes", ""));
  if (!spikes.ok()) return Fail("analysis bin-spikes", spikes.status());
  if (args->Has("location")) {
    spikes = analysis::SelectLocation(*spikes, args->GetString("location", ""));
    if (!spikes.ok()) return Fail("analysis bin-spikes", spikes.status());
  }
  auto times = analysis::LoadFrameTimes(args->GetString("frame_times", ""));
  if (!times.ok()) return Fail("analysis bin-spikes", times.status());
  auto counts = analysis::BinSpikes(*spikes, *times, args->Has("drop_outside"));
  if (!counts.ok()) return Fail("analysis bin-spikes", counts.status());
  std::ofstream out(args->GetString("out", ""));
  for (size_t u = 0; u < spikes->unit_ids.size(); ++u) out << (u ? "," : "") << "unit_" << spikes->unit_ids[u];
  out << "\n";
  for (Eigen::Index f = 0; f < counts->rows(); ++f) {
    for (Eigen::Index u = 0; u < counts->cols(); ++u) out << (u ? "," : "") << (*counts)(f, u);
    out << "\n";
  }
  if (!out.good()) return Fail("analysis bin-spikes", absl::PermissionDeniedError("cannot write " + args->GetString("out", "")));
  std::printf("binned %zu units onto %zu frames (%.3f - %.3f s) into %s\n", spikes->unit_ids.size(), times->size(),
              times->front(), times->back(), args->GetString("out", "").c_str());
  return 0;
}

int RunAnalysis(const Argv& argv) {
  if (!argv.empty() && argv[0] == "variability") return RunVariabilityCommand(Argv(argv.begin() + 1, argv.end()));
  if (!argv.empty() && argv[0] == "behaviour-map") return RunBehaviourMapCommand(Argv(argv.begin() + 1, argv.end()));
  if (!argv.empty() && argv[0] == "bin-spikes") return RunBinSpikes(Argv(argv.begin() + 1, argv.end()));
  if (!argv.empty() && argv[0] == "encoding") return RunEncodingCommand(Argv(argv.begin() + 1, argv.end()));
  if (!argv.empty() && argv[0] == "glm") return RunGlm(Argv(argv.begin() + 1, argv.end()));
  if (!argv.empty() && argv[0] == "rdm") return RunRdm(Argv(argv.begin() + 1, argv.end()));
  if (!argv.empty() && argv[0] == "rsa") return RunRsa(Argv(argv.begin() + 1, argv.end()));
  return Fail("analysis", absl::InvalidArgumentError(
                              "usage: ./mimic analysis glm --design X.csv|X.h5[:/dataset] --counts Y.csv|Y.h5 "
                              "[--folds 5] [--ridge R (default: chosen by nested CV)] [--ridge_grid 0.1,1,10,100,1000] "
                              "[--inner_folds 3] [--lags FIRST:LAST[:STEP] bins, default 0] [--json] "
                              "[--out coefficients.csv | results.h5]\n"
                              "       ./mimic analysis rdm --data X.csv --labels L.csv [--metric correlation|euclidean] "
                              "[--name N] [--out rdms.csv] [--json]\n"
                              "       ./mimic analysis rsa --rdms rdms.csv [--subjects a,b,c] [--json]\n"
                              "       ./mimic analysis encoding --counts Y.csv and --features NAME=FILE,... | --rollouts R.h5 "
                              "| --clips C.h5 [--classes joint_angles,latent/mean,clips/joint_torques,...] [--pca F] "
                              "[--lags A:B[:S] bins, default 0] [--folds 10] [--ridge R | --ridge_grid ...] [--inner_folds 3] "
                              "[--fdr 0.05] [--clip_smoothing 1 frame] [--inverse_dynamics_contacts] [--out results.h5] "
                              "[--coefficients_csv F] [--json]\n"
                              "       ./mimic analysis variability --rollouts R.h5 [--labels L.csv|map.h5[:clusters]] [--counts Y.csv "
                              "--window_frames 10 --min_bouts 3] [--permutations 200] "
                              "[--out results.h5] [--json]\n"
                              "       ./mimic analysis behaviour-map --clips C.h5 --out map.h5 [--training_frames 5000] "
                              "[--perplexity 50] [--iterations 1000] [--frequencies 25] [--min_frequency 1 Hz] "
                              "[--components 20] [--bandwidth 0.05 of the map] [--min_peak 0.05 of the peak] [--grid 128] "
                              "[--seed 1] [--json]\n"
                              "       ./mimic analysis bin-spikes --spikes units.nwb|spikes.csv --frame_times "
                              "nwb:F.nwb:/series|csv:F|rollouts:R.h5 --out counts.csv [--location REGION] [--drop_outside]"));
}

}  // namespace mimic::cli
