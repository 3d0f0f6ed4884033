#include "analysis/neural_variability.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace mimic::analysis {
namespace {

TEST(NeuralVariabilityTest, FanoFactorsOverBoutOnsetWindowsByHand) {
  // one neuron, behaviour a in three bouts of 4 frames (window 2) with onset counts 1, 3, 5;
  // behaviour b in two bouts: fewer than min_bouts, left out
  BehaviourLabels labels;
  labels.names = {"a", "b"};
  std::vector<int> l = {0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0};
  labels.labels = l;
  Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(16, 1);
  counts(0, 0) = 1;                      // bout 1: 1 + 0
  counts(6, 0) = 2, counts(7, 0) = 1;    // bout 2: 3
  counts(12, 0) = 4, counts(13, 0) = 1;  // bout 3: 5
  counts(15, 0) = 9;                     // outside the onset window: not counted
  NeuralVariabilityOptions options;
  options.window_frames = 2;
  NeuralVariability v = BoutVariability(counts, labels, std::vector<int>(16, 0), options).value();
  ASSERT_EQ(v.behaviours, (std::vector<std::string>{"a"}));
  EXPECT_EQ(v.bouts[0], 3);
  // counts 1, 3, 5: mean 3, variance 4
  EXPECT_NEAR(v.fano(0, 0), 4.0 / 3, 1e-12);
  EXPECT_NEAR(v.cv(0, 0), 2.0 / 3, 1e-12);
  EXPECT_NEAR(v.mean_fano[0], 4.0 / 3, 1e-12);
  // a clip boundary splits a run into two bouts
  std::vector<int> clips(16, 0);
  for (int t = 2; t < 16; ++t) clips[t] = 1;
  v = BoutVariability(counts, labels, clips, options).value();
  EXPECT_EQ(v.bouts[0], 4);
}

TEST(NeuralVariabilityTest, PoissonNeuronsHaveFanoNearOneAndExtraVarianceRaisesIt) {
  std::mt19937 rng(4);
  BehaviourLabels labels;
  labels.names = {"quiet", "noisy"};
  const int T = 40000;
  Eigen::MatrixXd counts(T, 20);
  for (int t = 0; t < T; ++t) labels.labels.push_back((t / 20) % 2);
  // in the noisy behaviour each bout has its own gain (doubly stochastic): variance above the mean
  std::gamma_distribution<double> gain(4, 0.25);
  double g = 1;
  for (int t = 0; t < T; ++t) {
    if (t % 20 == 0) g = labels.labels[t] == 1 ? gain(rng) : 1.0;
    for (int n = 0; n < 20; ++n) counts(t, n) = std::poisson_distribution<int>(0.3 * g)(rng);
  }
  NeuralVariability v = BoutVariability(counts, labels, std::vector<int>(T, 0)).value();
  ASSERT_EQ(v.behaviours.size(), 2u);
  EXPECT_NEAR(v.mean_fano[0], 1.0, 0.1);
  // Fano = 1 + mean x var(gain) / mean(gain) = 1 + 3 x 0.25 = 1.75
  EXPECT_NEAR(v.mean_fano[1], 1.75, 0.2);
}

TEST(NeuralVariabilityTest, CorrelationPermutationsAreExactForFewBehaviours) {
  // perfectly ordered: only the identity reaches r = 1 among 4! orders
  CorrelationTest t = CorrelationPermutationGreater({1, 2, 3, 4}, {2, 4, 5, 9});
  EXPECT_TRUE(t.exact);
  EXPECT_EQ(t.permutations, 24);
  EXPECT_NEAR(t.p, 1.0 / 24, 1e-12);
  EXPECT_GT(t.r, 0.9);
  // reversed: every order reaches it
  EXPECT_NEAR(CorrelationPermutationGreater({1, 2, 3, 4}, {9, 5, 4, 2}).p, 1.0, 1e-12);
  // NaN pairs are dropped; under 3 pairs there is no test
  EXPECT_EQ(CorrelationPermutationGreater({1, 2, std::nan("")}, {1, 2, 3}).permutations, 0);
  // many behaviours: random permutations with +1 smoothing
  std::vector<double> x, y;
  for (int i = 0; i < 12; ++i) x.push_back(i), y.push_back(i * i);
  CorrelationTest many = CorrelationPermutationGreater(x, y, 999, 3);
  EXPECT_FALSE(many.exact);
  EXPECT_NEAR(many.p, 1.0 / 1000, 1e-12);
}

}  // namespace
}  // namespace mimic::analysis
