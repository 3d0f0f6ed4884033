#include "actors/clip_evaluation.h"

#include <cmath>

#include "envs/test_util.h"
#include "gtest/gtest.h"
#include "learner/policy_network.h"

namespace mimic {
namespace {

class ClipEvaluationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (uint64_t seed : {1, 2}) {
      recorded_.push_back(new RecordedClip(testing::RecordedTestClip(testing::BundledConfig(), 30, seed)));
    }
  }

  static std::shared_ptr<const EnvContext> Context(bool markers, const EnvConfig& config = testing::BundledConfig()) {
    std::vector<ReferenceClip> clips;
    for (const RecordedClip* r : recorded_) clips.push_back(markers ? testing::WithMarkers(r->clip, config) : r->clip);
    auto context = EnvContext::Create(config, clips);
    EXPECT_TRUE(context.ok()) << context.status();
    return *context;
  }

  // Each row replays its clip's recorded action at the row's frame (rows are clip-major).
  static ActionFn Replay(int episodes_per_clip) {
    return [episodes_per_clip](const std::vector<float>&, const std::vector<float>&, const std::vector<int>& frames,
                               std::vector<float>* actions) {
      for (size_t i = 0; i < frames.size(); ++i) {
        const RecordedClip& r = *recorded_[i / episodes_per_clip];
        const int f = std::min(frames[i], r.clip.num_frames - 2);
        std::copy(r.actions.begin() + f * 38, r.actions.begin() + (f + 1) * 38, actions->begin() + i * 38);
      }
    };
  }

  static std::vector<RecordedClip*> recorded_;
};
std::vector<RecordedClip*> ClipEvaluationTest::recorded_;

TEST_F(ClipEvaluationTest, ReplayingTheRecordingCompletesEveryClipWithZeroKeypointError) {
  auto context = Context(/*markers=*/true);
  ClipEvaluationOptions options;
  options.episodes_per_clip = 2;
  options.threads = 2;
  auto result = EvaluateClipsWith(Replay(2), *context, {5, 9}, {false, true}, options);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->episodes.size(), 4u);
  for (const ClipEpisode& e : result->episodes) {
    EXPECT_EQ(e.horizon, 29);
    EXPECT_EQ(e.steps_before_failure, 29);
    EXPECT_DOUBLE_EQ(e.completion, 1.0);
    EXPECT_EQ(e.resets, 0);
    EXPECT_EQ(e.keypoint_note, "");
    ASSERT_EQ(e.keypoint_errors_mm.size(), 29u * 4);  // every step, every keypoint
    for (float mm : e.keypoint_errors_mm) EXPECT_LT(mm, 1e-3);
    EXPECT_EQ(e.keypoint_errors_mm_by_part.size(), 4u);
    EXPECT_LT(e.body_error_mm, 1e-3);
    EXPECT_LT(e.joint_error_rad, 1e-6);
  }
  EXPECT_EQ(result->episodes[0].clip_id, 5);
  EXPECT_TRUE(result->episodes[3].held_out);
  EXPECT_EQ(result->train.episodes, 2);
  EXPECT_EQ(result->held_out.episodes, 2);
  EXPECT_EQ(result->all.episodes, 4);
  EXPECT_DOUBLE_EQ(result->held_out.completion, 1.0);
  EXPECT_LT(result->train.keypoint_error_median_mm, 1e-3);
  EXPECT_EQ(result->train.keypoint_error_median_mm_by_part.count("arm_L"), 1u);
}

