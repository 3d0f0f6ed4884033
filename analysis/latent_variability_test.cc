#include "analysis/latent_variability.h"

#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "analysis/behaviour_labels.h"

namespace mimic::analysis {
namespace {

// Bouts of behaviours of random lengths in random order (as in a session), with per-behaviour
// variability profiles when `tuned`.
struct Synthetic {
  Eigen::MatrixXd action, latent;
  BehaviourLabels labels;
};

Synthetic MakeSession(bool tuned, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, 0.15);
  const int T = 600, A = 6, L = 8, B = 3;
  Synthetic s;
  s.labels.names = {"still", "walk", "rear"};
  s.action.resize(T, A);
  s.latent.resize(T, L);
  std::uniform_int_distribution<int> bout_length(15, 60), next(0, B - 1);
  int b = 0, left = 0;
  for (int t = 0; t < T; ++t) {
    if (left-- == 0) {
      b = next(rng);
      left = bout_length(rng);
    }
    s.labels.labels.push_back(b);
    for (int k = 0; k < A; ++k) s.action(t, k) = std::exp(noise(rng) + (tuned ? 0.4 * ((k + b) % B) : 0.0));
    for (int k = 0; k < L; ++k) s.latent(t, k) = std::exp(noise(rng) + (tuned ? 0.5 * ((k * 2 + b) % B) : 0.0));
  }
  return s;
}

TEST(LatentVariabilityTest, DiscriminatesBehavioursWithDistinctVariability) {
  const Synthetic s = MakeSession(/*tuned=*/true, 1);
  VariabilityOptions options;
  options.permutations = 50;
  auto result = AnalyzeVariability(s.action, s.latent, s.labels, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->behaviours.size(), 3u);
  EXPECT_EQ(result->frames[0] + result->frames[1] + result->frames[2], 600);
  EXPECT_GT(result->latent.balanced_accuracy, 0.9);
  EXPECT_NEAR(result->latent.chance, 1.0 / 3, 1e-12);
  EXPECT_LT(result->latent.p_value, 0.05);
  EXPECT_GT(result->action.balanced_accuracy, 0.9);
  // per-behaviour means follow the planted profile: actuator 0 is most variable in "rear" (b = 2)
  EXPECT_GT(result->action_by_behaviour(2, 0), result->action_by_behaviour(0, 0));
  EXPECT_EQ(result->action_rdm.size(), 3);
  EXPECT_TRUE(std::isfinite(result->rdm_correlation));
}

TEST(LatentVariabilityTest, NoStructureMeansChanceAndNoSignificance) {
  const Synthetic s = MakeSession(/*tuned=*/false, 2);
  VariabilityOptions options;
  options.permutations = 50;
  auto result = AnalyzeVariability(s.action, s.latent, s.labels, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_LT(result->latent.balanced_accuracy, 0.5);
  EXPECT_GT(result->latent.p_value, 0.05);
}

TEST(LatentVariabilityTest, RefusesMismatchedInputsAndSingleBehaviours) {
  const Synthetic s = MakeSession(true, 3);
  BehaviourLabels short_labels = s.labels;
  short_labels.labels.pop_back();
  auto result = AnalyzeVariability(s.action, s.latent, short_labels, {});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("frames disagree"), std::string::npos);
  BehaviourLabels one = s.labels;
  std::fill(one.labels.begin(), one.labels.end(), 0);
  result = AnalyzeVariability(s.action, s.latent, one, {});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("two behaviours"), std::string::npos);
}

TEST(BehaviourLabelsTest, KinematicRulesLabelStillWalkRearAndGroom) {
  const int T = 400;
  const double dt = 0.02;
  Eigen::MatrixXd qpos = Eigen::MatrixXd::Zero(T, 10);
  for (int t = 0; t < T; ++t) {
    qpos(t, 2) = 0.05;  // standing height
    qpos(t, 3) = 1;     // identity quaternion
  }
  // frames 100-199 walk at 0.2 m/s; 200-299 rear (root 6 cm higher); 300-399 groom (joints move fast)
  double x = 0;
  for (int t = 100; t < T; ++t) {
    if (t < 200) x += 0.2 * dt;
    qpos(t, 0) = x;
  }
  for (int t = 200; t < 300; ++t) qpos(t, 2) = 0.11;
  for (int t = 300; t < T; ++t) qpos.block(t, 7, 1, 3).setConstant(0.3 * std::sin(t * 0.8));
  std::vector<int> clips(T, 0);
  auto labels = LabelFromKinematics(qpos, clips, dt);
  ASSERT_TRUE(labels.ok()) << labels.status();
  ASSERT_EQ(labels->names, (std::vector<std::string>{"still", "walk", "rear", "groom"}));
  auto majority = [&](int begin, int end) {
    std::vector<int> votes(4, 0);
    for (int t = begin; t < end; ++t) ++votes[labels->labels[t]];
    return static_cast<int>(std::max_element(votes.begin(), votes.end()) - votes.begin());
  };
  EXPECT_EQ(majority(10, 90), 0);
  EXPECT_EQ(majority(110, 190), 1);
  EXPECT_EQ(majority(210, 290), 2);
  EXPECT_EQ(majority(310, 390), 3);
}

TEST(BehaviourLabelsTest, LabelFilesAreCheckedAgainstTheFrames) {
  const std::string path = ::testing::TempDir() + "/labels.csv";
  {
    std::ofstream out(path);
    out << "label\nwalk\nwalk\nrear\ngroom\n";
  }
  auto labels = ReadLabelFile(path, 4);
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_EQ(labels->names, (std::vector<std::string>{"walk", "rear", "groom"}));
  EXPECT_EQ(labels->labels, (std::vector<int>{0, 0, 1, 2}));
  auto wrong = ReadLabelFile(path, 5);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("4 labels"), std::string::npos);
  EXPECT_FALSE(ReadLabelFile(path + ".missing", 4).ok());
}

}  // namespace
}  // namespace mimic::analysis
