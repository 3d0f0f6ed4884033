// The task presets: COMIC's reward and termination error against closed forms, and the body
// orientations it adds to the reference window.
#include "envs/imitation_task.h"

#include <cmath>

#include "envs/env_context.h"
#include "envs/test_util.h"
#include "gtest/gtest.h"

namespace mimic {
namespace {

class ImitationTaskTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    recorded_ = new RecordedClip(testing::RecordedTestClip(testing::BundledConfig(), 30));
  }

  // A clip that holds frame 0 of the recording, at rest, for every frame.
  static ReferenceClip StaticClip() {
    ReferenceClip c = recorded_->clip;
    for (int t = 1; t < c.num_frames; ++t) {
      std::copy(c.qpos_at(0), c.qpos_at(0) + c.nq, c.qpos.begin() + t * c.nq);
      std::copy(c.xpos_at(0), c.xpos_at(0) + 3 * c.nbody, c.xpos.begin() + t * 3 * c.nbody);
      std::copy(c.xquat.begin(), c.xquat.begin() + 4 * c.nbody, c.xquat.begin() + t * 4 * c.nbody);
    }
    std::fill(c.qvel.begin(), c.qvel.end(), 0.0);
    return c;
  }

  static std::shared_ptr<const EnvContext> Context(const EnvConfig& config) {
    auto context = EnvContext::Create(config, {StaticClip()});
    EXPECT_TRUE(context.ok()) << context.status();
    return *context;
  }

  static EnvConfig Comic() {
    EnvConfig config = testing::BundledConfig();
    config.set_preset(COMIC);
    return config;
  }

  // mjData at the static clip's pose with `qpos` edited by `edit`, at rest, no activation.
  static DataPtr PoseData(const EnvContext& context, const std::function<void(double*)>& edit) {
    DataPtr d(mj_makeData(context.model()));
    const ReferenceClip& clip = context.library().clip(0).clip;
    std::copy(clip.qpos_at(0), clip.qpos_at(0) + clip.nq, d->qpos);
    edit(d->qpos);
    mj_forward(context.model(), d.get());
    return d;
  }

  static RecordedClip* recorded_;
};
RecordedClip* ImitationTaskTest::recorded_ = nullptr;

TEST_F(ImitationTaskTest, ComicRewardIsMaximalAtTheReferencePose) {
  auto context = Context(Comic());
  DataPtr d = PoseData(*context, [](double*) {});
  std::vector<double> ctrl(context->model()->nu, 0.0);
  const RewardTerms r = context->task().ComputeReward(d.get(), context->library().clip(0), 3, ctrl.data());
  EXPECT_NEAR(r.termination_error, 0.0, 1e-12);
  EXPECT_NEAR(r.tracking, 0.5, 1e-12);
  EXPECT_NEAR(r.com, 0.5 * 0.1, 1e-12);
  EXPECT_NEAR(r.joint_velocities, 0.5 * 1.0, 1e-12);
  EXPECT_NEAR(r.appendages, 0.5 * 0.15, 1e-12);
  EXPECT_NEAR(r.body_quats, 0.5 * 0.65, 1e-9);
  double force_sq = 0;
  for (int i = 0; i < context->model()->nu; ++i) force_sq += d->actuator_force[i] * d->actuator_force[i];
  EXPECT_NEAR(r.actuator_force, 0.015 * force_sq / context->model()->nu, 1e-12);
  EXPECT_NEAR(r.total, 0.5 + 0.5 * 1.9 - r.actuator_force, 1e-9);
  EXPECT_EQ(context->task().CheckTermination(r), EpisodeEnd::kNone);
}