// A policy that does nothing under a tight termination threshold falls early; the clip then goes
// on from the reference, so the errors still cover every step.
TEST_F(ClipEvaluationTest, AFallingPolicyCompletesLessAndIsMeasuredOverTheWholeClip) {
  EnvConfig config = testing::BundledConfig();
  config.set_preset(COMIC);
  config.mutable_comic()->set_termination_error_threshold(0.01);
  auto context = Context(/*markers=*/true, config);
  ActionFn zero = [](const std::vector<float>&, const std::vector<float>&, const std::vector<int>&,
                     std::vector<float>* actions) { std::fill(actions->begin(), actions->end(), 0.f); };
  auto fallen = EvaluateClipsWith(zero, *context, {}, {}, ClipEvaluationOptions{});
  ASSERT_TRUE(fallen.ok()) << fallen.status();
  auto replayed = EvaluateClipsWith(Replay(1), *context, {}, {}, ClipEvaluationOptions{});
  ASSERT_TRUE(replayed.ok());
  for (const ClipEpisode& e : fallen->episodes) {
    EXPECT_LT(e.completion, 1.0) << e.clip;
    EXPECT_GE(e.resets, 1);
    EXPECT_NEAR(e.completion, static_cast<double>(e.steps_before_failure) / 29, 1e-12);
    EXPECT_EQ(e.keypoint_errors_mm.size(), 29u * 4);
    EXPECT_LT(e.first_episode_return / std::max(1, e.steps_before_failure), 1.45);
  }
  EXPECT_GT(fallen->all.keypoint_error_mm, 1.0);
  EXPECT_GT(fallen->all.keypoint_error_mm, 100 * replayed->all.keypoint_error_mm + 0.1);
  // where the error points: a body that does nothing sinks (its keypoints below the real ones);
  // neither part exceeds the whole (per sample |dz| and the horizontal distance are each <= it)
  EXPECT_LT(fallen->all.keypoint_height_bias_mm, -1.0);
  EXPECT_LE(std::fabs(fallen->all.keypoint_height_bias_mm), fallen->all.keypoint_error_mm);
  EXPECT_LE(fallen->all.keypoint_horizontal_error_mm, fallen->all.keypoint_error_mm);
  EXPECT_NEAR(replayed->all.keypoint_height_bias_mm, 0.0, 1e-3);
  EXPECT_NEAR(replayed->all.keypoint_horizontal_error_mm, 0.0, 1e-3);
  // the reward's terms add up to the reward, episode by episode (COMIC: tracking + com + joint
  // velocities + appendages + body quaternions - actuator force)
  for (const PolicyEvaluation* result : {&*fallen, &*replayed}) {
    for (const ClipEpisode& e : result->episodes) {
      ASSERT_EQ(e.reward_terms.size(), 6u);
      double total = 0;
      for (const RewardTermField& term : RewardTermFields(COMIC)) total += term.sign * e.reward_terms.at(term.name);
      EXPECT_NEAR(total, e.reward_per_step, 1e-9) << e.clip;
      EXPECT_GT(e.reward_terms.at("com"), 0.0);
    }
  }
  EXPECT_FALSE(fallen->held_out.episodes);
  EXPECT_TRUE(std::isnan(fallen->held_out.completion));
}

TEST_F(ClipEvaluationTest, ClipsWithoutMarkersSayWhyKeypointErrorsAreMissing) {
  auto context = Context(/*markers=*/false);
  auto result = EvaluateClipsWith(Replay(1), *context, {}, {}, ClipEvaluationOptions{});
  ASSERT_TRUE(result.ok()) << result.status();
  for (const ClipEpisode& e : result->episodes) {
    EXPECT_TRUE(e.keypoint_errors_mm.empty());
    EXPECT_NE(e.keypoint_note.find("no registered keypoints"), std::string::npos) << e.keypoint_note;
  }
  EXPECT_TRUE(std::isnan(result->all.keypoint_error_mm));
  EXPECT_FALSE(result->all.keypoint_note.empty());
  EXPECT_DOUBLE_EQ(result->all.completion, 1.0);  // the rest is still measured
}

TEST_F(ClipEvaluationTest, APolicyIsEvaluatedDeterministicallyOrWithItsOwnNoise) {
  auto context = Context(/*markers=*/true);
  NetworkConfig network;
  network.add_encoder_sizes(32);
  network.set_latent_size(4);
  network.set_decoder("mlp");
  network.add_decoder_sizes(32);
  network.add_critic_sizes(32);
  const int D = context->spec().observation.size();
  Networks networks(WithNetworkDefaults(network, D), D, 38, CriticKind::kValue);
  ClipEvaluationOptions options;
  auto first = EvaluateClips(networks, *context, {}, {}, options);
  auto second = EvaluateClips(networks, *context, {}, {}, options);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok());
  for (size_t i = 0; i < first->episodes.size(); ++i) {
    EXPECT_EQ(first->episodes[i].keypoint_errors_mm, second->episodes[i].keypoint_errors_mm);
    EXPECT_EQ(first->episodes[i].steps_before_failure, second->episodes[i].steps_before_failure);
  }
  options.deterministic = false;
  options.episodes_per_clip = 3;
  auto noisy = EvaluateClips(networks, *context, {}, {}, options);
  ASSERT_TRUE(noisy.ok()) << noisy.status();
  ASSERT_EQ(noisy->episodes.size(), 6u);
  EXPECT_NE(noisy->episodes[0].keypoint_errors_mm, noisy->episodes[1].keypoint_errors_mm);
  EXPECT_NE(noisy->episodes[0].keypoint_errors_mm, first->episodes[0].keypoint_errors_mm);
  options.episodes_per_clip = 0;
  EXPECT_EQ(EvaluateClips(networks, *context, {}, {}, options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MedianTest, IgnoresNonFiniteValuesAndAveragesTheMiddlePair) {
  EXPECT_DOUBLE_EQ(Median({3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Median({NAN, 5, 1}), 3.0);
  EXPECT_TRUE(std::isnan(Median({})));
}

}  // namespace
}  // namespace mimic
