#include "learner/learning_rate_schedule.h"

#include <cmath>

#include "gtest/gtest.h"

namespace mimic {
namespace {

LearningRateDecay Decay(int64_t updates, float start, float final_fraction) {
  LearningRateDecay decay;
  decay.set_updates(updates);
  decay.set_start_fraction(start);
  decay.set_final_fraction(final_fraction);
  return decay;
}

TEST(LearningRateScheduleTest, FullUntilTheStartThenLinearToTheFinalFractionThenHeld) {
  const LearningRateDecay decay = Decay(100, 0.5, 0.1);
  EXPECT_DOUBLE_EQ(LearningRateScale(decay, 0), 1.0);
  EXPECT_DOUBLE_EQ(LearningRateScale(decay, 50), 1.0);
  // halfway through the decaying half: halfway from 1 to 0.1
  EXPECT_NEAR(LearningRateScale(decay, 75), 0.55, 1e-6);
  EXPECT_NEAR(LearningRateScale(decay, 90), 1.0 - 0.8 * 0.9, 1e-6);
  EXPECT_NEAR(LearningRateScale(decay, 100), 0.1, 1e-6);
  EXPECT_NEAR(LearningRateScale(decay, 1000), 0.1, 1e-6);
  // never increases
  for (int64_t step = 1; step <= 120; ++step) {
    EXPECT_LE(LearningRateScale(decay, step), LearningRateScale(decay, step - 1)) << step;
  }
}

TEST(LearningRateScheduleTest, AStartOfZeroDecaysFromTheFirstUpdate) {
  const LearningRateDecay decay = Decay(10, 0, 0);
  EXPECT_DOUBLE_EQ(LearningRateScale(decay, 0), 1.0);
  EXPECT_NEAR(LearningRateScale(decay, 1), 0.9, 1e-9);
  EXPECT_NEAR(LearningRateScale(decay, 5), 0.5, 1e-9);
  EXPECT_DOUBLE_EQ(LearningRateScale(decay, 10), 0.0);
}

TEST(LearningRateScheduleTest, BadDecaysAreRefusedByFieldName) {
  EXPECT_TRUE(CheckLearningRateDecay(Decay(10, 0.5, 0)).ok());
  struct Case {
    LearningRateDecay decay;
    const char* field;
  } cases[] = {
      {Decay(0, 0.5, 0), "updates"},
      {Decay(-5, 0.5, 0), "updates"},
      {Decay(10, 1, 0), "start_fraction"},
      {Decay(10, -0.1f, 0), "start_fraction"},
      {Decay(10, std::nanf(""), 0), "start_fraction"},
      {Decay(10, 0.5, 1.5f), "final_fraction"},
      {Decay(10, 0.5, -1), "final_fraction"},
      {Decay(10, 0.5, std::nanf("")), "final_fraction"},
  };
  for (const Case& c : cases) {
    absl::Status status = CheckLearningRateDecay(c.decay);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.decay.ShortDebugString();
    EXPECT_NE(status.message().find(c.field), std::string::npos) << status;
  }
}

}  // namespace
}  // namespace mimic
