#include "analysis/rsa_inference.h"

#include <cmath>

#include "analysis/statistics.h"
#include "gtest/gtest.h"

namespace mimic::analysis {
namespace {

TEST(RsaInferenceTest, MarksModelsAboveZeroBelowTheCeilingAndAgainstEachOther) {
  // model 0 close to but below the ceiling in every subject, model 1 near zero, model 2 between
  const std::vector<std::vector<double>> wuc = {{0.80, 0.82, 0.79, 0.81}, {0.10, 0.30, -0.10, 0.20}, {0.5, 0.55, 0.45, 0.52}};
  const std::vector<double> lower = {0.85, 0.86, 0.84, 0.85};
  RsaInference r = CompareAcrossSubjects(wuc, lower).value();
  EXPECT_NEAR(r.mean[0], 0.805, 1e-12);
  EXPECT_NEAR(r.sem[0], std::sqrt((0.005 * 0.005 + 0.015 * 0.015 + 0.015 * 0.015 + 0.005 * 0.005) / 3 / 4), 1e-12);
  // by hand: the t-test p-values, then x3 for Bonferroni over the 3 models
  EXPECT_NEAR(r.p_above_zero[1], OneSampleTGreater(wuc[1], 0).p, 1e-15);
  EXPECT_NEAR(r.p_above_zero_corrected[1], std::min(1.0, 3 * OneSampleTGreater(wuc[1], 0).p), 1e-15);
  EXPECT_TRUE(r.above_zero[0]);
  EXPECT_FALSE(r.above_zero[1]);  // t = 1.47 on 3 df
  EXPECT_TRUE(r.above_zero[2]);
  // ceiling differences for model 0 are 0.05, 0.04, 0.05, 0.04: t = 9 sqrt(3) ... far below the ceiling
  EXPECT_NEAR(r.p_below_ceiling[0], PairedTGreater(lower, wuc[0]).p, 1e-15);
  EXPECT_TRUE(r.below_ceiling[0]);
  EXPECT_TRUE(r.below_ceiling[1]);
  EXPECT_TRUE(std::isnan(r.p_greater(1, 1)));
  EXPECT_TRUE(r.greater[0][1]);
  EXPECT_TRUE(r.greater[0][2]);
  EXPECT_TRUE(r.greater[2][1]);
  EXPECT_FALSE(r.greater[1][0]);
  EXPECT_FALSE(r.greater[2][0]);
  EXPECT_NEAR(r.p_greater(0, 1), PairedTGreater(wuc[0], wuc[1]).p, 1e-15);
}

TEST(RsaInferenceTest, AModelAtTheCeilingIsNotMarkedBelowIt) {
  const std::vector<std::vector<double>> wuc = {{0.86, 0.85, 0.85, 0.86}};
  RsaInference r = CompareAcrossSubjects(wuc, {0.85, 0.86, 0.84, 0.85}).value();
  EXPECT_FALSE(r.below_ceiling[0]);
  EXPECT_FALSE(CompareAcrossSubjects({{0.5}}, {}).ok());                   // one subject
  EXPECT_FALSE(CompareAcrossSubjects({{0.5, 0.6}, {0.1}}, {}).ok());       // ragged
  EXPECT_FALSE(CompareAcrossSubjects({{0.5, 0.6}}, {0.9}).ok());           // bounds for the wrong subjects
}

}  // namespace
}  // namespace mimic::analysis
