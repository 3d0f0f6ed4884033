// `mimic bench glm`: Poisson GLM fits/s against statsmodels' IRLS (Debian's python3-statsmodels,
// which ./mimic installs for this benchmark only) on the same data, with the largest coefficient
// difference. Default size: 100k bins x 50 features; our side fits 200 neurons x 5 folds, the
// reference (much slower) a few full-data fits, compared per fit.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "analysis/array_io.h"
#include "analysis/poisson_glm.h"
#include "common/thread_pool.h"
#include <atomic>
#include <thread>
#include "bench/benchmarks.h"
#include "common/args.h"

namespace mimic::bench {

int BenchGlm(const Argv& argv) {
  auto args = Args::Parse(argv, {"bins", "features", "neurons", "reference_neurons", "folds"});
  if (!args.ok()) return Fail("bench glm", args.status());
  const int bins = args->GetInt("bins", 100000).value_or(100000);
  const int p = args->GetInt("features", 50).value_or(50);
  const int neurons = args->GetInt("neurons", 200).value_or(200);
  const int ref_neurons = args->GetInt("reference_neurons", 4).value_or(4);
  const int folds = args->GetInt("folds", 5).value_or(5);
  if (!std::filesystem::exists("/usr/bin/python3") || !std::filesystem::exists("tools/statsmodels_glm.py")) {
    return Fail("bench glm", absl::FailedPreconditionError("needs /usr/bin/python3 with python3-statsmodels (./mimic bench glm installs it)"));
  }
  // data: smooth-ish features, neurons tuned to random weight vectors
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0, 1);
  Eigen::MatrixXd x(bins, p);
  for (int j = 0; j < p; ++j) {
    double v = 0;
    for (int t = 0; t < bins; ++t) x(t, j) = v = 0.9 * v + 0.436 * normal(rng);
  }
  Eigen::MatrixXd y(bins, neurons);
  for (int n = 0; n < neurons; ++n) {
    Eigen::VectorXd w(p);
    for (int j = 0; j < p; ++j) w(j) = normal(rng);
    w *= 0.5 / w.norm();
    const Eigen::VectorXd eta = (x * w).array() - 1.0;
    for (int t = 0; t < bins; ++t) y(t, n) = std::poisson_distribution<int>(std::exp(eta(t)))(rng);
  }
  std::fprintf(stderr, "bench glm: %d bins x %d features; ours: %d neurons x %d folds; statsmodels: %d full fits\n", bins, p,
               neurons, folds, ref_neurons);
  // ours: cross-validated fits of every neuron
  analysis::GlmOptions unpenalised;
  unpenalised.ridge = 0;
  // neurons are independent: spread them over every core, as the analysis jobs do
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  ThreadPool pool(cores - 1);
  std::atomic<int> failures{0};
  auto start = std::chrono::steady_clock::now();
  pool.ParallelFor(neurons, [&](int begin, int end) {
    for (int n = begin; n < end; ++n) failures += !analysis::CrossValidate(x, y.col(n), folds, unpenalised).ok();
  });
  if (failures > 0) return Fail("bench glm", absl::InternalError("a cross-validated fit failed"));
  const int fits = neurons * folds;
  const double ours_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // the reference on full data for a few neurons, and ours on the same fits for the comparison
  const std::string dir = (std::filesystem::temp_directory_path() / "mimic_bench_glm").string();
  std::filesystem::create_directories(dir);
  {
    std::ofstream dx(dir + "/x.csv"), dy(dir + "/y.csv");
    dx.precision(17);
    dy.precision(17);
    for (int t = 0; t < bins; ++t) {
      for (int j = 0; j < p; ++j) dx << (j ? "," : "") << x(t, j);
      dx << "\n";
      for (int n = 0; n < ref_neurons; ++n) dy << (n ? "," : "") << y(t, n);
      dy << "\n";
    }
  }
  const std::string cmd = absl::StrCat("/usr/bin/python3 tools/statsmodels_glm.py ", dir, "/x.csv ", dir, "/y.csv ", dir,
                                       "/ref.csv");
  FILE* pipe = popen(cmd.c_str(), "r");
  double ref_s = -1;
  if (pipe == nullptr || std::fscanf(pipe, "%lf", &ref_s) != 1) ref_s = -1;
  if (pipe) pclose(pipe);
  if (ref_s < 0) return Fail("bench glm", absl::InternalError("the statsmodels reference failed (is python3-statsmodels installed?)"));
  auto ref = analysis::ReadMatrix(dir + "/ref.csv");
  if (!ref.ok()) return Fail("bench glm", ref.status());
  double max_diff = 0;
  std::vector<analysis::GlmFit> full(ref_neurons);
  start = std::chrono::steady_clock::now();
  pool.ParallelFor(ref_neurons, [&](int begin, int end) {
    for (int n = begin; n < end; ++n) {
      auto fit = analysis::FitPoissonGlm(x, y.col(n), unpenalised);
      if (fit.ok()) full[n] = *fit;
    }
  });
  const double ours_full_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (int n = 0; n < ref_neurons; ++n) {
    if (full[n].weights.size() != p) return Fail("bench glm", absl::InternalError("a full-data fit failed"));
    max_diff = std::max(max_diff, std::abs(full[n].intercept - ref->values(n, 0)));
    for (int j = 0; j < p; ++j) max_diff = std::max(max_diff, std::abs(full[n].weights(j) - ref->values(n, j + 1)));
  }
  std::filesystem::remove_all(dir);
  const double ours_fits_per_s = fits / ours_s, ref_fits_per_s = ref_neurons / ref_s;
  std::printf(
      "{\"bench\":\"glm\",\"bins\":%d,\"features\":%d,\"neurons\":%d,\"folds\":%d,\"threads\":%d,\"cv_fits_per_s\":%.3f,"
      "\"full_data_fits_per_s\":%.3f,\"statsmodels_fits_per_s\":%.3f,\"max_coefficient_difference\":%.3g,\"ratio\":%.2f}\n",
      bins, p, neurons, folds, cores, ours_fits_per_s, ref_neurons / ours_full_s, ref_fits_per_s, max_diff,
      (ref_neurons / ours_full_s) / ref_fits_per_s);
  return 0;
}

}  // namespace mimic::bench
