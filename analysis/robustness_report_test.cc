#include "analysis/robustness_report.h"

#include <cmath>
#include <filesystem>

#include "common/h5_file.h"
#include "gtest/gtest.h"

namespace mimic::analysis {
namespace {

RobustnessCondition Condition(const std::string& shape, double gain, const std::vector<int>& steps) {
  RobustnessCondition c;
  c.shape = shape;
  c.gain = gain;
  for (size_t i = 0; i < steps.size(); ++i) {
    c.episodes.push_back({static_cast<int>(i % 2), steps[i], 100, steps[i] < 100, 10.0 + (100 - steps[i]) / 10.0});
  }
  return c;
}

TEST(RobustnessReportTest, ComparesEachShapeWithTheStandardAtEachGain) {
  const std::vector<RobustnessCondition> conditions = {
      Condition("standard", 1, {100, 100, 90, 100, 100, 95, 100, 100}),
      Condition("inverted", 1, {40, 60, 100, 30, 50, 45, 70, 20}),
      Condition("standard", 2, {100, 80, 90, 100}),
      Condition("uniform", 2, {100, 90, 85, 100})};
  RobustnessReport r = AnalyzeRobustness(conditions);
  ASSERT_EQ(r.conditions.size(), 4u);
  EXPECT_NEAR(r.conditions[0].completion, (100 * 6 + 90 + 95) / 800.0, 1e-12);
  EXPECT_EQ(r.conditions[1].terminations, 7);
  ASSERT_EQ(r.comparisons.size(), 2u);
  const ShapeComparison& inverted = r.comparisons[0];
  EXPECT_EQ(inverted.shape, "inverted");
  EXPECT_EQ(inverted.gain, 1);
  // the tests are statistics.h's on the per-episode completions and the 2 x 2 termination table
  std::vector<double> a, b;
  for (const auto& e : conditions[0].episodes) a.push_back(e.steps / 100.0);
  for (const auto& e : conditions[1].episodes) b.push_back(e.steps / 100.0);
  EXPECT_NEAR(inverted.completion.p, WelchTGreater(a, b).p, 1e-15);
  EXPECT_LT(inverted.completion.p, 0.01);
  EXPECT_NEAR(inverted.terminations.p, ChiSquaredRateGreater(7, 8, 2, 8).p, 1e-15);
  EXPECT_LT(inverted.terminations.p, 0.05);
  EXPECT_GT(r.comparisons[1].completion.p, 0.2);  // uniform at gain 2 is no worse

  const std::string path = ::testing::TempDir() + "/robustness.h5";
  ASSERT_TRUE(WriteRobustness(path, conditions, r).ok());
  auto file = H5File::Open(path).value();
  EXPECT_EQ(file->GetStringAttribute("/conditions/1", "shape").value(), "inverted");
  EXPECT_NEAR(file->GetDoubleAttribute("/comparisons/0", "welch_completion_p").value(), inverted.completion.p, 1e-15);
  EXPECT_TRUE(std::filesystem::file_size(::testing::TempDir() + "/robustness.svg") > 1000);
  const std::string svg = RobustnessSvg(r);
  EXPECT_NE(svg.find("gain 1: inverted completes less"), std::string::npos);
  EXPECT_NE(RobustnessJson(r).find("\"chi2_terminations\""), std::string::npos);
}

}  // namespace
}  // namespace mimic::analysis
