#include "envs/batched_env.h"

#include <cmath>
#include <random>

#include "envs/test_util.h"
#include "gtest/gtest.h"

namespace mimic {
namespace {

class BatchedEnvTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const EnvConfig config = testing::BundledConfig();
    auto context = EnvContext::Create(
        config, {testing::RecordedTestClip(config, 40, 1).clip, testing::RecordedTestClip(config, 30, 2).clip});
    if (!context.ok()) std::abort();
    context_ = new std::shared_ptr<const EnvContext>(*context);
  }

  static std::unique_ptr<BatchedEnv> Make(int envs, int threads, bool async = false, int batch = 0) {
    BatchedEnvOptions options;
    options.num_envs = envs;
    options.num_threads = threads;
    options.seed = 42;
    options.async = async;
    options.batch_size = batch;
    auto b = BatchedEnv::Create(*context_, options);
    EXPECT_TRUE(b.ok()) << b.status();
    return *std::move(b);
  }

  // Deterministic random actions for step t of env i: large enough to end episodes.
  static std::vector<float> Actions(int t, int first_env, int count) {
    std::vector<float> a;
    for (int i = first_env; i < first_env + count; ++i) {
      std::mt19937 rng(1000 * t + i);
      std::uniform_real_distribution<float> u(-1.f, 1.f);
      for (int k = 0; k < 38; ++k) a.push_back(u(rng));
    }
    return a;
  }

  // Everything a synchronous run produces, step by step.
  static std::vector<float> RunSync(int envs, int threads, int steps, int* episodes_ended) {
    auto b = Make(envs, threads);
    EXPECT_TRUE(b->Reset().ok());
    std::vector<float> trace;
    *episodes_ended = 0;
    for (int t = 0; t < steps; ++t) {
      EXPECT_TRUE(b->Step(Actions(t, 0, envs)).ok());
      trace.insert(trace.end(), b->observations(), b->observations() + envs * b->obs_size());
      trace.insert(trace.end(), b->rewards(), b->rewards() + envs);
      for (int i = 0; i < envs; ++i) *episodes_ended += b->episode_end()[i] != 0;
    }
    return trace;
  }

  static std::shared_ptr<const EnvContext>* context_;
};
std::shared_ptr<const EnvContext>* BatchedEnvTest::context_ = nullptr;

TEST_F(BatchedEnvTest, SameSeedGivesTheSameTrajectoryWithAnyThreadCount) {
  int ended1 = 0, ended2 = 0, ended3 = 0;
  const auto one = RunSync(5, 1, 60, &ended1);
  const auto two = RunSync(5, 2, 60, &ended2);
  const auto three = RunSync(5, 3, 60, &ended3);
  EXPECT_GT(ended1, 0) << "the run should cross episode boundaries";
  EXPECT_EQ(ended1, ended2);
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, three);
}

TEST_F(BatchedEnvTest, AutoResetKeepsTheFinalObservationAndStartsANewEpisode) {
  auto b = Make(3, 2);
  ASSERT_TRUE(b->Reset().ok());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b->first()[i], 1);
  bool saw_end = false;
  for (int t = 0; t < 80 && !saw_end; ++t) {
    ASSERT_TRUE(b->Step(Actions(t, 0, 3)).ok());
    for (int i = 0; i < 3; ++i) {
      if (b->episode_end()[i] == 0) {
        EXPECT_EQ(b->first()[i], 0);
        continue;
      }
      saw_end = true;
      const EpisodeEnd end = static_cast<EpisodeEnd>(b->episode_end()[i]);
      EXPECT_EQ(b->discounts()[i], IsTermination(end) ? 0.f : 1.f);
      EXPECT_EQ(b->first()[i], 1);
      // the new episode's observation describes the env's new state
      const float* obs = b->observations() + i * b->obs_size();
      const float* fin = b->final_observations() + i * b->obs_size();
      EXPECT_FLOAT_EQ(obs[0], static_cast<float>(b->env(i).physics().data()->qpos[7]));
      EXPECT_EQ(b->env(i).episode_steps(), 0);
      bool differs = false;
      for (int k = 0; k < b->obs_size(); ++k) differs |= obs[k] != fin[k];
      EXPECT_TRUE(differs);
    }
  }
  EXPECT_TRUE(saw_end);
}

