#include "analysis/encoding.h"

#include <cmath>

#include "analysis/statistics.h"
#include "analysis/synthetic.h"
#include "gtest/gtest.h"

namespace mimic::analysis {
namespace {

TEST(StatisticsTest, WilcoxonMatchesExactCounts) {
  // all positive: only one of 2^n sign patterns reaches the maximum rank sum
  EXPECT_NEAR(WilcoxonSignedRankGreater({1, 2, 3, 4, 5}), 1.0 / 32, 1e-12);
  // ranks 1..4, positives at ranks 2 and 4: W = 6; patterns with sum >= 6 are 7 of 16
  EXPECT_NEAR(WilcoxonSignedRankGreater({-1, 2, -3, 4}), 7.0 / 16, 1e-12);
  EXPECT_EQ(WilcoxonSignedRankGreater({0, 0}), 1.0);
}

TEST(StatisticsTest, BenjaminiHochbergRejectsTheStepUpSet) {
  // m = 5, q = 0.05: thresholds 0.01, 0.02, 0.03, 0.04, 0.05; the largest k with p_(k) <= kq/m is 3
  const std::vector<bool> r = BenjaminiHochberg({0.041, 0.005, 0.5, 0.03, 0.019}, 0.05);
  EXPECT_EQ(r, (std::vector<bool>{false, true, false, true, true}));
  EXPECT_EQ(BenjaminiHochberg({0.9, 0.8}, 0.05), (std::vector<bool>{false, false}));
}

TEST(StatisticsTest, PairedPermutationSeesConsistentDifferences) {
  std::vector<double> a(30), b(30);
  for (int i = 0; i < 30; ++i) {
    a[i] = 1.0 + 0.1 * std::sin(i);
    b[i] = 0.5 + 0.1 * std::cos(i);
  }
  EXPECT_LT(PairedPermutationGreater(a, b, 2000, 1), 0.01);
  EXPECT_GT(PairedPermutationGreater(b, a, 2000, 1), 0.9);
}

TEST(EncodingTest, RecoversPlantedClassesAndLags) {
  SynthOptions synth;
  synth.seed = 4;
  const SynthSession session = MakeSyntheticSession(synth);
  EncodingOptions options;
  options.lags = synth.lags;
  auto result = RunEncoding(session.classes, session.counts, options);
  ASSERT_TRUE(result.ok()) << result.status();
  int tuned_significant = 0, recovered = 0, untuned = 0, false_positive = 0;
  for (size_t n = 0; n < result->size(); ++n) {
    const NeuronEncoding& e = (*result)[n];
    if (session.true_class[n] < 0) {
      ++untuned;
      false_positive += e.best_class >= 0;
      continue;
    }
    if (e.best_class < 0) continue;
    ++tuned_significant;
    recovered += e.best_class == session.true_class[n] &&
                 e.classes[e.best_class].best_lag == session.true_lag[n];
  }
  std::printf("tuned significant %d/20, recovered %d; untuned called significant %d/%d\n", tuned_significant, recovered,
              false_positive, untuned);
  EXPECT_GE(tuned_significant, 16);
  EXPECT_GE(recovered, 0.9 * tuned_significant);
  EXPECT_LE(false_positive, 1);
}

TEST(EncodingTest, MismatchedLengthsAreRefused) {
  std::vector<FeatureClass> classes = {{"a", Eigen::MatrixXd::Ones(10, 2)}};
  EXPECT_FALSE(RunEncoding(classes, Eigen::MatrixXd::Ones(9, 1), {}).ok());
}

}  // namespace
}  // namespace mimic::analysis
