#include "learner/learner_config_check.h"

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace mimic {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// The error for `config` with `change` applied; "" when it is accepted.
std::string ErrorWith(const std::function<void(LearnerConfig&)>& change) {
  LearnerConfig config;
  change(config);
  const absl::Status status = CheckLearnerConfig(config);
  if (!status.ok()) EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  return std::string(status.message());
}

TEST(LearnerConfigCheckTest, TheDefaultsAndTheDiscountsBoundsAreAccepted) {
  EXPECT_EQ(ErrorWith([](LearnerConfig&) {}), "");
  EXPECT_EQ(ErrorWith([](LearnerConfig& c) { c.set_discount(0); }), "");
  EXPECT_EQ(ErrorWith([](LearnerConfig& c) { c.set_discount(1); }), "");
  EXPECT_EQ(ErrorWith([](LearnerConfig& c) { c.set_discount(0.95f); }), "");
  EXPECT_EQ(ErrorWith([](LearnerConfig& c) { c.set_max_grad_norm(kInf); }), "");  // no clipping
}

TEST(LearnerConfigCheckTest, ADiscountOutsideZeroToOneIsRefusedNamingIt) {
  for (float discount : {1.5f, -0.1f, kNaN, kInf}) {
    const std::string error = ErrorWith([&](LearnerConfig& c) { c.set_discount(discount); });
    EXPECT_NE(error.find("learner.discount"), std::string::npos) << discount << ": " << error;
  }
}

TEST(LearnerConfigCheckTest, EachLearningRateMustBeFiniteAndPositive) {
  using Setter = void (LearnerConfig::*)(float);
  const std::pair<const char*, Setter> rates[] = {
      {"learner.policy_learning_rate", &LearnerConfig::set_policy_learning_rate},
      {"learner.critic_learning_rate", &LearnerConfig::set_critic_learning_rate},
      {"learner.dual_learning_rate", &LearnerConfig::set_dual_learning_rate}};
  for (const auto& [field, set] : rates) {
    for (float rate : {0.0f, -1e-4f, kNaN, kInf}) {
      const std::string error = ErrorWith([&](LearnerConfig& c) { (c.*set)(rate); });
      EXPECT_NE(error.find(field), std::string::npos) << field << " = " << rate << ": " << error;
    }
    EXPECT_EQ(ErrorWith([&](LearnerConfig& c) { (c.*set)(3e-4f); }), "") << field;
  }
}

TEST(LearnerConfigCheckTest, AGradientNormThatWouldZeroEveryGradientIsRefused) {
  for (float norm : {0.0f, -1.0f, kNaN}) {
    const std::string error = ErrorWith([&](LearnerConfig& c) { c.set_max_grad_norm(norm); });
    EXPECT_NE(error.find("learner.max_grad_norm"), std::string::npos) << norm << ": " << error;
  }
}

TEST(LearnerConfigCheckTest, ALearningRateDecayIsCheckedToo) {
  const std::string unfilled = ErrorWith([](LearnerConfig& c) { c.mutable_learning_rate_decay(); });
  EXPECT_NE(unfilled.find("learner.learning_rate_decay.updates"), std::string::npos) << unfilled;
  const std::string start = ErrorWith([](LearnerConfig& c) {
    c.mutable_learning_rate_decay()->set_updates(100);
    c.mutable_learning_rate_decay()->set_start_fraction(2);
  });
  EXPECT_NE(start.find("learner.learning_rate_decay.start_fraction"), std::string::npos) << start;
  EXPECT_EQ(ErrorWith([](LearnerConfig& c) { c.mutable_learning_rate_decay()->set_updates(100); }), "");
}

}  // namespace
}  // namespace mimic
