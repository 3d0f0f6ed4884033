// Value targets on small MDPs whose values are known in closed form, for every algorithm: an
// episode cut by a time limit (truncated) must bootstrap from the value of its true final
// observation, a terminated one must not.
#include <cmath>

#include "gtest/gtest.h"
#include "learner/algorithms.h"
#include "learner/retrace.h"
#include "learner/test_batches.h"
#include "learner/vtrace.h"

namespace mimic {
namespace {

constexpr double kGamma = 0.9;
torch::Tensor Col(std::vector<float> v) { return torch::tensor(v).unsqueeze(1); }  // [T, 1]

// A chain walked to the right, reward 1 per step, terminal on reaching position 6:
// V(s) = (1 − γ^(6−s)) / (1 − γ). Episodes may also end at a time limit (truncation), after which
// the value of the state reached is still V(s).
double ChainValue(int s) { return (1 - std::pow(kGamma, 6 - s)) / (1 - kGamma); }

// One unroll of that chain, T = 6: episode A from s = 3, cut by the time limit after two steps
// (final state 5); episode B from s = 4, terminating at 6 two steps later; episode C from s = 1.
// Positions at rows 0..6: 3 4 | 4 5 | 1 2 3  ('|': a new episode starts, first = 1).
struct ChainUnroll {
  std::vector<int> states = {3, 4, 4, 5, 1, 2, 3};
  std::vector<int> next_states = {4, 5, 5, 6, 2, 3};  // what each transition led to
  torch::Tensor rewards = Col({1, 1, 1, 1, 1, 1});
  torch::Tensor env_discounts = Col({1, 1, 1, 0, 1, 1});   // 0: step 3 terminates
  torch::Tensor continues = Col({1, 0, 1, 0, 1, 1});       // 1 − first[t+1]
  torch::Tensor Values() const {
    std::vector<float> v;
    for (int t = 0; t < 6; ++t) v.push_back(ChainValue(states[t]));
    return Col(v);
  }
  // V of the state each transition led to; the terminal's value is 0 (its discount is 0 anyway).
  torch::Tensor NextValues() const {
    std::vector<float> v;
    for (int t = 0; t < 6; ++t) v.push_back(next_states[t] == 6 ? 0.f : ChainValue(next_states[t]));
    return Col(v);
  }
};

TEST(ChainTargetsTest, WithTheTrueValuesEveryTargetIsTheTrueValue) {
  // With exact values every TD error is 0, so V-trace (any λ, any ratio), n-step and λ-returns
  // reproduce V(x_t) at every step — including the truncated one, which bootstraps from V(5).
  const ChainUnroll chain;
  const torch::Tensor discounts = kGamma * chain.env_discounts;
  const torch::Tensor expected = chain.Values();
  for (double lambda : {1.0, 0.5}) {
    VTraceOptions options;
    options.lambda = lambda;
    VTraceReturns r = ComputeVTrace(torch::log(Col({2, 0.5, 1, 3, 0.2, 1})), discounts, chain.rewards,
                                    chain.Values(), chain.NextValues(), chain.continues, options);
    EXPECT_TRUE(torch::allclose(r.vs, expected, 1e-5, 1e-5)) << "lambda " << lambda << "\n" << r.vs;
    // q estimates are r + γ V(next): the true action values
    EXPECT_TRUE(torch::allclose(r.q_estimates, expected, 1e-5, 1e-5)) << r.q_estimates;
  }
  for (int n : {1, 3, 5}) {
    torch::Tensor y = NStepTargets(chain.rewards, discounts, chain.NextValues(), chain.continues, n);
    EXPECT_TRUE(torch::allclose(y, expected, 1e-5, 1e-5)) << "n " << n << "\n" << y;
  }
  // Retrace: the walk is deterministic, so Q(x_t, a_t) = V(x_t) and E_π Q(x_{t+1}, ·) = V(x_{t+1});
  // every correction term is then 0, whatever the traces
  for (double lambda : {1.0, 0.95, 0.0}) {
    torch::Tensor traces = RetraceCoefficients(torch::log(Col({2, 0.5, 1, 3, 0.2, 1})), lambda);
    torch::Tensor g = RetraceTargets(chain.rewards, discounts, chain.NextValues(), chain.continues, chain.Values(),
                                     traces);
    EXPECT_TRUE(torch::allclose(g, expected, 1e-5, 1e-5)) << "lambda " << lambda << "\n" << g;
  }
}

TEST(RetraceTest, MatchesAHandComputedCase) {
  // r = (1, 2, 3), γ = 0.9, V'_{t+1} = (10, 20, 30), Q(x_t, a_t) = (5, 15, 25); π/μ = (2, 0.5, 1)
  // with λ = 0.9 gives traces c = (0.9, 0.45, 0.9).
  const torch::Tensor traces = RetraceCoefficients(torch::log(Col({2, 0.5, 1})), 0.9);
  EXPECT_TRUE(torch::allclose(traces, Col({0.9f, 0.45f, 0.9f}), 1e-6, 1e-6)) << traces;
  const torch::Tensor r = Col({1, 2, 3}), d = Col({0.9f, 0.9f, 0.9f}), next = Col({10, 20, 30});
  const torch::Tensor q = Col({5, 15, 25});
  torch::Tensor g = RetraceTargets(r, d, next, Col({1, 1, 1}), q, traces);
  // G2 = 3 + 0.9·30 = 30; G1 = 2 + 0.9·(20 + c2·(G2 − Q2)) = 2 + 0.9·(20 + 0.9·5) = 24.05;
  // G0 = 1 + 0.9·(10 + c1·(G1 − Q1)) = 1 + 0.9·(10 + 0.45·9.05) = 13.66525
  EXPECT_NEAR(g[2][0].item<float>(), 30.0, 1e-4);
  EXPECT_NEAR(g[1][0].item<float>(), 24.05, 1e-4);
  EXPECT_NEAR(g[0][0].item<float>(), 13.66525, 1e-4);
  // step 2 starts a new episode: G1 bootstraps from V'_2 alone and the trace stops there
  g = RetraceTargets(r, d, next, Col({1, 0, 1}), q, traces);
  EXPECT_NEAR(g[1][0].item<float>(), 2 + 0.9 * 20, 1e-4);
  EXPECT_NEAR(g[0][0].item<float>(), 1 + 0.9 * (10 + 0.45 * (20 - 15)), 1e-4);
  // a termination at step 1: its reward alone
  g = RetraceTargets(r, Col({0.9f, 0.f, 0.9f}), next, Col({1, 0, 1}), q, traces);
  EXPECT_NEAR(g[1][0].item<float>(), 2.0, 1e-5);
  // an overwhelming ratio is clamped before exp: the trace is λ, never NaN or infinite
  EXPECT_FLOAT_EQ(RetraceCoefficients(Col({1e6f}), 0.9)[0][0].item<float>(), 0.9f);
}

TEST(ChainTargetsTest, ZeroValuesGiveTheDiscountedRewardsUpToEachEpisodesEnd) {
  // With V ≡ 0 the λ = 1 targets are the discounted rewards to the episode's end: the truncated
  // episode A stops adding rewards at its cut (the next episode's rewards are not its own).
  const ChainUnroll chain;
  const torch::Tensor zeros = torch::zeros({6, 1});
  VTraceReturns r = ComputeVTrace(zeros, kGamma * chain.env_discounts, chain.rewards, zeros, zeros,
                                  chain.continues);
  const float g = kGamma;
  EXPECT_TRUE(torch::allclose(r.vs, Col({1 + g, 1, 1 + g, 1, 1 + g, 1}), 1e-6, 1e-6)) << r.vs;
}

// The algorithms' own targets on a batch with a truncated and a terminated episode.
class AlgorithmTargetsTest : public ::testing::TestWithParam<std::string> {
 protected:
  static constexpr int kObs = 4, kActions = 2, kT = 6, kB = 2;

