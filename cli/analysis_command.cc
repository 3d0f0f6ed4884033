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
const CommandSpec& RdmSpec() {
  static const auto* spec = new CommandSpec{
      "analysis rdm",
      "condition means of samples grouped by labels -> one representational dissimilarity matrix, appended to a "
      "CSV of named RDMs (name, upper triangle)",
      {
          {"data", FlagType::kString, "", "FILE", "samples x features (CSV with a header, or HDF5[:/dataset])", true},
          {"labels", FlagType::kString, "", "FILE", "one integer condition >= 0 per sample (one column)", true},
          {"metric", FlagType::kString, "correlation", "correlation|euclidean", "distance between condition means"},
          {"name", FlagType::kString, "rdm", "NAME", "the RDM's name in the CSV row"},
          {"out", FlagType::kString, "", "FILE", "append the RDM as a row of this CSV"},
          {"json", FlagType::kBool, "", "", "print the RDM and its cluster order as JSON"},
      },
      {"./mimic analysis rdm --data runs/synth/counts.csv --labels runs/synth/conditions.csv --name neurons --out runs/rdms.csv",
       "./mimic analysis rdm --data runs/synth/joint_angles.csv --labels runs/synth/conditions.csv --name joint_angles --out runs/rdms.csv"},
  };
  return *spec;
}

int RunRdm(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(RdmSpec(), argv, &exit_code);
  if (!args) return exit_code;
  auto data = analysis::ReadMatrix(args->String("data"));
  if (!data.ok()) return Fail("analysis rdm", data.status());
  auto labels_m = analysis::ReadMatrix(args->String("labels"));
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
  const std::string metric_name = args->String("metric");
  if (metric_name != "correlation" && metric_name != "euclidean") {
    return Fail("analysis rdm", absl::InvalidArgumentError("--metric is correlation or euclidean"));
  }
  auto means = analysis::ConditionMeans(data->values, labels, k);
  if (!means.ok()) return Fail("analysis rdm", means.status());
  auto rdm = analysis::ComputeRdm(*means, metric_name == "euclidean" ? analysis::RdmMetric::kEuclidean
                                                                     : analysis::RdmMetric::kCorrelation);
  if (!rdm.ok()) return Fail("analysis rdm", rdm.status());
  const std::string name = args->String("name");
  std::string row = name;
  for (Eigen::Index i = 0; i < rdm->size(); ++i) absl::StrAppendFormat(&row, ",%.10g", (*rdm)(i));
  const std::vector<int> order = analysis::ClusterOrder(*rdm);
  if (args->Bool("json")) {
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
    std::ofstream out(args->String("out"), std::ios::app);
    out << row << "\n";
    if (!out) return Fail("analysis rdm", absl::PermissionDeniedError("cannot write the output"));
  }
  return 0;
}

// `rsa`: pairwise WUC and correlation between named RDMs (CSV rows: name, upper triangle), and
// the leave-one-subject-out noise ceiling of the rows named by --subjects.
const CommandSpec& RsaSpec() {
  static const auto* spec = new CommandSpec{
      "analysis rsa",
      "whitened unbiased cosine (WUC) between named RDMs, and the leave-one-subject-out noise ceiling of the "
      "subjects' RDMs",
      {
          {"rdms", FlagType::kString, "", "FILE", "CSV rows: name, upper triangle (as analysis rdm --out writes)", true},
          {"subjects", FlagType::kString, "", "A,B,...", "the rows that are subjects' neural RDMs: their noise ceiling"},
          {"json", FlagType::kBool, "", "", "print the WUC matrix (and ceiling) as JSON"},
      },
      {"./mimic analysis rsa --rdms runs/rdms.csv --json"},
  };
  return *spec;
}

