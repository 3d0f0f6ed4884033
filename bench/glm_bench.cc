// `mimic bench glm`: full-data Poisson GLM fits/s against statsmodels' IRLS (Debian's
// python3-statsmodels, which ./mimic installs for this benchmark only) on the same data and equal
// resources: ours on one thread, statsmodels in one process with one BLAS thread. Measured at
// several sizes (default 20k and 100k bins x 50 features) in interleaved rounds; every round also
// checks that both found the same coefficients. Ratio = the smallest per-size speed-up.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "analysis/array_io.h"
#include "analysis/poisson_glm.h"
#include "bench/benchmarks.h"
#include "bench/rounds.h"
#include "common/args.h"
#include "common/blas_threads.h"
#include "common/status_macros.h"

namespace mimic::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const CommandSpec& Spec() {
  static const auto* spec = new CommandSpec{
      "bench glm",
      "full-data Poisson GLM fits/s, ours on one thread against statsmodels' IRLS in one process with one "
      "BLAS thread, on the same data; the coefficients must agree",
      {
          {"bins", FlagType::kString, "20000,100000", "N,N", "time bins of each measured size"},
          {"features", FlagType::kInt, "50", "features", "design-matrix columns (AR(1) features)"},
          {"neurons", FlagType::kInt, "4", "neurons", "fits per size and measurement"},
          {"rounds", FlagType::kInt, "3", "rounds", "interleaved rounds after the warm-up; the median is reported"},
          {"tolerance", FlagType::kDouble, "1e-6", "", "largest coefficient difference accepted"},
      },
      {"./mimic bench glm --bins 20000 --neurons 2"},
  };
  return *spec;
}

struct Problem {
  int bins = 0;
  Eigen::MatrixXd x;   // (bins x features)
  Eigen::MatrixXd y;   // (bins x neurons)
  std::string dir;     // x.csv, y.csv for the reference
};

// smooth-ish AR(1) features; neurons tuned to random weight vectors
Problem MakeProblem(int bins, int features, int neurons, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  Problem p;
  p.bins = bins;
  p.x.resize(bins, features);
  for (int j = 0; j < features; ++j) {
    double v = 0;
    for (int t = 0; t < bins; ++t) p.x(t, j) = v = 0.9 * v + 0.436 * normal(rng);
  }
  p.y.resize(bins, neurons);
  for (int n = 0; n < neurons; ++n) {
    Eigen::VectorXd w(features);
    for (int j = 0; j < features; ++j) w(j) = normal(rng);
    w *= 0.5 / w.norm();
    const Eigen::VectorXd eta = (p.x * w).array() - 1.0;
    for (int t = 0; t < bins; ++t) p.y(t, n) = std::poisson_distribution<int>(std::exp(eta(t)))(rng);
  }
  return p;
}

absl::Status WriteCsvs(Problem& p) {
  p.dir = (fs::temp_directory_path() / absl::StrCat("mimic_bench_glm_", getpid(), "_", p.bins)).string();
  fs::create_directories(p.dir);
  std::ofstream dx(p.dir + "/x.csv"), dy(p.dir + "/y.csv");
  dx.precision(17);
  dy.precision(17);
  for (int t = 0; t < p.bins; ++t) {
    for (Eigen::Index j = 0; j < p.x.cols(); ++j) dx << (j ? "," : "") << p.x(t, j);
    dx << "\n";
    for (Eigen::Index n = 0; n < p.y.cols(); ++n) dy << (n ? "," : "") << p.y(t, n);
    dy << "\n";
  }
  if (!dx.good() || !dy.good()) return absl::UnavailableError("cannot write the reference's data to " + p.dir);
  return absl::OkStatus();
}

// statsmodels on the problem: its fits/s; its coefficients in *coefficients (neuron x [b0, w]).
absl::StatusOr<double> StatsmodelsFitsPerSecond(const Problem& p, Eigen::MatrixXd* coefficients) {
  const std::string cmd = absl::StrCat(
      "OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 /usr/bin/python3 tools/statsmodels_glm.py ",
      p.dir, "/x.csv ", p.dir, "/y.csv ", p.dir, "/ref.csv");
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return absl::UnavailableError("cannot start python3");
  double seconds = -1;
  const bool read = std::fscanf(pipe, "%lf", &seconds) == 1;
  const int rc = pclose(pipe);
  if (!read || rc != 0 || !(seconds > 0)) {
    return absl::FailedPreconditionError(
        "the statsmodels reference failed (needs /usr/bin/python3 with python3-statsmodels; ./mimic bench glm "
        "installs it)");
  }
  MIMIC_ASSIGN_OR_RETURN(auto matrix, analysis::ReadMatrix(p.dir + "/ref.csv"));
  *coefficients = matrix.values;
  return p.y.cols() / seconds;
}