TEST_F(BatchedEnvTest, AsyncModeMatchesSyncModeForTheSameActions) {
  const int n = 4, steps = 25;
  auto sync = Make(n, 2);
  ASSERT_TRUE(sync->Reset().ok());
  auto async = Make(n, 2, /*async=*/true, /*batch=*/1);
  ASSERT_TRUE(async->AsyncReset().ok());
  // each env advances independently in async mode; track per-env step counts
  std::vector<int> step_of(n, 0);
  std::vector<std::vector<float>> async_obs(n);
  int received = 0;
  while (received < n * (steps + 1)) {
    auto ids = async->Recv();
    ASSERT_TRUE(ids.ok()) << ids.status();
    ASSERT_EQ(ids->size(), 1u);
    received += 1;
    std::vector<int> send;
    std::vector<float> actions;
    for (int i : *ids) {
      if (step_of[i] == steps) {
        async_obs[i].assign(async->observations() + i * async->obs_size(),
                            async->observations() + (i + 1) * async->obs_size());
        continue;
      }
      auto a = Actions(step_of[i], i, 1);
      actions.insert(actions.end(), a.begin(), a.end());
      send.push_back(i);
      ++step_of[i];
    }
    if (!send.empty()) {
      ASSERT_TRUE(async->Send(actions, send).ok());
    }
  }
  for (int t = 0; t < steps; ++t) ASSERT_TRUE(sync->Step(Actions(t, 0, n)).ok());
  for (int i = 0; i < n; ++i) {
    std::vector<float> expected(sync->observations() + i * sync->obs_size(),
                                sync->observations() + (i + 1) * sync->obs_size());
    EXPECT_EQ(async_obs[i], expected) << "env " << i;
  }
}

TEST_F(BatchedEnvTest, BadActionsLeaveEveryEnvironmentUntouched) {
  auto b = Make(3, 2);
  ASSERT_TRUE(b->Reset().ok());
  std::vector<float> before(b->observations(), b->observations() + 3 * b->obs_size());
  auto actions = Actions(0, 0, 3);
  actions[2 * 38 + 5] = std::nanf("");
  absl::Status s = b->Step(actions);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("row 2"), std::string::npos) << s;
  EXPECT_EQ(b->Step(Actions(0, 0, 2)).code(), absl::StatusCode::kInvalidArgument);
  std::vector<float> after(b->observations(), b->observations() + 3 * b->obs_size());
  EXPECT_EQ(before, after);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b->env(i).episode_steps(), 0);
}

TEST_F(BatchedEnvTest, AsyncMisuseIsRefused) {
  auto b = Make(2, 1, /*async=*/true, /*batch=*/1);
  ASSERT_TRUE(b->AsyncReset().ok());
  auto ids = b->Recv();
  ASSERT_TRUE(ids.ok());
  // the other env is still in flight (or ready but not received): sending it is refused
  const int other = 1 - (*ids)[0];
  EXPECT_EQ(b->Send(Actions(0, 0, 1), {other}).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(b->Send(Actions(0, 0, 1), {7}).code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(b->Step(Actions(0, 0, 2)).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(BatchedEnvOptionsTest, ValidateRejectsNonsense) {
  BatchedEnvOptions o;
  o.num_envs = 0;
  EXPECT_FALSE(o.Validate().ok());
  o.num_envs = 2;
  o.batch_size = 3;
  EXPECT_FALSE(o.Validate().ok());
  o.batch_size = 2;
  EXPECT_TRUE(o.Validate().ok());
}

}  // namespace
}  // namespace mimic