int RunRsa(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(RsaSpec(), argv, &exit_code);
  if (!args) return exit_code;
  std::ifstream in(args->String("rdms"));
  if (!in) return Fail("analysis rsa", absl::NotFoundError(absl::StrCat("file not found: ", args->String("rdms"))));
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
    for (const auto& s : absl::StrSplit(args->String("subjects"), ',')) {
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
  std::printf("%s\n", args->Bool("json") ? json.c_str() : table.c_str());
  return 0;
}

// Feature classes from a rollouts file: --classes (default: all), each reduced by PCA to the
// --pca variance fraction when given.
absl::StatusOr<std::vector<analysis::FeatureClass>> ReadRolloutClasses(const Args& args) {
  std::vector<std::string> names = absl::StrSplit(args.String("classes"), ',', absl::SkipEmpty());
  auto features = analysis::ReadRolloutFeatures(args.String("rollouts"), names);
  if (!features.ok()) return features.status();
  if (args.Has("pca")) {
    const double fraction = args.Double("pca");
    if (!(fraction > 0 && fraction <= 1)) {
      return absl::InvalidArgumentError(absl::StrCat("--pca must be in (0, 1], got ", fraction));
    }
    for (auto& c : features->classes) c.features = analysis::PcaReduce(c.features, fraction);
  }
  return std::move(features->classes);
}

const CommandSpec& SynthSpec() {
  static const auto* spec = [] {
    const analysis::SynthOptions d;
    return new CommandSpec{
        "synth spikes",
        "write a synthetic session with planted tuning as CSV (one feature file per class, counts, truth), or "
        "neurons planted on a rollouts file's own features",
        {
            {"out", FlagType::kString, "", "DIR", "the folder to write", true},
            {"bins", FlagType::kInt, std::to_string(d.bins), "bins", "time bins (>= 100; with --rollouts: its frames)"},
            {"seed", FlagType::kInt, "1", "seed", "the session's seed"},
            {"tuned", FlagType::kInt, std::to_string(d.tuned_per_class), "neurons", "neurons tuned to each class"},
            {"untuned", FlagType::kInt, std::to_string(d.untuned), "neurons", "neurons tuned to nothing"},
            {"baseline", FlagType::kDouble, absl::StrCat(d.baseline), "log rate per bin", "the neurons' baseline"},
            {"rollouts", FlagType::kString, "", "FILE", "plant neurons on this rollouts file's features"},
            {"classes", FlagType::kString, "", "A,B,...", "the rollouts' classes to plant on (at least two)"},
            {"pca", FlagType::kDouble, "", "variance fraction", "reduce each class to this much variance first"},
        },
        {"./mimic synth spikes --out runs/synth --bins 2000"},
    };
  }();
  return *spec;
}

const CommandSpec& BinSpikesSpec() {
  static const auto* spec = new CommandSpec{
      "analysis bin-spikes",
      "spike times (NWB /units, HDF5 /spikes or unit,time CSV) counted per behaviour frame, as a counts CSV",
      {
          {"spikes", FlagType::kString, "", "FILE", "units.nwb, spikes.h5 or spikes.csv", true},
          {"frame_times", FlagType::kString, "", "SOURCE", "nwb:F.nwb:/series, csv:F, rollouts:R.h5 or clips:C.h5", true},
          {"out", FlagType::kString, "", "FILE", "the counts CSV (frames x units)", true},
          {"location", FlagType::kString, "", "REGION", "only the units recorded in this location"},
          {"drop_outside", FlagType::kBool, "", "", "drop spikes outside the frames instead of refusing them"},
      },
      {"./mimic analysis bin-spikes --spikes runs/synth/spikes.csv --frame_times csv:runs/synth/frame_times.csv --out runs/counts.csv"},
  };
  return *spec;
}

}  // namespace

// `mimic synth spikes`: a synthetic session with planted tuning, as CSV files a lab's pipeline
// (and `mimic analysis encoding`) can read: one feature file per class, counts, and the truth.
int RunSynth(const Argv& argv) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h") {
    std::printf("%s", HelpText(SynthSpec()).c_str());
    return argv.empty() ? 2 : 0;
  }
  if (argv[0] != "spikes") {
    std::fprintf(stderr, "mimic synth: unknown kind '%s' (the one kind is spikes; see ./mimic synth spikes --help)\n",
                 argv[0].c_str());
    return 2;
  }
  int exit_code;
  auto args = ParseCommandLine(SynthSpec(), Argv(argv.begin() + 1, argv.end()), &exit_code);
  if (!args) return exit_code;
  analysis::SynthOptions options;
  options.bins = args->Int("bins");
  options.seed = static_cast<uint64_t>(args->Int64("seed"));
  options.tuned_per_class = args->Int("tuned");
  options.untuned = args->Int("untuned");
  options.baseline = args->Double("baseline");  // log rate per bin
  if (options.bins < 100 && !args->Has("rollouts")) return Fail("synth", absl::InvalidArgumentError("--bins must be >= 100"));
  const std::string dir = args->String("out");
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
  // the same session as spike times at 50 frames/s (bin-spikes of spikes.csv onto frame_times.csv
  // gives counts.csv back), and 8 contiguous blocks of frames as conditions for analysis rdm
  constexpr double kFrameSeconds = 0.02;
  std::ofstream spikes(dir + "/spikes.csv"), frame_times(dir + "/frame_times.csv"), conditions(dir + "/conditions.csv");
  spikes << "unit,time\n";
  frame_times << "time\n";
  conditions << "condition\n";
  const Eigen::Index bins = s.counts.rows();
  for (Eigen::Index b = 0; b < bins; ++b) {
    frame_times << absl::StrFormat("%.6f\n", b * kFrameSeconds);
    conditions << (b * 8 / bins) << "\n";
    for (Eigen::Index n = 0; n < s.counts.cols(); ++n) {
      const int k = static_cast<int>(s.counts(b, n));
      for (int j = 0; j < k; ++j) spikes << n << "," << absl::StrFormat("%.6f", (b + (j + 0.5) / k) * kFrameSeconds) << "\n";
    }
  }
  ok = ok && spikes.good() && frame_times.good() && conditions.good();
  std::ofstream truth(dir + "/truth.csv");
  truth << "neuron,class,lag_bins\n";
  for (size_t n = 0; n < s.true_class.size(); ++n) {
    truth << "n" << n << "," << (s.true_class[n] >= 0 ? s.classes[s.true_class[n]].name : "none") << "," << s.true_lag[n] << "\n";
  }
  if (!ok || !truth) return Fail("synth", absl::PermissionDeniedError(absl::StrCat("cannot write to ", dir)));
  std::printf("wrote %d bins x %ld neurons (%d tuned per class, %d untuned) to %s: counts.csv, %s.csv, %s.csv, truth.csv, "
              "spikes.csv, frame_times.csv, conditions.csv\n",
              options.bins, static_cast<long>(s.counts.cols()), options.tuned_per_class, options.untuned, dir.c_str(),
              file_name(s.classes[0].name).c_str(), file_name(s.classes[1].name).c_str());
  return 0;
}


