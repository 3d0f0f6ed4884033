#include "envs/start_sampler.h"

#include <cmath>
#include <numeric>

#include "envs/batched_env.h"
#include "envs/test_util.h"
#include "gtest/gtest.h"

namespace mimic {
namespace {

ClipSamplingConfig Adaptive(double floor = 0.1, int segment_frames = 10) {
  ClipSamplingConfig config;
  config.set_floor(floor);
  config.set_segment_frames(segment_frames);
  return config;
}

TEST(StartSamplerTest, WithEqualFailureRatesEveryStartFrameIsEquallyLikely) {
  StartSampler sampler({30, 10}, Adaptive());
  const std::vector<double> clips = sampler.ClipWeights();
  EXPECT_NEAR(clips[0], 0.75, 1e-12);
  EXPECT_NEAR(clips[1], 0.25, 1e-12);
  std::mt19937_64 rng(3);
  std::vector<int> counts(40, 0);
  for (int i = 0; i < 40000; ++i) {
    const auto start = sampler.Sample(rng);
    ASSERT_GE(start.frame, 0);
    ASSERT_LT(start.frame, start.clip == 0 ? 30 : 10);
    ++counts[start.clip == 0 ? start.frame : 30 + start.frame];
  }
  for (int c : counts) EXPECT_NEAR(c, 1000, 5 * std::sqrt(1000.0));  // 5 standard deviations
}

TEST(StartSamplerTest, MoreFailuresGiveMoreWeightAndSuccessesLess) {
  StartSampler sampler({20, 20}, Adaptive(/*floor=*/0.1, /*segment_frames=*/10));
  ASSERT_EQ(sampler.num_segments(), 4);
  std::vector<double> before = sampler.SegmentWeights();
  // segment 0 succeeds, segment 3 keeps failing, the others are not seen
  for (int i = 0; i < 20; ++i) {
    sampler.Record(/*clip=*/0, /*frame=*/3, /*failed=*/false);
    sampler.Record(/*clip=*/1, /*frame=*/15, /*failed=*/true);
    const std::vector<double> after = sampler.SegmentWeights();
    EXPECT_LT(after[0], before[0]) << i;
    EXPECT_GT(after[3], before[3]) << i;
    before = after;
  }
  // a segment that failed more outweighs one that failed less, by the ratio of their rates
  StartSampler mixed({20}, Adaptive(0.1, 10));
  for (int i = 0; i < 40; ++i) {
    mixed.Record(0, 2, /*failed=*/i % 4 == 0);   // fails 1 in 4
    mixed.Record(0, 12, /*failed=*/i % 4 != 0);  // fails 3 in 4
  }
  const std::vector<double> w = mixed.SegmentWeights();
  EXPECT_GT(w[1], 2 * w[0]);
}

TEST(StartSamplerTest, TheFloorKeepsEverySegmentInPlay) {
  const double floor = 0.1;
  StartSampler sampler({10, 10}, Adaptive(floor, 10));
  for (int i = 0; i < 2000; ++i) {
    sampler.Record(0, 0, /*failed=*/false);  // clip 0 never fails
    sampler.Record(1, 0, /*failed=*/true);   // clip 1 always does
  }
  const std::vector<double> clips = sampler.ClipWeights();
  // weights 10 * max(0, floor) and 10 * 1: the easy clip keeps floor / (1 + floor)
  EXPECT_NEAR(clips[0], floor / (1 + floor), 1e-6);
  EXPECT_NEAR(clips[0] + clips[1], 1.0, 1e-12);
  std::mt19937_64 rng(11);
  int easy = 0;
  for (int i = 0; i < 20000; ++i) easy += sampler.Sample(rng).clip == 0;
  const double expected = 20000 * floor / (1 + floor);
  EXPECT_NEAR(easy, expected, 5 * std::sqrt(expected));
}

TEST(StartSamplerTest, TheSameSeedAndEpisodesGiveTheSameStarts) {
  auto run = [](uint64_t seed) {
    StartSampler sampler({25, 40, 7}, Adaptive(0.2, 8));
    std::mt19937_64 rng(seed);
    std::vector<int> starts;
    for (int i = 0; i < 300; ++i) {
      const auto s = sampler.Sample(rng);
      starts.push_back(1000 * s.clip + s.frame);
      sampler.Record(s.clip, s.frame, /*failed=*/(s.frame + s.clip) % 3 == 0);
    }
    return starts;
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5), run(6));
}

TEST(StartSamplerTest, WithoutAdaptationEpisodeEndsChangeNothing) {
  ClipSamplingConfig config = Adaptive();
  config.set_adaptive(false);
  StartSampler sampler({30, 10}, config);
  for (int i = 0; i < 100; ++i) sampler.Record(1, 0, true);
  EXPECT_NEAR(sampler.ClipWeights()[1], 0.25, 1e-12);
}

// Two clips, one of which the environment cannot follow (its reference leaps a metre upwards
// after the first frame): the batch's episodes there terminate at once, and it comes to be
// drawn at 1 / (1 + floor) while the other keeps the floor's share.
TEST(StartSamplerTest, ABatchLearnsWhichClipFailsFromItsOwnEpisodes) {
  const RecordedClip recorded = testing::RecordedTestClip(testing::BundledConfig(), 40);
  ReferenceClip impossible = recorded.clip;
  impossible.name = "impossible";
  for (int t = 1; t < impossible.num_frames; ++t) impossible.qpos[t * impossible.nq + 2] += 1.0;
  EnvConfig config = testing::BundledConfig();
  config.mutable_clip_sampling()->set_floor(0.1);
  config.mutable_clip_sampling()->set_failure_rate_step(0.2);
  auto context = EnvContext::Create(config, {recorded.clip, impossible});
  ASSERT_TRUE(context.ok()) << context.status();
  BatchedEnvOptions options;
  options.num_envs = 8;
  options.num_threads = 2;
  options.seed = 4;
  auto env = BatchedEnv::Create(*context, options);
  ASSERT_TRUE(env.ok()) << env.status();
  ASSERT_TRUE((*env)->Reset().ok());
  // replaying the recorded actions follows the first clip; the second cannot be followed
  for (int t = 0; t < 200; ++t) {
    std::vector<float> actions;
    for (int i = 0; i < 8; ++i) {
      const int frame = (*env)->frames()[i];
      actions.insert(actions.end(), recorded.actions.begin() + frame * 38, recorded.actions.begin() + (frame + 1) * 38);
    }
    ASSERT_TRUE((*env)->Step(actions).ok());
  }
  const std::vector<double> weights = (*env)->start_sampler().ClipWeights();
  EXPECT_GT(weights[1], 0.85);
  EXPECT_GE(weights[0], 0.1 / 1.1 - 1e-9);
}

}  // namespace
}  // namespace mimic
