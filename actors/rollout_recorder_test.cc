#include "actors/rollout_recorder.h"

#include <filesystem>

#include "common/h5_file.h"
#include "envs/imitation_task.h"
#include "envs/test_util.h"
#include "envs/model_keypoints.h"
#include "gtest/gtest.h"
#include "learner/algorithms.h"
#include "learner/learner.h"

namespace mimic {
namespace {

class RolloutRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EnvConfig config = testing::BundledConfig();
    clip_ = testing::RecordedTestClip(config, 40).clip;
    context_ = EnvContext::Create(config, {clip_}).value();
    LearnerConfig learner_config;
    NetworkConfig* net = learner_config.mutable_network();
    net->add_encoder_sizes(16);
    net->set_latent_size(4);
    net->add_decoder_sizes(8);
    net->add_decoder_sizes(8);
    net->add_critic_sizes(8);
    net->set_proprioception_size(context_->spec().observation.proprioception_size());
    learner_config = WithAlgorithm(learner_config, "vmpo").value();
    learner_ = Learner::Create(learner_config, context_->spec().observation.size(),
                               context_->spec().num_actions)
                   .value();
    path_ = (std::filesystem::path(::testing::TempDir()) / "rollouts.h5").string();
  }

  ReferenceClip clip_;
  std::shared_ptr<const EnvContext> context_;
  std::unique_ptr<Learner> learner_;
  std::string path_;
};

TEST_F(RolloutRecorderTest, WritesTheContractForEveryStepOfTheClip) {
  RolloutOptions options;
  options.latent_samples = 3;
  options.checkpoint = "test";
  auto summary = RecordRollouts(learner_->networks(), context_, options, path_);
  ASSERT_TRUE(summary.ok()) << summary.status();
  auto file = H5File::Open(path_).value();
  EXPECT_EQ(file->GetStringAttribute("/", "format").value(), "mimic.rollouts");
  EXPECT_EQ(file->ReadStrings("/layer_names").value(), learner_->networks()->policy->LayerNames());

  const std::string g = "/clips/" + clip_.name;
  const int64_t T = file->Shape(g + "/qpos").value()[0];
  EXPECT_EQ(T, summary->steps);
  // Whole clip: one step from every frame to the next, to the last frame.
  EXPECT_EQ(T, clip_.num_frames - 1);
  const int nq = context_->model()->nq;
  EXPECT_EQ(file->Shape(g + "/qpos").value(), (std::vector<int64_t>{T, nq}));
  EXPECT_EQ(file->Shape(g + "/action").value(), (std::vector<int64_t>{T, 38}));
  EXPECT_EQ(file->Shape(g + "/latent_sample").value(), (std::vector<int64_t>{T, 4}));
  EXPECT_EQ(file->Shape(g + "/layers/encoder/0").value(), (std::vector<int64_t>{T, 16}));
  EXPECT_EQ(file->Shape(g + "/layers/decoder/lstm1/c").value(), (std::vector<int64_t>{T, 8}));
  EXPECT_EQ(file->Shape(g + "/resampled/action_mean").value(), (std::vector<int64_t>{T, 3, 38}));
  EXPECT_EQ(file->Shape(g + "/value").value(), (std::vector<int64_t>{T}));

  // The first step starts on the reference; after every termination the body is put back on it.
  auto qpos = file->ReadDoubles(g + "/qpos").value();
  auto frames = file->ReadInts(g + "/frame").value();
  auto ends = file->ReadInts(g + "/termination").value();
  auto time = file->ReadDoubles(g + "/time").value();
  for (int q = 0; q < nq; ++q) EXPECT_NEAR(qpos.values[q], clip_.qpos_at(0)[q], 1e-9);
  int resets = 0;
  for (int64_t t = 0; t + 1 < T; ++t) {
    EXPECT_NEAR(time.values[t], frames.values[t] / clip_.frame_rate, 1e-12);
    if (!ends.values[t]) {
      EXPECT_EQ(frames.values[t + 1], frames.values[t] + 1);
      continue;
    }
    ++resets;
    for (int q = 0; q < nq; ++q) {
      EXPECT_NEAR(qpos.values[(t + 1) * nq + q], clip_.qpos_at(frames.values[t + 1])[q], 1e-9);
    }
  }
  EXPECT_EQ(resets, summary->terminations);
  // why each step ended: a termination code where `termination` is set, clip_end on the last step
  auto reasons = file->ReadInts(g + "/episode_end").value();
  ASSERT_EQ(static_cast<int64_t>(reasons.values.size()), T);
  for (int64_t t = 0; t + 1 < T; ++t) {
    EXPECT_EQ(IsTermination(static_cast<EpisodeEnd>(reasons.values[t])), ends.values[t] != 0) << "step " << t;
  }
  EXPECT_EQ(reasons.values[T - 1], static_cast<int32_t>(EpisodeEnd::kClipEnd));
  // Resampled action means differ across draws (the latent noise reaches the actions).
  auto draws = file->ReadFloats(g + "/resampled/action_mean").value();
  EXPECT_NE(draws.values[0], draws.values[38]);
}