// Translating the whole body by dx moves every tracked body by dx along x and nothing else:
// E = 0.5 * 10 * dx / 3 (mean absolute coordinate error), the centre of mass is dx away, and the
// root-relative and orientation terms are untouched.
TEST_F(ImitationTaskTest, ComicTerminationErrorOfATranslatedBodyFollowsItsClosedForm) {
  auto context = Context(Comic());
  std::vector<double> ctrl(context->model()->nu, 0.0);
  for (double dx : {0.03, 0.06, 0.2}) {
    DataPtr d = PoseData(*context, [dx](double* qpos) { qpos[0] += dx; });
    const RewardTerms r = context->task().ComputeReward(d.get(), context->library().clip(0), 0, ctrl.data());
    const double expected_error = 0.5 * 10 * dx / 3;
    EXPECT_NEAR(r.termination_error, expected_error, 1e-9) << dx;
    EXPECT_NEAR(r.tracking, 0.5 * (1 - expected_error / 0.25), 1e-9) << dx;
    EXPECT_NEAR(r.com_distance, dx, 1e-9);
    EXPECT_NEAR(r.com, 0.05 * std::exp(-10 * dx * dx), 1e-9);
    EXPECT_NEAR(r.appendages, 0.075, 1e-9);
    EXPECT_NEAR(r.body_quats, 0.325, 1e-9);
    EXPECT_EQ(context->task().CheckTermination(r),
              expected_error > 0.25 ? EpisodeEnd::kTrackingError : EpisodeEnd::kNone) << dx;
  }
}

// Bending every joint by delta: the joint half of E is 0.5 * delta.
TEST_F(ImitationTaskTest, ComicTerminationErrorCountsTheMeanJointError) {
  auto context = Context(Comic());
  std::vector<double> ctrl(context->model()->nu, 0.0);
  const double delta = 0.02;
  DataPtr d = PoseData(*context, [&](double* qpos) {
    for (int i = 7; i < context->model()->nq; ++i) qpos[i] += delta;
  });
  const RewardTerms r = context->task().ComputeReward(d.get(), context->library().clip(0), 0, ctrl.data());
  EXPECT_NEAR(r.mean_joint_error, delta, 1e-12);
  // the body half is whatever the bend moved the bodies by: compare with the tracked positions
  const ClipFeatures& f = context->library().clip(0);
  double body_abs = 0;
  const auto& tracked = context->task().bodies().tracked;
  for (size_t i = 0; i < tracked.size(); ++i) {
    for (int k = 0; k < 3; ++k) body_abs += std::abs(d->xpos[3 * tracked[i] + k] - f.body_pos[3 * i + k]);
  }
  EXPECT_GT(body_abs, 0);
  EXPECT_NEAR(r.termination_error, 0.5 * 10 * body_abs / (3 * tracked.size()) + 0.5 * delta, 1e-9);
  EXPECT_LT(r.body_quats, 0.325);
}

TEST_F(ImitationTaskTest, TrackMjxIgnoresTheComicTermsAndThreshold) {
  auto context = Context(testing::BundledConfig());
  DataPtr d = PoseData(*context, [](double* qpos) { qpos[0] += 0.05; });
  std::vector<double> ctrl(context->model()->nu, 0.0);
  const RewardTerms r = context->task().ComputeReward(d.get(), context->library().clip(0), 0, ctrl.data());
  EXPECT_EQ(r.tracking, 0.0);
  EXPECT_EQ(r.termination_error, 0.0);
  EXPECT_NEAR(r.com, std::exp(-400 * 0.05 * 0.05), 1e-9);
  EXPECT_EQ(context->task().CheckTermination(r), EpisodeEnd::kNone);  // 5 cm < max_com_distance
}

