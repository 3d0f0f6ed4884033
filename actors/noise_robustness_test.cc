#include "actors/noise_robustness.h"

#include "envs/test_util.h"
#include "gtest/gtest.h"
#include "learner/algorithms.h"
#include "learner/learner.h"

namespace mimic {
namespace {

class NoiseRobustnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EnvConfig config = testing::BundledConfig();
    context_ = EnvContext::Create(config, {testing::RecordedTestClip(config, 30).clip}).value();
    LearnerConfig learner_config;
    NetworkConfig* net = learner_config.mutable_network();
    net->add_encoder_sizes(16);
    net->set_latent_size(4);
    net->set_decoder("mlp");
    net->add_decoder_sizes(16);
    net->add_critic_sizes(8);
    net->set_proprioception_size(context_->spec().observation.proprioception_size());
    learner_config = WithAlgorithm(learner_config, "vmpo").value();
    learner_ = Learner::Create(learner_config, context_->spec().observation.size(), context_->spec().num_actions).value();
  }

  std::shared_ptr<const EnvContext> context_;
  std::unique_ptr<Learner> learner_;
};

TEST_F(NoiseRobustnessTest, RunsEveryConditionAndTheGainControlsTheNoise) {
  RobustnessOptions options;
  options.shapes = {LatentNoiseShape::kStandard, LatentNoiseShape::kInverted};
  options.gains = {0, 30};
  options.episodes_per_clip = 3;
  int64_t reported = 0;
  options.on_progress = [&](int64_t done, int64_t total) {
    reported = done;
    EXPECT_EQ(total, 12);
  };
  auto conditions = RunNoiseRobustness(learner_->networks(), context_, options).value();
  EXPECT_EQ(reported, 12);
  ASSERT_EQ(conditions.size(), 4u);
  EXPECT_EQ(conditions[0].shape, "standard");
  EXPECT_EQ(conditions[0].gain, 0);
  EXPECT_EQ(conditions[3].shape, "inverted");
  EXPECT_EQ(conditions[3].gain, 30);
  for (const auto& c : conditions) {
    ASSERT_EQ(c.episodes.size(), 3u);
    for (const auto& e : c.episodes) {
      EXPECT_EQ(e.clip_steps, 29);
      EXPECT_LE(e.steps, e.clip_steps);
      EXPECT_TRUE(e.terminated || e.steps == e.clip_steps);
    }
  }
  // without latent noise (gain 0) and with the action mean, every repeat is the same episode;
  // a large gain makes the repeats differ
  auto trajectory = [](const analysis::RobustnessEpisode& e) { return std::make_pair(e.steps, e.body_error_mm); };
  EXPECT_EQ(trajectory(conditions[0].episodes[0]), trajectory(conditions[0].episodes[1]));
  EXPECT_EQ(trajectory(conditions[0].episodes[0]), trajectory(conditions[2].episodes[2]));  // shape is moot at gain 0
  const auto& noisy = conditions[1].episodes;
  EXPECT_FALSE(trajectory(noisy[0]) == trajectory(noisy[1]) && trajectory(noisy[1]) == trajectory(noisy[2]));
  // a negative gain is refused
  options.gains = {-1};
  EXPECT_FALSE(RunNoiseRobustness(learner_->networks(), context_, options).ok());
}

}  // namespace
}  // namespace mimic
