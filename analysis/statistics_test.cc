// The distribution tails and tests behind the significance marks (t-tests for RSA and robustness,
// chi-squared for terminations), against closed forms and values computed independently.
#include "analysis/statistics.h"

#include <cmath>

#include "gtest/gtest.h"

namespace mimic::analysis {
namespace {

TEST(StatisticsTest, StudentTTailsMatchClosedFormsAndIntegration) {
  EXPECT_NEAR(StudentTUpperTail(1, 1), 0.25, 1e-12);                          // Cauchy
  EXPECT_NEAR(StudentTUpperTail(2, 2), 0.5 * (1 - 2 / std::sqrt(6.0)), 1e-12);  // df 2 closed form
  EXPECT_NEAR(StudentTUpperTail(2, 10), 0.0366940173853746, 1e-10);          // Simpson integration of the density
  EXPECT_NEAR(StudentTUpperTail(-2, 10), 1 - 0.0366940173853746, 1e-10);
  EXPECT_NEAR(StudentTUpperTail(0, 7.3), 0.5, 1e-12);
  EXPECT_NEAR(StudentTUpperTail(1.959963984540054, 1e8), 0.025, 1e-6);      // the normal limit
}

TEST(StatisticsTest, ChiSquaredTailsMatchClosedForms) {
  EXPECT_NEAR(ChiSquaredUpperTail(3.841458820694124, 1), 0.05, 1e-10);
  EXPECT_NEAR(ChiSquaredUpperTail(0.5, 1), std::erfc(0.5), 1e-12);
  EXPECT_NEAR(ChiSquaredUpperTail(2, 2), std::exp(-1.0), 1e-12);
  EXPECT_NEAR(ChiSquaredUpperTail(5, 4), std::exp(-2.5) * 3.5, 1e-12);
  // large x (continued fraction): Q(3/2, 20) = erfc(sqrt 20) + 2 sqrt(20 / pi) exp(-20)
  EXPECT_NEAR(ChiSquaredUpperTail(40, 3), 1.0655090334255861e-08, 1e-17);
}

TEST(StatisticsTest, WelchTTestByHand) {
  // means 2.5 and 6, variances 5/3 and 10: t = -3.5 / sqrt(5/12 + 2), Welch df 5.5208
  const std::vector<double> a = {1, 2, 3, 4}, b = {2, 4, 6, 8, 10};
  TTest t = WelchTGreater(b, a);
  EXPECT_NEAR(t.t, 2.2514363231593695, 1e-12);
  EXPECT_NEAR(t.df, 5.520787746170677, 1e-9);
  EXPECT_NEAR(t.p, 0.03456679659740158, 1e-8);
  EXPECT_NEAR(WelchTGreater(a, b).p, 1 - 0.03456679659740158, 1e-8);
}

TEST(StatisticsTest, OneSampleAndPairedTTests) {
  // differences 1, 2, 3: mean 2, sd 1, t = 2 sqrt(3), df 2
  TTest t = PairedTGreater({2, 4, 6}, {1, 2, 3});
  EXPECT_NEAR(t.t, 2 * std::sqrt(3.0), 1e-12);
  EXPECT_EQ(t.df, 2);
  EXPECT_NEAR(t.p, StudentTUpperTail(2 * std::sqrt(3.0), 2), 1e-15);
  EXPECT_NEAR(OneSampleTGreater({1, 2, 3}, 0).t, 2 * std::sqrt(3.0), 1e-12);
  EXPECT_EQ(OneSampleTGreater({1}, 0).p, 1);  // undefined with one value: never significant
}

TEST(StatisticsTest, ChiSquaredOnTerminationCounts) {
  // 30 of 100 against 10 of 100: expected 20 / 80 in each row, chi2 = 12.5, p = erfc(2.5)
  ChiSquaredTest c = ChiSquaredRateGreater(30, 100, 10, 100);
  EXPECT_NEAR(c.statistic, 12.5, 1e-12);
  EXPECT_NEAR(c.p_two_sided, std::erfc(2.5), 1e-12);
  EXPECT_NEAR(c.p, std::erfc(2.5) / 2, 1e-12);
  EXPECT_NEAR(ChiSquaredRateGreater(10, 100, 30, 100).p, 1 - std::erfc(2.5) / 2, 1e-12);
}

TEST(StatisticsTest, BonferroniMultipliesAndCaps) {
  EXPECT_EQ(Bonferroni({0.01, 0.2, 0.5}), (std::vector<double>{0.03, 0.6000000000000001, 1.0}));
}

}  // namespace
}  // namespace mimic::analysis