TEST_F(ImitationTaskTest, ComicObservesEveryTrackedBodysRelativeOrientation) {
  auto track_mjx = Context(testing::BundledConfig());
  EXPECT_FALSE(track_mjx->spec().observation.Find("ref/0/body_quat").ok());
  EnvConfig with_quats = testing::BundledConfig();
  with_quats.set_observe_body_quaternions(true);
  EXPECT_TRUE(Context(with_quats)->spec().observation.Find("ref/4/body_quat").ok());

  auto context = Context(Comic());
  const EnvSpec& spec = context->spec();
  const int tracked = static_cast<int>(context->task().bodies().tracked.size());
  ASSERT_EQ(tracked, 18);
  EXPECT_EQ(spec.observation.size(), track_mjx->spec().observation.size() + 5 * 4 * tracked);
  // turn the whole body by theta about the vertical: every body's reference orientation is then
  // theta away from its current one
  const double theta = 0.4;
  DataPtr d = PoseData(*context, [theta](double* qpos) {
    const double turn[4] = {std::cos(theta / 2), 0, 0, std::sin(theta / 2)};
    double q[4];
    mju_mulQuat(q, turn, qpos + 3);
    std::copy(q, q + 4, qpos + 3);
  });
  std::vector<float> obs(spec.observation.size());
  context->task().WriteObservation(d.get(), context->library().clip(0), 0, obs.data());
  // the reward sees the same turn: each body is theta (bounded distance theta / 2) from its
  // reference, while root-relative appendages do not move
  std::vector<double> ctrl(context->model()->nu, 0.0);
  const RewardTerms r = context->task().ComputeReward(d.get(), context->library().clip(0), 0, ctrl.data());
  EXPECT_NEAR(r.body_quats, 0.325 * std::exp(-2 * tracked * (theta / 2) * (theta / 2)), 1e-6);
  EXPECT_NEAR(r.appendages, 0.075, 1e-9);
  for (int k = 0; k < 5; ++k) {
    auto slice = spec.observation.Find("ref/" + std::to_string(k) + "/body_quat");
    ASSERT_TRUE(slice.ok());
    ASSERT_EQ(slice->size, 4 * tracked);
    for (int b = 0; b < tracked; ++b) {
      const float* q = obs.data() + slice->offset + 4 * b;
      EXPECT_NEAR(q[0], std::cos(theta / 2), 1e-5) << "body " << b;
      EXPECT_NEAR(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3], 1.0, 1e-5);
    }
  }
}

TEST_F(ImitationTaskTest, ReplayingRecordedActionsUnderComicNeverTerminates) {
  EnvConfig config = Comic();
  auto context = EnvContext::Create(config, {recorded_->clip});
  ASSERT_TRUE(context.ok()) << context.status();
  DataPtr d(mj_makeData((*context)->model()));
  // the recording's own states: E is zero and the pose terms are at their maximum
  const ReferenceClip& clip = (*context)->library().clip(0).clip;
  std::vector<double> ctrl((*context)->model()->nu, 0.0);
  for (int t = 0; t < clip.num_frames; ++t) {
    std::copy(clip.qpos_at(t), clip.qpos_at(t) + clip.nq, d->qpos);
    std::copy(clip.qvel_at(t), clip.qvel_at(t) + clip.nv, d->qvel);
    mj_forward((*context)->model(), d.get());
    const RewardTerms r = (*context)->task().ComputeReward(d.get(), (*context)->library().clip(0), t, ctrl.data());
    EXPECT_NEAR(r.termination_error, 0.0, 1e-9) << t;
    EXPECT_NEAR(r.joint_velocities, 0.5, 1e-9) << t;
    EXPECT_EQ((*context)->task().CheckTermination(r), EpisodeEnd::kNone);
  }
}

TEST_F(ImitationTaskTest, ComicConfigIsValidated) {
  EnvConfig config = Comic();
  config.mutable_comic()->set_termination_error_threshold(0);
  auto refused = EnvContext::Create(config, {StaticClip()});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("comic.termination_error_threshold"), std::string::npos);
  config = Comic();
  config.mutable_comic()->add_appendages("no_such_body");
  refused = EnvContext::Create(config, {StaticClip()});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("no_such_body"), std::string::npos);
}

}  // namespace
}  // namespace mimic