// `bin-spikes`: spike times (NWB /units or unit,time CSV) counted per behaviour frame.
int RunBinSpikes(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(BinSpikesSpec(), argv, &exit_code);
  if (!args) return exit_code;
  auto spikes = analysis::LoadSpikes(args->String("spikes"));
  if (!spikes.ok()) return Fail("analysis bin-spikes", spikes.status());
  if (args->Has("location")) {
    spikes = analysis::SelectLocation(*spikes, args->String("location"));
    if (!spikes.ok()) return Fail("analysis bin-spikes", spikes.status());
  }
  auto times = analysis::LoadFrameTimes(args->String("frame_times"));
  if (!times.ok()) return Fail("analysis bin-spikes", times.status());
  auto counts = analysis::BinSpikes(*spikes, *times, args->Bool("drop_outside"));
  if (!counts.ok()) return Fail("analysis bin-spikes", counts.status());
  std::ofstream out(args->String("out"));
  for (size_t u = 0; u < spikes->unit_ids.size(); ++u) out << (u ? "," : "") << "unit_" << spikes->unit_ids[u];
  out << "\n";
  for (Eigen::Index f = 0; f < counts->rows(); ++f) {
    for (Eigen::Index u = 0; u < counts->cols(); ++u) out << (u ? "," : "") << (*counts)(f, u);
    out << "\n";
  }
  if (!out.good()) return Fail("analysis bin-spikes", absl::PermissionDeniedError("cannot write " + args->String("out")));
  std::printf("binned %zu units onto %zu frames (%.3f - %.3f s) into %s\n", spikes->unit_ids.size(), times->size(),
              times->front(), times->back(), args->String("out").c_str());
  return 0;
}

// The analysis subcommands: name, summary (from its spec) and entry point.
struct AnalysisSubcommand {
  const char* name;
  const CommandSpec& (*spec)();
  int (*run)(const Argv&);
};

const std::vector<AnalysisSubcommand>& AnalysisSubcommands() {
  static const auto* all = new std::vector<AnalysisSubcommand>{
      {"glm", GlmCommandSpec, RunGlm},
      {"encoding", EncodingCommandSpec, RunEncodingCommand},
      {"rdm", RdmSpec, RunRdm},
      {"rsa", RsaSpec, RunRsa},
      {"variability", VariabilityCommandSpec, RunVariabilityCommand},
      {"behaviour-map", BehaviourMapCommandSpec, RunBehaviourMapCommand},
      {"bin-spikes", BinSpikesSpec, RunBinSpikes},
  };
  return *all;
}

std::vector<const CommandSpec*> AnalysisSpecs() {
  std::vector<const CommandSpec*> specs;
  for (const AnalysisSubcommand& c : AnalysisSubcommands()) specs.push_back(&c.spec());
  return specs;
}

const CommandSpec& SynthCommandSpec() { return SynthSpec(); }

int RunAnalysis(const Argv& argv) {
  const bool help = !argv.empty() && (argv[0] == "--help" || argv[0] == "-h");
  if (argv.empty() || help) {
    std::printf("usage: ./mimic analysis SUBCOMMAND [flags]   (./mimic analysis SUBCOMMAND --help for its flags)\n\n");
    for (const AnalysisSubcommand& c : AnalysisSubcommands()) std::printf("  %-14s %s\n", c.name, c.spec().summary.c_str());
    return help ? 0 : 2;
  }
  std::vector<std::string> names;
  for (const AnalysisSubcommand& c : AnalysisSubcommands()) {
    if (argv[0] == c.name) return c.run(Argv(argv.begin() + 1, argv.end()));
    names.push_back(c.name);
  }
  const std::string nearest = NearestName(argv[0], names);
  std::fprintf(stderr, "mimic analysis: unknown subcommand '%s'%s (see ./mimic analysis --help)\n", argv[0].c_str(),
               nearest.empty() ? "" : ("; did you mean " + nearest + "?").c_str());
  return 2;
}

}  // namespace mimic::cli