  void SetUp() override {
    config_ = TinyConfig(GetParam() == "mpo_n_step" ? "mpo" : GetParam());
    config_.set_discount(kGamma);
    if (config_.has_vtrace()) config_.mutable_vtrace()->set_lambda(1);
    if (config_.has_mpo()) {
      config_.mutable_mpo()->set_burn_in_steps(0);  // targets for every step (burn-in has its own test)
      config_.mutable_mpo()->set_retrace_lambda(1);
      if (GetParam() == "mpo_n_step") config_.mutable_mpo()->set_critic_targets("n_step");
    }
    torch::manual_seed(5);
    algorithm_ = MakeAlgorithm(config_).value();
    networks_ = Networks(WithNetworkDefaults(config_.network(), kObs), kObs, kActions, algorithm_->critic_kind());
  }

  // Column 0: an endless chain cut by a time limit at step 2 (first[3] = 1, discount 1) with its
  // final observation; column 1: an episode terminating at step 3. Reward 1 everywhere. Behaviour
  // log-probs far below the learner's make every truncated importance ratio and trace 1.
  Batch ChainBatch() {
    Batch b;
    b.observations = torch::randn({kT + 1, kB, kObs});
    b.first = torch::zeros({kT + 1, kB});
    b.first[3][0] = 1;
    b.first[4][1] = 1;
    b.actions = torch::randn({kT, kB, kActions}).clamp(-1, 1);
    b.behaviour_mean = torch::zeros({kT, kB, kActions});
    b.behaviour_std = torch::ones({kT, kB, kActions});
    b.behaviour_log_prob = torch::full({kT, kB}, -1000.0);
    b.rewards = torch::ones({kT, kB});
    b.discounts = torch::ones({kT, kB});
    b.discounts[3][1] = 0;
    b.latent_noise = torch::randn({kT + 1, kB, networks_->policy->latent_size()});
    b.final_observations = torch::zeros({kT, kB, kObs});
    b.final_observations[2][0] = torch::randn({kObs}) + 3;  // unlike the next episode's first observation
    b.initial_state = networks_->policy->InitialState(kB);
    return b;
  }

