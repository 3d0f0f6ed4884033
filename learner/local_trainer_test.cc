// The acting/learning loop on a task small enough to learn in seconds: every algorithm must move
// its deterministic action to the rewarded target, conditioned on the observation.
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

// A chain of `length` positions, observed one-hot, starting at position 1. A positive action steps
// right, any other left. Stepping onto position 0 pays `left_reward` and terminates, onto the last
// position pays 1 and terminates; every other step pays 0. Episodes longer than `time_limit` steps
// are truncated (discount 1), keeping their final observation.
class ChainEnv : public VectorEnv {
 public:
  ChainEnv(int n, int length, float left_reward, int time_limit)
      : n_(n), length_(length), left_reward_(left_reward), time_limit_(time_limit),
        obs_(n * length), final_(n * length), rewards_(n), discounts_(n, 1.f), first_(n, 1), position_(n),
        steps_(n) {}
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
    position_[i] = 1;
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
  std::vector<float> obs_, final_, rewards_, discounts_;
  std::vector<uint8_t> first_;
  std::vector<int> position_, steps_;
};

class LocalTrainerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LocalTrainerTest, LearnsTheObservationConditionedTarget) {
  LearnerConfig config = TinyConfig(GetParam(), "mlp");
  config.mutable_network()->set_proprioception_size(2);
  config.mutable_network()->set_init_action_std(0.3);
  if (config.has_mpo()) config.mutable_mpo()->set_target_update_period(5);
  if (config.has_vmpo()) config.mutable_vmpo()->set_target_update_period(5);
  auto learner = Learner::Create(config, 2, 1).value();
  SignTargetEnv train(16, 1), eval(8, 2);
  LocalTrainingOptions options;
  options.env_steps = GetParam() == "mpo" ? 12000 : 24000;
  options.unroll_length = 5;
  options.batch_size = 16;
  options.samples_per_insert = 8;
  options.min_replay_sequences = 32;
  options.eval_every_steps = options.env_steps;
  options.eval_max_steps = 10;
  options.show_progress = false;
  auto points = TrainLocally(learner.get(), &train, &eval, options);
  ASSERT_TRUE(points.ok()) << points.status();
  ASSERT_GE(points->size(), 2u);
  const double before = points->front().eval.mean_return;
  const double after = points->back().eval.mean_return;
  // Return per episode is 5 at the optimum; an untrained policy (a ≈ 0) earns 5 · 0.75.
  EXPECT_LT(before, 4.0);
  EXPECT_GT(after, 4.85) << "before " << before;
  EXPECT_GT(points->back().updates, 0);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, LocalTrainerTest, ::testing::Values("vtrace", "mpo", "vmpo"));

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

}  // namespace
}  // namespace mimic
