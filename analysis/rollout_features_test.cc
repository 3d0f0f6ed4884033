#include "analysis/rollout_features.h"

#include <cmath>
#include <filesystem>
#include <random>

#include "common/h5_file.h"
#include "gtest/gtest.h"

namespace mimic::analysis {
namespace {

constexpr int kT = 5;

// One clip: root at (1, 2, 0) turned 90° about z; body 2 sits at root + (t, 0, 0) in the world.
std::string WriteRollouts(const std::string& name, bool nan_layer = false) {
  const std::string path = (std::filesystem::path(::testing::TempDir()) / name).string();
  auto file = H5File::Create(path).value();
  const double c = std::cos(M_PI / 4), s = std::sin(M_PI / 4);
  std::vector<double> qpos, qvel, xpos, time;
  std::vector<float> latent;
  for (int t = 0; t < kT; ++t) {
    for (double v : {1.0, 2.0, 0.0, c, 0.0, 0.0, s, 0.1 * t, -0.2 * t}) qpos.push_back(v);
    for (int i = 0; i < 8; ++i) qvel.push_back(i == 7 ? 3.0 * t : 0.0);
    for (double v : {0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 1.0 + t, 2.0, 0.0, 1.0, 2.0, 1.0}) xpos.push_back(v);
    time.push_back(0.1 * t);
    latent.push_back(static_cast<float>(t));
    latent.push_back(nan_layer && t == 3 ? NAN : 1.f);
  }
  const std::string g = "/clips/walk";
  EXPECT_TRUE(file->CreateGroup(g + "/layers/latent").ok());
  EXPECT_TRUE(file->WriteDoubles(g + "/qpos", {kT, 9}, qpos.data()).ok());
  EXPECT_TRUE(file->WriteDoubles(g + "/qvel", {kT, 8}, qvel.data()).ok());
  EXPECT_TRUE(file->WriteDoubles(g + "/xpos", {kT, 4, 3}, xpos.data()).ok());
  EXPECT_TRUE(file->WriteDoubles(g + "/time", {kT}, time.data()).ok());
  EXPECT_TRUE(file->WriteFloats(g + "/layers/latent/mean", {kT, 2}, latent.data()).ok());
  EXPECT_TRUE(file->WriteStrings("/layer_names", {"latent/mean"}).ok());
  EXPECT_TRUE(file->SetAttribute("/", "format", std::string("mimic.rollouts")).ok());
  EXPECT_TRUE(file->SetAttribute("/", "control_timestep", 0.1).ok());
  EXPECT_TRUE(file->Finish().ok());
  return path;
}

TEST(RolloutFeaturesTest, KinematicClassesAndLayers) {
  const std::string path = WriteRollouts("rollouts.h5");
  auto features = ReadRolloutFeatures(path);
  ASSERT_TRUE(features.ok()) << features.status();
  ASSERT_EQ(features->classes.size(), 6u);
  const auto& angles = features->classes[0].features;
  EXPECT_EQ(features->classes[0].name, "joint_angles");
  ASSERT_EQ(angles.cols(), 2);
  EXPECT_DOUBLE_EQ(angles(3, 0), 0.3);
  EXPECT_DOUBLE_EQ(angles(3, 1), -0.6);
  EXPECT_EQ(features->classes[1].features.cols(), 2);  // qvel without the 6 root dofs
  EXPECT_DOUBLE_EQ(features->classes[1].features(2, 1), 6.0);
  // Body 2 is t metres along world x; the root faces +y, so in its frame that is −y.
  const auto& ego = features->classes[2].features;
  ASSERT_EQ(ego.cols(), 6);  // bodies 2 and 3
  EXPECT_NEAR(ego(2, 0), 0.0, 1e-12);
  EXPECT_NEAR(ego(2, 1), -2.0, 1e-12);
  EXPECT_NEAR(ego(2, 5), 1.0, 1e-12);  // body 3 is 1 m above the root
  // Constant velocity (−10 m/s along the root's y at dt = 0.1) and zero acceleration.
  EXPECT_NEAR(features->classes[3].features(2, 1), -10.0, 1e-9);
  EXPECT_NEAR(features->classes[4].features(2, 1), 0.0, 1e-9);
  EXPECT_EQ(features->classes[5].name, "latent/mean");
  EXPECT_DOUBLE_EQ(features->classes[5].features(4, 0), 4.0);
  EXPECT_DOUBLE_EQ(features->time(3), 0.3);
  EXPECT_EQ(features->clip_names, std::vector<std::string>{"walk"});
}

TEST(RolloutFeaturesTest, BadRequestsNameTheProblem) {
  const std::string path = WriteRollouts("rollouts_bad.h5", /*nan_layer=*/true);
  auto unknown = ReadRolloutFeatures(path, {"decoder/lstm9/h"});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("available: joint_angles"), std::string::npos);
  auto nan = ReadRolloutFeatures(path, {"latent/mean"});
  EXPECT_EQ(nan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(nan.status().message().find("'latent/mean' of clip walk"), std::string::npos);
  EXPECT_FALSE(ReadRolloutFeatures(path + ".missing").ok());
}

TEST(PcaTest, KeepsTheComponentsThatExplainTheFraction) {
  std::mt19937 rng(1);
  std::normal_distribution<double> n(0, 1);
  Eigen::MatrixXd x(500, 5);
  for (int t = 0; t < 500; ++t) {
    const double a = 3 * n(rng), b = 2 * n(rng);
    x.row(t) << a + 0.01 * n(rng), b + 0.01 * n(rng), a - b + 0.01 * n(rng), 0.01 * n(rng),
        0.01 * n(rng);
  }
  Eigen::MatrixXd scores = PcaReduce(x, 0.99);
  EXPECT_EQ(scores.cols(), 2);
  const double cross = scores.col(0).dot(scores.col(1)) / scores.rows();
  EXPECT_NEAR(cross, 0.0, 1e-8);  // components are uncorrelated
  EXPECT_GT(scores.col(0).squaredNorm(), scores.col(1).squaredNorm());
  EXPECT_EQ(PcaReduce(x, 1.0).cols(), 5);
}

}  // namespace
}  // namespace mimic::analysis