  torch::Tensor Targets(const Batch& batch) {
    algorithm_->Init(networks_);  // target networks copy the online ones as they are now
    EXPECT_TRUE(ValidateBatch(batch, kObs, kActions, networks_->policy->latent_size(),
                              networks_->policy->lstm_hidden_sizes())
                    .ok());
    at::Generator generator = at::detail::createCPUGenerator(3);
    return algorithm_->Loss(batch, networks_, generator).value_targets;
  }

  // Makes the critic's output independent of the action (MPO's Q) so that its value at a state
  // is known without sampling the policy.
  void IgnoreActionsInQ() {
    if (algorithm_->critic_kind() != CriticKind::kActionValue) return;
    torch::NoGradGuard no_grad;
    torch::Tensor w = networks_->named_parameters()["q.torso.linears.0.weight"];
    w.slice(1, kObs).zero_();
  }

  // The critic's value of a raw observation (the normaliser is still empty: identity).
  double CriticValue(const torch::Tensor& raw) {
    torch::NoGradGuard no_grad;
    const torch::Tensor obs = networks_->normalizer->Normalize(raw.unsqueeze(0));
    if (algorithm_->critic_kind() == CriticKind::kValue) return networks_->value->forward(obs).item<double>();
    return networks_->q->forward(obs, torch::zeros({1, kActions})).item<double>();
  }

