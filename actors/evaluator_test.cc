#include "actors/evaluator.h"

#include "actors/task_factory.h"
#include "gtest/gtest.h"
#include "learner/policy_network.h"

namespace mimic {
namespace {

// A small untrained policy on the rodent task over a self-recorded clip, from the clip's start.
class EvaluateTrackingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TaskConfig task;
    task.mutable_env()->set_model_path("data/models/rodent/rodent.xml");
    absl::StatusOr<TaskEnvs> envs = MakeTaskEnvs(task, TaskRole::kEvaluate, 3, 1, /*seed=*/5, /*from_clip_start=*/true);
    ASSERT_TRUE(envs.ok()) << envs.status();
    envs_ = *std::move(envs);
    NetworkConfig network;
    network.add_encoder_sizes(16);
    network.set_decoder("mlp");
    network.add_decoder_sizes(16);
    network.add_critic_sizes(16);
    network.set_latent_size(4);
    networks_ = Networks(WithNetworkDefaults(network, envs_.obs_size), envs_.obs_size, envs_.num_actions,
                         CriticKind::kValue);
    networks_->eval();
  }
  TaskEnvs envs_;
  Networks networks_{nullptr};
};

TEST_F(EvaluateTrackingTest, TracesHoldEachEpisodesStatesFramesAndEnd) {
  std::vector<EpisodeTrace> traces;
  absl::StatusOr<TrackingEvaluation> result = EvaluateTracking(networks_, envs_, 7, /*max_steps=*/40, true, &traces);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(traces.size(), 3u);
  const int nq = envs_.rodent->env(0).physics().model()->nq;
  for (const EpisodeTrace& trace : traces) {
    EXPECT_EQ(trace.length, result->lengths[trace.env]);
    EXPECT_EQ(trace.clip, 0);
    // one state per step but the last when the episode ended (its state is the next episode's)
    const int kept = trace.end.empty() ? trace.length : trace.length - 1;
    ASSERT_EQ(static_cast<int>(trace.frames.size()), kept);
    ASSERT_EQ(trace.qpos.size(), static_cast<size_t>(kept) * nq);
    // from the clip's start, one reference frame per step
    for (int t = 0; t < kept; ++t) EXPECT_EQ(trace.frames[t], t + 1);
    EXPECT_TRUE(trace.end.empty() || trace.end == "too_far" || trace.end == "fell" || trace.end == "bad_orientation" ||
                trace.end == "clip_end")
        << trace.end;
  }
  // the sum of the traces' rewards is the evaluation's return
  double total = 0;
  for (const EpisodeTrace& trace : traces) total += trace.reward_sum;
  EXPECT_NEAR(total / 3, result->mean_return, 1e-6);
}

TEST_F(EvaluateTrackingTest, WithoutTracesNothingIsKept) {
  absl::StatusOr<TrackingEvaluation> result = EvaluateTracking(networks_, envs_, 7, 10);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->episodes, 3);
}

}  // namespace
}  // namespace mimic
