// The acting/learning loop on tasks small enough to learn in seconds: every algorithm must find a
// chain's optimum, which depends on bootstrapping across unrolls and on the discount; and the unroll
// collector's contract (episode boundaries, final observations, the actor's policy reproduced).
#include "learner/local_trainer.h"

#include <random>

#include "gtest/gtest.h"
#include "learner/test_batches.h"

namespace mimic {
namespace {

// Each episode shows a sign s ∈ {−1, +1} for 5 steps; reward 1 − (a − 0.5 s)².
class SignTargetEnv : public VectorEnv {
 public:
  SignTargetEnv(int n, uint64_t seed)
      : n_(n), rng_(seed), obs_(n * 2), final_(n * 2), rewards_(n), discounts_(n, 1.f), first_(n, 1), t_(n, 0) {}
  int num_envs() const override { return n_; }
  int obs_size() const override { return 2; }
  int num_actions() const override { return 1; }
  absl::Status Reset() override {
    for (int i = 0; i < n_; ++i) NewEpisode(i);
    return absl::OkStatus();
  }
  absl::Status Step(absl::Span<const float> actions) override {
    for (int i = 0; i < n_; ++i) {
      const float a = std::clamp(actions[i], -1.f, 1.f);
      const float d = a - 0.5f * obs_[i * 2];
      rewards_[i] = 1.f - d * d;
      first_[i] = 0;
      discounts_[i] = 1.f;
      if (++t_[i] == 5) {  // the episode is over: it terminates
        std::copy_n(&obs_[i * 2], 2, &final_[i * 2]);
        discounts_[i] = 0.f;
        NewEpisode(i);
      }
    }
    return absl::OkStatus();
  }
  const float* observations() const override { return obs_.data(); }
  const float* final_observations() const override { return final_.data(); }
  const float* rewards() const override { return rewards_.data(); }
  const float* discounts() const override { return discounts_.data(); }
  const uint8_t* first() const override { return first_.data(); }

 private:
  void NewEpisode(int i) {
    obs_[i * 2] = std::bernoulli_distribution(0.5)(rng_) ? 1.f : -1.f;
    obs_[i * 2 + 1] = 1.f;
    first_[i] = 1;
    t_[i] = 0;
  }
  int n_;
  std::mt19937_64 rng_;
  std::vector<float> obs_, final_, rewards_, discounts_;
  std::vector<uint8_t> first_;
  std::vector<int> t_;
};

// A chain of `length` positions, observed one-hot, starting at position 1 (or, with `seed` > 0, at a
// uniformly drawn inner position). A positive action steps right, any other left. Stepping onto
// position 0 pays `left_reward` and terminates, onto the last position pays 1 and terminates; every
// other step pays 0. Episodes longer than `time_limit` steps are truncated (discount 1), keeping
// their final observation.
class ChainEnv : public VectorEnv {
 public:
  ChainEnv(int n, int length, float left_reward, int time_limit, uint64_t seed = 0)
      : n_(n), length_(length), left_reward_(left_reward), time_limit_(time_limit), random_starts_(seed > 0),
        rng_(seed), obs_(n * length), final_(n * length), rewards_(n), discounts_(n, 1.f), first_(n, 1),
        position_(n), steps_(n) {}
  int num_envs() const override { return n_; }
  int obs_size() const override { return length_; }
  int num_actions() const override { return 1; }
  absl::Status Reset() override {
    for (int i = 0; i < n_; ++i) Start(i);
    return absl::OkStatus();
  }
  absl::Status Step(absl::Span<const float> actions) override {
    for (int i = 0; i < n_; ++i) {
      position_[i] += actions[i] > 0 ? 1 : -1;
      ++steps_[i];
      first_[i] = 0;
      const bool left = position_[i] == 0, right = position_[i] == length_ - 1;
      rewards_[i] = left ? left_reward_ : right ? 1.f : 0.f;
      discounts_[i] = left || right ? 0.f : 1.f;
      Observe(i, &final_[i * length_]);
      if (left || right || steps_[i] >= time_limit_) {
        Start(i);
      } else {
        Observe(i, &obs_[i * length_]);
      }
    }
    return absl::OkStatus();
  }
  const float* observations() const override { return obs_.data(); }
  const float* final_observations() const override { return final_.data(); }
  const float* rewards() const override { return rewards_.data(); }
  const float* discounts() const override { return discounts_.data(); }
  const uint8_t* first() const override { return first_.data(); }
  int position(int i) const { return position_[i]; }

