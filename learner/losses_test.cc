// Each loss against values worked out by hand from its defining equations, on tiny inputs, and
// the directions its gradients push.
#include <cmath>

#include "gtest/gtest.h"
#include "learner/dual.h"
#include "learner/gaussian.h"
#include "learner/mpo_loss.h"
#include "learner/vmpo_loss.h"
#include "learner/vtrace.h"

namespace mimic {
namespace {

torch::Tensor T1(std::vector<float> v) { return torch::tensor(v); }
torch::Tensor Col(std::vector<float> v) { return torch::tensor(v).unsqueeze(1); }  // [T, 1]
// The raw dual parameter whose softplus is `value`.
torch::Tensor RawDual(double value) { return torch::full({1}, std::log(std::expm1(value))); }

TEST(VTraceTest, MatchesTheRecursionByHand) {
  // ρ = (2, 0.5) → clipped (1, 0.5); c = λ·min(1, ρ).
  // values V = (0.5, 1), bootstrap V(x_2) = 2: next-state values (1, 2)
  VTraceReturns r = ComputeVTrace(Col({std::log(2.f), std::log(0.5f)}), Col({0.9f, 0.9f}),
                                  Col({1.f, 2.f}), Col({0.5f, 1.f}), Col({1.f, 2.f}), Col({1.f, 1.f}));
  // δ1 = 0.5(2 + 0.9·2 − 1) = 1.4 → v1 = 2.4; δ0 = 1(1 + 0.9·1 − 0.5) = 1.4,
  // v0 − V0 = 1.4 + 0.9·1·1.4 = 2.66 → v0 = 3.16.
  EXPECT_NEAR(r.vs[1][0].item<float>(), 2.4, 1e-5);
  EXPECT_NEAR(r.vs[0][0].item<float>(), 3.16, 1e-5);
  // pg advantages: ρ̄_t (r_t + γ v_{t+1} − V_t).
  EXPECT_NEAR(r.pg_advantages[0][0].item<float>(), 1 + 0.9 * 2.4 - 0.5, 1e-5);
  EXPECT_NEAR(r.pg_advantages[1][0].item<float>(), 0.5 * (2 + 0.9 * 2 - 1), 1e-5);

  VTraceOptions half_lambda;
  half_lambda.lambda = 0.5;
  VTraceReturns h = ComputeVTrace(Col({std::log(2.f), std::log(0.5f)}), Col({0.9f, 0.9f}),
                                  Col({1.f, 2.f}), Col({0.5f, 1.f}), Col({1.f, 2.f}), Col({1.f, 1.f}), half_lambda);
  EXPECT_NEAR(h.vs[0][0].item<float>(), 0.5 + 1.4 + 0.9 * 0.5 * 1.4, 1e-5);
}

TEST(VTraceTest, OnPolicyWithLambdaOneGivesBootstrappedReturns) {
  VTraceReturns r = ComputeVTrace(Col({0.f, 0.f}), Col({0.9f, 0.9f}), Col({1.f, 2.f}),
                                  Col({0.5f, 1.f}), Col({1.f, 2.f}), Col({1.f, 1.f}));
  EXPECT_NEAR(r.vs[1][0].item<float>(), 2 + 0.9 * 2, 1e-5);
  EXPECT_NEAR(r.vs[0][0].item<float>(), 1 + 0.9 * (2 + 0.9 * 2), 1e-5);
  // A terminal step (discount 0) cuts the bootstrap.
  VTraceReturns t = ComputeVTrace(Col({0.f, 0.f}), Col({0.f, 0.9f}), Col({1.f, 2.f}),
                                  Col({0.5f, 1.f}), Col({1.f, 2.f}), Col({0.f, 1.f}));
  EXPECT_NEAR(t.vs[0][0].item<float>(), 1.0, 1e-6);
}

TEST(ClippedSurrogateTest, ValueByHandAndNoPushBeyondTheClip) {
  // r = 1.5 with A = 2 (clipped to 1.2·2), r = 0.5 with A = −1 (clipped to 0.8·−1), r = 1 with A = 3
  torch::Tensor log_ratio = torch::log(torch::tensor({1.5f, 0.5f, 1.f})).requires_grad_(true);
  torch::Tensor advantages = torch::tensor({2.f, -1.f, 3.f});
  torch::Tensor loss = ClippedSurrogateLoss(log_ratio, advantages, 0.2);
  EXPECT_NEAR(loss.item<float>(), -(1.2 * 2 + 0.8 * -1 + 3) / 3.0, 1e-5);
  loss.backward();
  // beyond the clip in the advantage's direction: no gradient; inside: d/dlogr = −r·A/3
  EXPECT_NEAR(log_ratio.grad()[0].item<float>(), 0, 1e-7);
  EXPECT_NEAR(log_ratio.grad()[1].item<float>(), 0, 1e-7);
  EXPECT_NEAR(log_ratio.grad()[2].item<float>(), -3 / 3.0, 1e-5);
  // a ratio that moved against its advantage is not clipped: the pull back stays
  torch::Tensor against = torch::log(torch::tensor({0.5f})).requires_grad_(true);
  ClippedSurrogateLoss(against, torch::tensor({2.f}), 0.2).backward();
  EXPECT_NEAR(against.grad()[0].item<float>(), -0.5 * 2, 1e-5);
}

TEST(ClippedSurrogateTest, OverwhelmingRatiosAreClampedBeforeExp) {
  // ratios of e^±200 overflow float32; clamped at e^±20 the loss and its gradient stay finite
  torch::Tensor log_ratio = torch::tensor({200.f, -200.f, 0.f}).requires_grad_(true);
  torch::Tensor loss = ClippedSurrogateLoss(log_ratio, torch::tensor({-1.f, 1.f, 1.f}), 0.2);
  EXPECT_TRUE(std::isfinite(loss.item<float>()));
  EXPECT_NEAR(loss.item<float>(), -(-std::exp(20.0) + std::exp(-20.0) + 1) / 3, 1e-2 * std::exp(20.0) / 3);
  loss.backward();
  EXPECT_TRUE(torch::isfinite(log_ratio.grad()).all().item<bool>()) << log_ratio.grad();
  EXPECT_TRUE(torch::isfinite(ClampLogRatio(torch::tensor({1e30f})).exp()).all().item<bool>());
}

TEST(NStepTargetsTest, TruncatesAtTheUnrollEndAndAtTerminals) {
  // V = (10, 20, 30, 40); step 1 terminates, so step 2 starts a new episode
  torch::Tensor y = NStepTargets(Col({1, 2, 3}), Col({0.9f, 0.f, 0.9f}), Col({20, 30, 40}), Col({1, 0, 1}), 2);
  EXPECT_NEAR(y[0][0].item<float>(), 1 + 0.9 * 2, 1e-5);  // the terminal zeroes V_2
  EXPECT_NEAR(y[1][0].item<float>(), 2, 1e-5);
  EXPECT_NEAR(y[2][0].item<float>(), 3 + 0.9 * 40, 1e-4);  // one step left: bootstrap V_3
}

TEST(GaussianTest, KlAndLogProbMatchClosedForms) {
  EXPECT_NEAR(GaussianKlPerDim(T1({0}), T1({1}), T1({0.5}), T1({1})).item<float>(), 0.125, 1e-6);
  EXPECT_NEAR(GaussianKlPerDim(T1({0}), T1({1}), T1({0}), T1({2})).item<float>(),
              std::log(2.0) + 1.0 / 8 - 0.5, 1e-6);
  EXPECT_NEAR(GaussianLogProb(T1({0, 0}), T1({1, 2}), T1({1, 0})).item<float>(),
              -0.5 - std::log(2.0) - std::log(2 * M_PI), 1e-5);
}

TEST(MpoLossTest, EStepWeightsTemperatureLossAndKls) {
  torch::Tensor q = Col({1.f, 3.f});                    // [N=2, S=1]
  torch::Tensor actions = torch::tensor({-1.f, 1.f}).reshape({2, 1, 1});
  torch::Tensor online_mean = torch::full({1, 1}, 0.5, torch::requires_grad());
  torch::Tensor online_std = torch::full({1, 1}, 2.0, torch::requires_grad());
  torch::Tensor log_temperature = RawDual(1.0).requires_grad_();
  torch::Tensor log_alpha_mean = RawDual(1.0).requires_grad_();
  torch::Tensor log_alpha_std = RawDual(1.0).requires_grad_();
  MpoLossOutput out = MpoPolicyLoss(q, actions, torch::zeros({1, 1}), torch::ones({1, 1}),
                                    online_mean, online_std, log_temperature, log_alpha_mean,
                                    log_alpha_std, MpoLossOptions());
  const double z = std::exp(1.0) + std::exp(3.0);
  const double w0 = std::exp(1.0) / z, w1 = std::exp(3.0) / z;
  EXPECT_NEAR(out.weights[0][0].item<float>(), w0, 1e-5);
  EXPECT_NEAR(out.weights[1][0].item<float>(), w1, 1e-5);
  EXPECT_NEAR(out.loss_temperature.item<float>(), 0.1 + std::log(z) - std::log(2.0), 1e-5);
  EXPECT_NEAR(out.kl_nonparametric.item<float>(), w0 * std::log(2 * w0) + w1 * std::log(2 * w1),
              1e-5);
  EXPECT_NEAR(out.kl_mean.item<float>(), 0.125, 1e-6);
  EXPECT_NEAR(out.kl_std.item<float>(), std::log(2.0) + 1.0 / 8 - 0.5, 1e-6);
  // Decoupled M-step: the mean is fitted under the target std (1), the std under the target
  // mean (0).
  const double log_norm = 0.5 * std::log(2 * M_PI);
  const double lp_mean = w0 * (-0.5 * 1.5 * 1.5 - log_norm) + w1 * (-0.5 * 0.5 * 0.5 - log_norm);
  const double lp_std = -(std::log(2.0) + log_norm) - 0.5 * 0.25;  // |a| = 1 under N(0, 2)
  EXPECT_NEAR(out.loss_policy.item<float>(), -lp_mean - lp_std, 1e-5);

  // The weighted likelihood pulls the mean toward the heavily weighted action (+1)...
  torch::Tensor pull = torch::autograd::grad({out.loss_policy}, {online_mean}, {}, true)[0];
  EXPECT_LT(pull.item<float>(), 0);
  // ...while the KL penalty pulls it back toward the target mean (0).
  out.loss.backward();
  EXPECT_GT(online_mean.grad().item<float>(), pull.item<float>());
  // KL(weights‖uniform) = 0.33 > ε = 0.1, so the temperature must rise: dL/dη < 0.
  EXPECT_LT(log_temperature.grad().item<float>(), 0);
  // Both M-step KLs exceed their bounds, so both α rise.
  EXPECT_LT(log_alpha_mean.grad().item<float>(), 0);
  EXPECT_LT(log_alpha_std.grad().item<float>(), 0);
}

TEST(MpoLossTest, TemperatureFallsWhenTheEStepKlIsUnderItsBound) {
  torch::Tensor q = Col({1.f, 1.01f});  // nearly uniform weights: KL ≈ 0 < ε
  torch::Tensor actions = torch::tensor({-1.f, 1.f}).reshape({2, 1, 1});
  torch::Tensor log_temperature = RawDual(1.0).requires_grad_();
  MpoLossOutput out = MpoPolicyLoss(q, actions, torch::zeros({1, 1}), torch::ones({1, 1}),
                                    torch::zeros({1, 1}), torch::ones({1, 1}), log_temperature,
                                    RawDual(1.0), RawDual(1.0), MpoLossOptions());
  out.loss_temperature.backward();
  EXPECT_GT(log_temperature.grad().item<float>(), 0);
}

TEST(VmpoLossTest, SelectsTheTopHalfAndWeightsBySoftmax) {
  torch::Tensor advantages = T1({3, -1, 2, 0});
  torch::Tensor actions = torch::tensor({1.f, -1.f, 1.f, -1.f}).reshape({4, 1});
  torch::Tensor online_mean = torch::zeros({4, 1}, torch::requires_grad());
  torch::Tensor log_temperature = RawDual(1.0).requires_grad_();
  VmpoLossOutput out = VmpoPolicyLoss(advantages, actions, torch::zeros({4, 1}),
                                      torch::ones({4, 1}), online_mean, torch::ones({4, 1}),
                                      log_temperature, RawDual(1.0), RawDual(1.0),
                                      VmpoLossOptions());
  EXPECT_TRUE(torch::equal(out.selected, T1({1, 0, 1, 0})));
  const double z = std::exp(3.0) + std::exp(2.0);
  EXPECT_NEAR(out.weights[0].item<float>(), std::exp(3.0) / z, 1e-5);
  EXPECT_NEAR(out.weights[2].item<float>(), std::exp(2.0) / z, 1e-5);
  EXPECT_EQ(out.weights[1].item<float>(), 0);
  EXPECT_NEAR(out.loss_temperature.item<float>(), 0.1 + std::log(z) - std::log(2.0), 1e-5);
  out.loss.backward();
  // Only kept samples pull the policy: their actions are +1, the dropped ones −1.
  EXPECT_LT(online_mean.grad()[0].item<float>(), 0);
  EXPECT_LT(online_mean.grad()[2].item<float>(), 0);
  EXPECT_NEAR(online_mean.grad()[1].item<float>(), 0, 1e-7);
}

TEST(DualTest, SoftplusKeepsMultipliersPositive) {
  // however far the raw parameter is pushed down, the multiplier keeps its floor, and it rises
  // with the parameter where softplus is resolvable in float
  EXPECT_GE(DualValue(torch::full({1}, -1000.0)).item<float>(), 1e-8f);
  EXPECT_LT(DualValue(torch::full({1}, -20.0)).item<float>(), DualValue(torch::full({1}, -10.0)).item<float>());
  EXPECT_NEAR(DualValue(RawDual(2.5)).item<float>(), 2.5, 1e-5);
}

}  // namespace
}  // namespace mimic