absl::StatusOr<double> OurFitsPerSecond(const Problem& p, Eigen::MatrixXd* coefficients, int* iterations) {
  analysis::GlmOptions unpenalised;  // statsmodels' GLM has no penalty: the same problem
  unpenalised.ridge = 0;
  coefficients->resize(p.y.cols(), p.x.cols() + 1);
  const auto start = Clock::now();
  for (Eigen::Index n = 0; n < p.y.cols(); ++n) {
    MIMIC_ASSIGN_OR_RETURN(analysis::GlmFit fit, analysis::FitPoissonGlm(p.x, p.y.col(n), unpenalised));
    (*coefficients)(n, 0) = fit.intercept;
    *iterations += fit.iterations;
    coefficients->row(n).tail(p.x.cols()) = fit.weights.transpose();
  }
  return p.y.cols() / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int BenchGlm(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(Spec(), argv, &exit_code);
  if (!args) return exit_code;
  std::vector<int> sizes;
  for (absl::string_view part : absl::StrSplit(args->String("bins"), ',')) {
    int bins;
    if (!absl::SimpleAtoi(part, &bins) || bins < 100) {
      return Fail("bench glm", absl::InvalidArgumentError("--bins takes comma-separated sizes of at least 100"));
    }
    sizes.push_back(bins);
  }
  const int features = args->Int("features"), neurons = args->Int("neurons");
  if (features < 1 || neurons < 1) return Fail("bench glm", absl::InvalidArgumentError("--features and --neurons must be positive"));
  const double tolerance = args->Double("tolerance");
  SetBlasThreads(1);  // equal resources: our fits' BLAS products on this one thread too
  std::vector<Problem> problems;
  for (int bins : sizes) {
    problems.push_back(MakeProblem(bins, features, neurons, 3));
    if (absl::Status s = WriteCsvs(problems.back()); !s.ok()) return Fail("bench glm", s);
  }
  auto cleanup = [&] {
    for (const Problem& p : problems) fs::remove_all(p.dir);
  };
  std::fprintf(stderr, "bench glm: %s bins x %d features, %d neurons each; ours on 1 thread, statsmodels with 1 BLAS thread\n",
               args->String("bins").c_str(), features, neurons);
  std::vector<Eigen::MatrixXd> ours_coefficients(problems.size()), reference_coefficients(problems.size());
  double max_difference = 0;
  Measurement ours = [&]() -> absl::StatusOr<Figures> {
    Figures f;
    for (size_t i = 0; i < problems.size(); ++i) {
      int iterations = 0;
      MIMIC_ASSIGN_OR_RETURN(double rate, OurFitsPerSecond(problems[i], &ours_coefficients[i], &iterations));
      f.push_back({absl::StrCat("fits_per_s_", problems[i].bins), rate});
      f.push_back({absl::StrCat("newton_iterations_per_fit_", problems[i].bins), static_cast<double>(iterations) / neurons});
    }
    return f;
  };
  Measurement reference = [&]() -> absl::StatusOr<Figures> {
    Figures f;
    for (size_t i = 0; i < problems.size(); ++i) {
      MIMIC_ASSIGN_OR_RETURN(double rate, StatsmodelsFitsPerSecond(problems[i], &reference_coefficients[i]));
      f.push_back({absl::StrCat("statsmodels_fits_per_s_", problems[i].bins), rate});
      if (ours_coefficients[i].size() == reference_coefficients[i].size() && ours_coefficients[i].size() > 0) {
        const double d = (ours_coefficients[i] - reference_coefficients[i]).cwiseAbs().maxCoeff();
        max_difference = std::max(max_difference, d);
        if (!(d <= tolerance)) {
          return absl::InternalError(absl::StrCat("at ", problems[i].bins, " bins the coefficients differ by ", d,
                                                  " (> ", tolerance, ")"));
        }
      }
    }
    return f;
  };
  auto ratio = [&](const Figures& o, const Figures& r) {
    double worst = std::numeric_limits<double>::infinity();
    for (const Problem& p : problems) {
      worst = std::min(worst, FigureOf(o, absl::StrCat("fits_per_s_", p.bins)) /
                                  FigureOf(r, absl::StrCat("statsmodels_fits_per_s_", p.bins)));
    }
    return worst;
  };
  RoundsOptions options;
  options.rounds = args->Int("rounds");
  auto result = RunRounds(options, ours, reference, ratio);
  cleanup();
  if (!result.ok()) return Fail("bench glm", result.status());
  JsonLine line("glm");
  line.Add("features", features).Add("neurons", neurons).Add("threads", 1);
  const Round& median = result->median();
  for (const Problem& p : problems) {
    line.Add(absl::StrCat("ratio_", p.bins), FigureOf(median.ours, absl::StrCat("fits_per_s_", p.bins)) /
                                                 FigureOf(median.reference, absl::StrCat("statsmodels_fits_per_s_", p.bins)));
  }
  line.Add("max_coefficient_difference", max_difference);
  std::printf("%s\n", line.Finish(*result).c_str());
  return 0;
}

}  // namespace mimic::bench