  LearnerConfig config_;
  Networks networks_{nullptr};
  std::shared_ptr<Algorithm> algorithm_;
};

TEST_P(AlgorithmTargetsTest, ATruncatedEpisodeBootstrapsFromItsFinalObservation) {
  IgnoreActionsInQ();
  Batch batch = ChainBatch();
  const torch::Tensor targets = Targets(batch);
  ASSERT_EQ(targets.sizes(), (std::vector<int64_t>{kT, kB}));
  // step 2 of column 0 ended its episode by truncation: r + γ V(final observation), nothing from
  // the next episode
  const double expected = 1 + kGamma * CriticValue(batch.final_observations[2][0]);
  EXPECT_NEAR(targets[2][0].item<double>(), expected, 1e-4);
  EXPECT_GT(std::abs(CriticValue(batch.final_observations[2][0]) - CriticValue(batch.observations[3][0])), 1e-3)
      << "the test needs a final observation the critic values unlike the next episode's start";
  // the terminated step: the reward alone
  EXPECT_NEAR(targets[3][1].item<double>(), 1.0, 1e-5);
}

TEST_P(AlgorithmTargetsTest, AConstantCriticOnAChainGivesTheClosedFormValues) {
  // Reward 1 per step and no terminal: the value is 1 / (1 − γ) = 10 at every state, however
  // the time limit cuts the episode. A critic that outputs exactly 10 must get targets of 10
  // everywhere in column 0; column 1 terminates at step 3, so its value n steps before is
  // (1 − γ^(n+1)) / (1 − γ), and its new episode from step 4 is endless again.
  const double value = 1 / (1 - kGamma);
  {
    torch::NoGradGuard no_grad;
    const std::string head = algorithm_->critic_kind() == CriticKind::kValue ? "value.head" : "q.head";
    networks_->named_parameters()[head + ".weight"].zero_();
    networks_->named_parameters()[head + ".bias"].fill_(value);
  }
  if (config_.has_mpo()) config_.mutable_mpo()->set_n_step(kT);
  algorithm_ = MakeAlgorithm(config_).value();
  const torch::Tensor targets = Targets(ChainBatch());
  for (int t = 0; t < kT; ++t) {
    EXPECT_NEAR(targets[t][0].item<double>(), value, 1e-4) << "column 0, step " << t;
  }
  for (int t = 0; t <= 3; ++t) {
    const double closed_form = (1 - std::pow(kGamma, 3 - t + 1)) / (1 - kGamma);
    EXPECT_NEAR(targets[t][1].item<double>(), closed_form, 1e-4) << "column 1, step " << t;
  }
  for (int t = 4; t < kT; ++t) EXPECT_NEAR(targets[t][1].item<double>(), value, 1e-4) << "column 1, step " << t;
}

class MpoTargetsTest : public AlgorithmTargetsTest {};

TEST_P(MpoTargetsTest, RetraceCutsTheTracesWhereTheBehaviourPolicyWasFarMoreLikely) {
  // Behaviour log-probs far above the target policy's make every ratio π/μ ≈ 0, so Retrace's
  // traces vanish and each target is the one-step r_t + γ_t E_π Q(x'_{t+1}, ·) — unlike the
  // uncorrected n-step return, which ignores the behaviour policy.
  IgnoreActionsInQ();
  Batch batch = ChainBatch();
  batch.behaviour_log_prob = torch::full({kT, kB}, 1000.0);
  batch.rewards = torch::rand({kT, kB});
  const torch::Tensor targets = Targets(batch);
  for (int t = 0; t < kT; ++t) {
    for (int b = 0; b < kB; ++b) {
      const bool truncated = t == 2 && b == 0, terminated = t == 3 && b == 1;
      const torch::Tensor next = truncated ? batch.final_observations[t][b] : batch.observations[t + 1][b];
      const double expected = batch.rewards[t][b].item<double>() + (terminated ? 0 : kGamma * CriticValue(next));
      EXPECT_NEAR(targets[t][b].item<double>(), expected, 1e-4) << "step " << t << ", column " << b;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Retrace, MpoTargetsTest, ::testing::Values("mpo"));

INSTANTIATE_TEST_SUITE_P(Algorithms, AlgorithmTargetsTest, ::testing::Values("vtrace", "mpo", "mpo_n_step", "vmpo"));

// MPO's replayed sequences: the first k steps only warm up the recurrent state.
class BurnInTest : public ::testing::Test {
 protected:
  static constexpr int kObs = 4, kActions = 2, kT = 8, kB = 3;

  double Loss(const LearnerConfig& config, const Batch& batch, torch::Tensor* targets = nullptr) {
    torch::manual_seed(11);  // the same networks for every call
    auto algorithm = MakeAlgorithm(config).value();
    Networks networks(WithNetworkDefaults(config.network(), kObs), kObs, kActions, algorithm->critic_kind());
    algorithm->Init(networks);
    at::Generator generator = at::detail::createCPUGenerator(3);
    LossResult result = algorithm->Loss(batch, networks, generator);
    if (targets != nullptr) *targets = result.value_targets;
    return result.loss.item<double>();
  }

  void CheckBurnIn(const LearnerConfig& config, const Batch& batch);

  Batch MakeBatch(const std::string& decoder) {
    torch::manual_seed(11);
    auto learner = Learner::Create(TinyConfig("mpo", decoder), kObs, kActions).value();
    Batch batch = RandomBatch(*learner, kT, kB, kObs, kActions, 4);
    batch.initial_state.h.clear();
    batch.initial_state.c.clear();
    for (int64_t hidden : learner->networks()->policy->lstm_hidden_sizes()) {
      batch.initial_state.h.push_back(torch::randn({kB, hidden}));  // a stored (stale) state
      batch.initial_state.c.push_back(torch::randn({kB, hidden}));
    }
    return batch;
  }
};

TEST_F(BurnInTest, RecurrentPoliciesWarmUpOnTheFirstQuarterWithNoLossOnIt) {
  // recurrent through the LSTM, or through the autoregressive latent with an MLP decoder
  for (const std::string decoder : {"lstm", "mlp"}) {
    SCOPED_TRACE(decoder);
    CheckBurnIn(TinyConfig("mpo", decoder), MakeBatch(decoder));  // burn_in_steps -1: automatic
  }
}

void BurnInTest::CheckBurnIn(const LearnerConfig& config, const Batch& batch) {
  torch::Tensor targets;
  const double loss = Loss(config, batch, &targets);
  // kT / 4 = 2 burn-in steps: no targets there
  EXPECT_TRUE(torch::isnan(targets.slice(0, 0, 2)).all().item<bool>()) << targets;
  EXPECT_TRUE(torch::isfinite(targets.slice(0, 2)).all().item<bool>()) << targets;
  // what happened on the burn-in steps (rewards, actions, behaviour) is not in the loss...
  Batch other = batch;
  other.rewards = batch.rewards.clone();
  other.rewards.slice(0, 0, 2).add_(5);
  other.actions = batch.actions.clone();
  other.actions.slice(0, 0, 2).mul_(-1);
  other.behaviour_log_prob = batch.behaviour_log_prob.clone();
  other.behaviour_log_prob.slice(0, 0, 2).sub_(3);
  EXPECT_EQ(Loss(config, other), loss);
  // ...but the observations there warm up the state the rest starts from
  Batch warmed = batch;
  warmed.observations = batch.observations.clone();
  warmed.observations.slice(0, 0, 2).add_(1);
  EXPECT_NE(Loss(config, warmed), loss);
  // without burn-in the first rewards count
  LearnerConfig none = config;
  none.mutable_mpo()->set_burn_in_steps(0);
  EXPECT_NE(Loss(none, other), Loss(none, batch));
}

TEST_F(BurnInTest, FeedForwardPoliciesHaveNoBurnInByDefault) {
  LearnerConfig config = TinyConfig("mpo", "mlp");
  config.mutable_network()->set_latent_posterior("independent");
  const Batch batch = MakeBatch("mlp");
  torch::Tensor targets;
  const double loss = Loss(config, batch, &targets);
  EXPECT_TRUE(torch::isfinite(targets).all().item<bool>()) << targets;
  Batch other = batch;
  other.rewards = batch.rewards.clone();
  other.rewards[0].add_(5);
  EXPECT_NE(Loss(config, other), loss);
}

TEST(MpoConfigTest, UnknownCriticTargetsAndBadRetraceSettingsAreRefusedByName) {
  LearnerConfig config = TinyConfig("mpo");
  config.mutable_mpo()->set_critic_targets("td_zero");
  EXPECT_NE(MakeAlgorithm(config).status().message().find("td_zero"), std::string::npos);
  config = TinyConfig("mpo");
  config.mutable_mpo()->set_retrace_lambda(1.5);
  EXPECT_NE(MakeAlgorithm(config).status().message().find("retrace_lambda"), std::string::npos);
}

}  // namespace
}  // namespace mimic