 private:
  void Start(int i) {
    position_[i] = random_starts_ ? std::uniform_int_distribution<int>(1, length_ - 2)(rng_) : 1;
    steps_[i] = 0;
    first_[i] = 1;
    Observe(i, &obs_[i * length_]);
  }
  void Observe(int i, float* out) const {
    std::fill_n(out, length_, 0.f);
    out[position_[i]] = 1.f;
  }
  int n_, length_;
  float left_reward_;
  int time_limit_;
  bool random_starts_;
  std::mt19937_64 rng_;
  std::vector<float> obs_, final_, rewards_, discounts_;
  std::vector<uint8_t> first_;
  std::vector<int> position_, steps_;
};

// Training on the chain: walking right from position 1 of 8 reaches the end's reward 1 after six
// steps, walking left the other end's 0.6 at once. With γ = 0.99 the far reward is worth
// 0.99^5 ≈ 0.95 > 0.6, with γ = 0.8 only 0.8^5 ≈ 0.33 < 0.6: the optimum depends on the discount.
// Unrolls of 3 steps are shorter than the walk, so the far reward reaches position 1 only through
// bootstrapped values; episodes wandering past 12 steps are truncated. Training episodes start
// anywhere inside the chain (every position gets visited); evaluation starts at position 1.
class LocalTrainerTest : public ::testing::TestWithParam<std::tuple<std::string, double>> {};

TEST_P(LocalTrainerTest, LearnsTheChainsOptimumForItsDiscount) {
  const auto& [algorithm, gamma] = GetParam();
  LearnerConfig config = TinyConfig(algorithm, "mlp");
  config.set_discount(gamma);
  config.mutable_network()->set_proprioception_size(8);
  config.mutable_network()->set_init_action_std(0.5);
  if (config.has_mpo()) config.mutable_mpo()->set_target_update_period(10);
  if (config.has_vmpo()) config.mutable_vmpo()->set_target_update_period(10);
  auto learner = Learner::Create(config, 8, 1).value();
  ChainEnv train(16, 8, 0.6, 12, /*seed=*/1), eval(4, 8, 0.6, 12);
  LocalTrainingOptions options;
  options.env_steps = algorithm == "mpo" ? 15000 : 30000;
  options.unroll_length = 3;
  options.batch_size = 16;
  options.samples_per_insert = 8;
  options.min_replay_sequences = 64;
  options.epochs_per_batch = algorithm == "mpo" ? 1 : 4;
  options.eval_every_steps = options.env_steps;
  options.eval_max_steps = 20;
  options.show_progress = false;
  auto points = TrainLocally(learner.get(), &train, &eval, options);
  ASSERT_TRUE(points.ok()) << points.status();
  const EvaluationResult& last = points->back().eval;
  EXPECT_GT(points->back().updates, 0);
  if (gamma > 0.9) {
    // far end: reward 1 after six steps
    EXPECT_EQ(last.mean_return, 1.0);
    EXPECT_EQ(last.mean_length, 6.0);
  } else {
    // near end: 0.6 at once
    EXPECT_FLOAT_EQ(last.mean_return, 0.6);
    EXPECT_EQ(last.mean_length, 1.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Algorithms, LocalTrainerTest,
                         ::testing::Combine(::testing::Values("vtrace", "mpo", "vmpo"), ::testing::Values(0.99, 0.8)));

TEST(UnrollCollectorTest, BatchesFollowTheUnrollContract) {
  LearnerConfig config = TinyConfig("vtrace");
  config.mutable_network()->set_proprioception_size(2);
  auto learner = Learner::Create(config, 2, 1).value();
  SignTargetEnv env(3, 4);
  PolicyActor actor(learner->networks(), 3, 9);
  UnrollCollector collector(&env, &actor, 4);
  ASSERT_TRUE(collector.Start().ok());
  Batch a = collector.Collect().value();
  Batch b = collector.Collect().value();
  EXPECT_EQ(a.observations.sizes(), (std::vector<int64_t>{5, 3, 2}));
  EXPECT_EQ(a.actions.sizes(), (std::vector<int64_t>{4, 3, 1}));
  // Consecutive unrolls overlap by one observation, and the next starts from the carried state.
  EXPECT_TRUE(torch::equal(a.observations[4], b.observations[0]));
  EXPECT_TRUE(torch::equal(a.latent_noise[4], b.latent_noise[0]));
  EXPECT_TRUE(torch::equal(a.first.slice(0, 0, 1), torch::ones({1, 3})));
  // Episodes are 5 steps: step 5 of the stream (b's row 1) starts new ones.
  EXPECT_TRUE(torch::equal(b.first[1], torch::ones({3})));
  EXPECT_TRUE(ValidateBatch(a, 2, 1, 4, {8, 8}).ok());
  auto returns = collector.TakeFinishedReturns();
  EXPECT_EQ(returns.size(), 3u);
}

TEST(UnrollCollectorTest, TruncatedEpisodesKeepTheirFinalObservationAndTerminatedOnesDoNot) {
  LearnerConfig config = TinyConfig("vtrace", "mlp");
  auto learner = Learner::Create(config, 6, 1).value();
  // Walking right from position 1 of 6 with a time limit of 3 steps reaches position 4 at the
  // limit: every episode is truncated before the end.
  ChainEnv env(1, 6, 0.5, 3);
  PolicyActor actor(learner->networks(), 1, 9, /*deterministic=*/true);
  {
    torch::NoGradGuard no_grad;  // make the policy step right: a large positive action mean
    learner->networks()->policy->named_parameters()["action_head.bias"][0].fill_(5.0);
  }
  UnrollCollector collector(&env, &actor, 8);
  ASSERT_TRUE(collector.Start().ok());
  Batch batch = collector.Collect().value();
  // positions: 1 2 3 4 | 1 2 3 4 | 1 (time limit 3 each time, never reaching the end)
  ASSERT_TRUE(torch::equal(batch.first.select(1, 0), torch::tensor({1.f, 0.f, 0.f, 1.f, 0.f, 0.f, 1.f, 0.f, 0.f})));
  const torch::Tensor truncated = TruncatedSteps(batch);
  ASSERT_TRUE(torch::equal(truncated.select(1, 0), torch::tensor({0.f, 0.f, 1.f, 0.f, 0.f, 1.f, 0.f, 0.f})));
  for (int t : {2, 5}) {
    // the final state (position 4), not the next episode's start (position 1)
    EXPECT_EQ(batch.final_observations[t][0].argmax().item<int64_t>(), 4) << t;
    EXPECT_EQ(batch.final_observations[t][0].sum().item<float>(), 1.f) << t;
    EXPECT_EQ(batch.observations[t + 1][0].argmax().item<int64_t>(), 1) << t;
  }
  EXPECT_EQ(batch.final_observations.abs().sum().item<float>(), 2.f);  // nothing in other rows

  // a terminated episode (left end, discount 0) stores nothing: push left
  ChainEnv left(1, 6, 0.5, 10);
  PolicyActor left_actor(learner->networks(), 1, 9, /*deterministic=*/true);
  {
    torch::NoGradGuard no_grad;
    learner->networks()->policy->named_parameters()["action_head.bias"][0].fill_(-5.0);
  }
  UnrollCollector left_collector(&left, &left_actor, 4);
  ASSERT_TRUE(left_collector.Start().ok());
  Batch terminated = left_collector.Collect().value();
  EXPECT_EQ(terminated.discounts.min().item<float>(), 0.f);
  EXPECT_EQ(TruncatedSteps(terminated).sum().item<float>(), 0.f);
  EXPECT_EQ(terminated.final_observations.abs().sum().item<float>(), 0.f);
}

// Actors and the learner must compute the same policy: from a collected batch (stored initial state,
// stored ε) the learner's unrolled forward pass reproduces the actor's means and log-probabilities,
// across episode boundaries, for both decoders and both latent posteriors.
class ActorLearnerAgreementTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(ActorLearnerAgreementTest, TheLearnerRecomputesTheActorsPolicyFromTheBatch) {
  const auto& [decoder, posterior] = GetParam();
  LearnerConfig config = TinyConfig("vmpo", decoder);
  config.mutable_network()->set_proprioception_size(2);
  config.mutable_network()->set_latent_posterior(posterior);
  auto learner = Learner::Create(config, 2, 1).value();
  SignTargetEnv env(3, 4);  // 5-step episodes: boundaries inside the 8-step unrolls
  PolicyActor actor(learner->networks(), 3, 9);
  UnrollCollector collector(&env, &actor, 8);
  ASSERT_TRUE(collector.Start().ok());
  for (int i = 0; i < 3; ++i) {
    Batch batch = collector.Collect().value();
    torch::NoGradGuard no_grad;
    const int64_t T = batch.unroll_length();
    Networks& nets = learner->networks();
    PolicyOutput out = nets->policy->Forward(nets->normalizer->Normalize(batch.observations.slice(0, 0, T)),
                                             batch.first.slice(0, 0, T), batch.initial_state,
                                             batch.latent_noise.slice(0, 0, T));
    EXPECT_TRUE(torch::allclose(out.action_mean, batch.behaviour_mean, 1e-5, 1e-6)) << "unroll " << i;
    EXPECT_TRUE(torch::allclose(out.action_std, batch.behaviour_std, 1e-5, 1e-6)) << "unroll " << i;
    EXPECT_TRUE(torch::allclose(GaussianLogProb(out.action_mean, out.action_std, batch.actions),
                                batch.behaviour_log_prob, 1e-4, 1e-5))
        << "unroll " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, ActorLearnerAgreementTest,
                         ::testing::Combine(::testing::Values("lstm", "mlp"),
                                            ::testing::Values("autoregressive", "independent")));

}  // namespace
}  // namespace mimic