TEST_F(RolloutRecorderTest, RecordsTheModelKeypointsBesideTheRealOnes) {
  const ReferenceClip marked = testing::WithMarkers(clip_, testing::BundledConfig());
  auto context = EnvContext::Create(testing::BundledConfig(), {marked}).value();
  ASSERT_TRUE(RecordRollouts(learner_->networks(), context, RolloutOptions(), path_).ok());
  auto file = H5File::Open(path_).value();
  const std::string g = "/clips/" + marked.name;
  const int64_t T = file->Shape(g + "/qpos").value()[0];
  EXPECT_EQ(file->Shape(g + "/model_keypoints").value(), (std::vector<int64_t>{T, 4, 3}));
  EXPECT_EQ(file->ReadStrings(g + "/keypoint_names").value(), marked.keypoint_names);
  auto model = file->ReadDoubles(g + "/model_keypoints").value().values;
  auto real = file->ReadDoubles(g + "/real_keypoints").value().values;
  auto frames = file->ReadInts(g + "/frame").value().values;
  auto qpos = file->ReadDoubles(g + "/qpos").value().values;
  // the real keypoints are the clip's at each row's frame; the model's are the markers placed on
  // each row's recorded pose (on the reference at the first row, so both agree there)
  const mjModel* m = context->model();
  DataPtr d(mj_makeData(m));
  double differs = 0;
  for (int64_t t = 0; t < T; ++t) {
    for (int i = 0; i < 12; ++i) EXPECT_EQ(real[t * 12 + i], marked.keypoints_at(frames[t])[i]);
    std::copy(qpos.begin() + t * m->nq, qpos.begin() + (t + 1) * m->nq, d->qpos);
    mj_kinematics(m, d.get());
    std::vector<double> expected(12);
    ModelKeypoints(d.get(), context->library().clip(0), expected.data());
    for (int i = 0; i < 12; ++i) EXPECT_NEAR(model[t * 12 + i], expected[i], 1e-12);
    for (int i = 0; i < 12; ++i) differs = std::max(differs, std::abs(model[t * 12 + i] - real[t * 12 + i]));
  }
  for (int i = 0; i < 12; ++i) EXPECT_NEAR(model[i], real[i], 1e-12);
  EXPECT_GT(differs, 1e-4);  // an untrained policy does not follow the recording
  // clips without markers get no keypoint datasets
  ASSERT_TRUE(RecordRollouts(learner_->networks(), context_, RolloutOptions(), path_).ok());
  EXPECT_FALSE(H5File::Open(path_).value()->Exists("/clips/" + clip_.name + "/model_keypoints"));
}

TEST_F(RolloutRecorderTest, RefusesAPolicyOfTheWrongSize) {
  LearnerConfig config;
  config.mutable_network()->add_encoder_sizes(8);
  config.mutable_network()->set_decoder("mlp");
  config.mutable_network()->add_decoder_sizes(8);
  config.mutable_network()->add_critic_sizes(8);
  auto other = Learner::Create(WithAlgorithm(config, "vtrace").value(), 10, 38).value();
  // a path no other test writes: the refused policy must leave nothing there
  const std::string path = path_ + ".refused.h5";
  std::filesystem::remove(path);
  auto summary = RecordRollouts(other->networks(), context_, RolloutOptions(), path);
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace mimic
