// The variability job end to end on a small rollouts file with latent resamples: with spike counts
// whose trial-to-trial variability follows the latent variability across behaviours, it reports
// their correlation and its exact permutation p-value, and writes them with a figure.
#include "analysis/variability_job.h"

#include <filesystem>
#include <fstream>
#include <random>

#include "common/h5_file.h"
#include "gtest/gtest.h"

namespace mimic::analysis {
namespace {

TEST(VariabilityJobTest, NeuralVariabilityFollowsLatentVariabilityAcrossBehaviours) {
  const std::string dir = ::testing::TempDir() + "/variability_job";
  std::filesystem::create_directories(dir);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0, 1);
  const int T = 4000, S = 4, L = 3, A = 2, N = 12, bout = 25;
  const char* names[4] = {"still", "walk", "rear", "groom"};
  const double latent_scale[4] = {0.2, 0.5, 0.9, 1.4};  // per behaviour
  std::vector<double> qpos(T * 9, 0.0), time(T);
  std::vector<float> latent(T * S * L), action(T * S * A);
  std::vector<int32_t> frames(T);
  Eigen::MatrixXd counts(T, N);
  std::ofstream labels(dir + "/labels.csv");
  std::gamma_distribution<double> gain_shape(1.0, 1.0);
  double gain = 1;
  for (int t = 0; t < T; ++t) {
    const int b = (t / bout * 7 + t / (3 * bout)) % 4;  // bouts of 25 frames in a shuffled order
    labels << names[b] << "\n";
    qpos[t * 9 + 3] = 1;
    time[t] = t * 0.02;
    frames[t] = t;
    for (int s = 0; s < S; ++s) {
      for (int k = 0; k < L; ++k) latent[(t * S + s) * L + k] = static_cast<float>(latent_scale[b] * normal(rng));
      for (int k = 0; k < A; ++k) action[(t * S + s) * A + k] = static_cast<float>(0.5 * latent_scale[b] * normal(rng));
    }
    // each bout's gain varies more where the latent varies more: Fano = 1 + mean var(gain) / mean(gain)
    if (t % bout == 0) {
      const double v = latent_scale[b];
      gain = std::gamma_distribution<double>(1.0 / (v * v), v * v)(rng);
    }
    for (int n = 0; n < N; ++n) counts(t, n) = std::poisson_distribution<int>(0.4 * gain)(rng);
  }
  labels.close();
  {
    auto file = H5File::Create(dir + "/rollouts.h5").value();
    ASSERT_TRUE(file->WriteDoubles("/clips/c0/qpos", {T, 9}, qpos.data()).ok());
    ASSERT_TRUE(file->WriteDoubles("/clips/c0/time", {T}, time.data()).ok());
    ASSERT_TRUE(file->WriteInts("/clips/c0/frame", {T}, frames.data()).ok());
    ASSERT_TRUE(file->WriteFloats("/clips/c0/resampled/latent", {T, S, L}, latent.data()).ok());
    ASSERT_TRUE(file->WriteFloats("/clips/c0/resampled/action_mean", {T, S, A}, action.data()).ok());
    ASSERT_TRUE(file->SetAttribute("/", "control_timestep", 0.02).ok());
    ASSERT_TRUE(file->Finish().ok());
  }
  {
    std::ofstream out(dir + "/counts.csv");
    for (int t = 0; t < T; ++t) {
      for (int n = 0; n < N; ++n) out << (n ? "," : "") << counts(t, n);
      out << "\n";
    }
  }
  VariabilityJobInputs inputs;
  inputs.rollouts = dir + "/rollouts.h5";
  inputs.labels = dir + "/labels.csv";
  inputs.counts = dir + "/counts.csv";
  inputs.options.permutations = 20;
  inputs.out = dir + "/variability.h5";
  VariabilityJobOutcome out = RunVariabilityJob(inputs, [](const std::string&, double) {}).value();
  ASSERT_TRUE(out.neural);
  ASSERT_EQ(out.compared_behaviours.size(), 4u);
  for (size_t b = 0; b < 4; ++b) std::printf("%s: Fano %.2f latent std %.3f\n", out.compared_behaviours[b].c_str(),
                                             out.neural_fano[b], out.latent_std[b]);
  EXPECT_GT(out.latent_vs_neural.r, 0.8);
  EXPECT_TRUE(out.latent_vs_neural.exact);
  EXPECT_NEAR(out.latent_vs_neural.p, 1.0 / 24, 1e-12);  // only the observed order reaches it
  auto file = H5File::Open(inputs.out).value();
  EXPECT_EQ(file->ReadStrings("/comparison/behaviours").value().size(), 4u);
  EXPECT_EQ(file->Shape("/neural/fano").value(), (std::vector<int64_t>{4, N}));
  EXPECT_NEAR(file->GetDoubleAttribute("/comparison", "r_latent_vs_neural").value(), out.latent_vs_neural.r, 1e-12);
  EXPECT_NE(out.json.find("\"latent_vs_neural\":{\"r\":"), std::string::npos) << out.json;
  std::ifstream svg(out.figure);
  std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("Neural against latent variability"), std::string::npos);
  // counts of another length are refused by name
  {
    std::ofstream short_counts(dir + "/short.csv");
    short_counts << "1,2\n3,4\n";
  }
  inputs.counts = dir + "/short.csv";
  auto refused = RunVariabilityJob(inputs, [](const std::string&, double) {});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("counts"), std::string::npos) << refused.status();
}

}  // namespace
}  // namespace mimic::analysis
