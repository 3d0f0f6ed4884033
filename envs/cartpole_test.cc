#include "envs/cartpole.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace mimic {
namespace {

TEST(CartpoleRewardTest, ToleranceMatchesDmControlDefinitions) {
  EXPECT_DOUBLE_EQ(GaussianTolerance(0.0, 2.0), 1.0);
  EXPECT_NEAR(GaussianTolerance(2.0, 2.0), 0.1, 1e-12);   // value_at_margin
  EXPECT_NEAR(GaussianTolerance(-2.0, 2.0), 0.1, 1e-12);  // symmetric
  EXPECT_DOUBLE_EQ(QuadraticTolerance(0.5, 1.0), 0.75);
  EXPECT_DOUBLE_EQ(QuadraticTolerance(1.5, 1.0), 0.0);
}

TEST(CartpoleRewardTest, UprightCentredStillIsOneAndHangingIsZero) {
  EXPECT_DOUBLE_EQ(CartpoleReward(1.0, 0.0, 0.0, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(CartpoleReward(-1.0, 0.0, 0.0, 0.0), 0.0);
  // Full control costs a fifth; a far cart roughly halves the reward.
  EXPECT_NEAR(CartpoleReward(1.0, 0.0, 1.0, 0.0), 0.8, 1e-12);
  EXPECT_NEAR(CartpoleReward(1.0, 2.0, 0.0, 0.0), 0.55, 1e-12);
}

TEST(CartpoleSwingupTest, StartsHangingAndStaysDownWithoutForce) {
  auto env = CartpoleSwingup::Create(3, 7).value();
  ASSERT_TRUE(env->Reset().ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_LT(env->observations()[i * 5 + 1], -0.99);  // cos(angle) ≈ −1
    EXPECT_EQ(env->first()[i], 1);
  }
  std::vector<float> zero(3, 0.f);
  double total = 0;
  for (int t = 0; t < 200; ++t) {
    ASSERT_TRUE(env->Step(zero).ok());
    for (int i = 0; i < 3; ++i) total += env->rewards()[i];
  }
  EXPECT_LT(total / 3, 1.0);  // a hanging pole earns almost nothing
  EXPECT_LT(env->observations()[1], -0.99);
}

TEST(CartpoleSwingupTest, EpisodesLastTheTimeLimitThenAutoResetKeepingTheFinalObservation) {
  auto env = CartpoleSwingup::Create(2, 1, /*time_limit=*/50).value();
  ASSERT_TRUE(env->Reset().ok());
  std::vector<float> push(2, 1.f);
  float cart_before_end = 0;
  for (int t = 1; t <= 50; ++t) {
    if (t == 50) cart_before_end = env->observations()[0];
    ASSERT_TRUE(env->Step(push).ok());
    EXPECT_EQ(env->first()[0], t == 50 ? 1 : 0) << t;
    EXPECT_GE(env->rewards()[0], 0.f);
    EXPECT_LE(env->rewards()[0], 1.f);
    EXPECT_EQ(env->discounts()[0], 1.f);  // truncated, never terminated
  }
  EXPECT_NEAR(env->observations()[0], 0.0, 0.05);  // reset cart position
  // the truncated episode's last state: the cart pushed on from where it was a step earlier
  EXPECT_GT(cart_before_end, 0.1);
  EXPECT_GT(env->final_observations()[0], cart_before_end);
  EXPECT_NEAR(env->final_observations()[1] * env->final_observations()[1] +
                  env->final_observations()[2] * env->final_observations()[2], 1.0, 1e-5);  // cos² + sin²
}

TEST(CartpoleSwingupTest, PushingMovesTheCartAndBadActionsAreRefused) {
  auto env = CartpoleSwingup::Create(1, 1).value();
  ASSERT_TRUE(env->Reset().ok());
  std::vector<float> push{1.f};
  for (int t = 0; t < 20; ++t) ASSERT_TRUE(env->Step(push).ok());
  EXPECT_GT(env->observations()[0], 0.05);
  EXPECT_GT(env->observations()[3], 0.1);
  std::vector<float> wrong{1.f, 1.f};
  EXPECT_EQ(env->Step(wrong).code(), absl::StatusCode::kInvalidArgument);
  std::vector<float> nan{NAN};
  EXPECT_EQ(env->Step(nan).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mimic
