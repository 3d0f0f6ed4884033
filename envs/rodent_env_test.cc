#include "envs/rodent_env.h"

#include <cmath>
#include <limits>

#include "envs/test_util.h"
#include "gtest/gtest.h"

namespace mimic {
namespace {

class RodentEnvTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    recorded_ = new RecordedClip(testing::RecordedTestClip(testing::BundledConfig(), 60));
  }

  std::shared_ptr<const EnvContext> Context(std::vector<ReferenceClip> clips,
                                            EnvConfig config = testing::BundledConfig()) {
    auto context = EnvContext::Create(config, std::move(clips));
    EXPECT_TRUE(context.ok()) << context.status();
    return *context;
  }

  // A clip that holds frame 0 of the recording for every frame.
  static ReferenceClip StaticClip() {
    ReferenceClip c = recorded_->clip;
    c.name = "static";
    for (int t = 1; t < c.num_frames; ++t) {
      std::copy(c.qpos_at(0), c.qpos_at(0) + c.nq, c.qpos.begin() + t * c.nq);
      std::copy(c.xpos_at(0), c.xpos_at(0) + 3 * c.nbody, c.xpos.begin() + t * 3 * c.nbody);
      std::copy(c.xquat.begin(), c.xquat.begin() + 4 * c.nbody, c.xquat.begin() + t * 4 * c.nbody);
    }
    std::fill(c.qvel.begin(), c.qvel.end(), 0.0);
    return c;
  }

  static std::vector<float> Slice(const EnvSpec& spec, const std::vector<float>& obs,
                                  const std::string& name) {
    auto s = spec.observation.Find(name);
    EXPECT_TRUE(s.ok()) << name;
    return std::vector<float>(obs.begin() + s->offset, obs.begin() + s->offset + s->size);
  }

  static RecordedClip* recorded_;
};
RecordedClip* RodentEnvTest::recorded_ = nullptr;

TEST_F(RodentEnvTest, ObservationSlicesAgreeWithMujocoState) {
  auto context = Context({recorded_->clip});
  RodentEnv env(context, /*seed=*/1);
  std::vector<float> obs(env.spec().observation.size());
  ASSERT_TRUE(env.Reset(/*clip=*/0, /*frame=*/5, obs.data()).ok());
  std::vector<float> action(recorded_->actions.begin() + 5 * 38, recorded_->actions.begin() + 6 * 38);
  ASSERT_TRUE(env.Step(action, obs.data()).ok());

  const mjData* d = env.physics().data();
  const mjModel* m = env.physics().model();
  const auto joints = Slice(env.spec(), obs, "joint_angles");
  ASSERT_EQ(joints.size(), 67u);
  for (int i = 0; i < 67; ++i) EXPECT_FLOAT_EQ(joints[i], static_cast<float>(d->qpos[7 + i]));
  const auto velocities = Slice(env.spec(), obs, "joint_velocities");
  for (int i = 0; i < 67; ++i) EXPECT_FLOAT_EQ(velocities[i], static_cast<float>(d->qvel[6 + i]));
  EXPECT_FLOAT_EQ(Slice(env.spec(), obs, "root_height")[0], static_cast<float>(d->qpos[2]));
  // gravity in the body frame is minus the third row of the body-to-world rotation
  const double* rot = d->xmat + 9 * m->jnt_bodyid[0];
  const auto gravity = Slice(env.spec(), obs, "gravity_in_body");
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(gravity[i], -rot[6 + i], 1e-6);
  const auto sensors = Slice(env.spec(), obs, "sensors");
  ASSERT_EQ(static_cast<int>(sensors.size()), m->nsensordata);
  for (int i = 0; i < m->nsensordata; ++i) EXPECT_FLOAT_EQ(sensors[i], static_cast<float>(d->sensordata[i]));
  // reference joints of window slot 2 are frame 6 + 1 + 2 = 9 minus the current joints
  const auto ref_joints = Slice(env.spec(), obs, "ref/2/joints");
  const double* ref_q = recorded_->clip.qpos_at(9);
  for (int i = 0; i < 67; ++i) EXPECT_NEAR(ref_joints[i], ref_q[7 + i] - d->qpos[7 + i], 1e-5);
}

TEST_F(RodentEnvTest, ReferenceFeaturesAreZeroAtTheReferencePose) {
  auto context = Context({StaticClip()});
  RodentEnv env(context, /*seed=*/1);
  std::vector<float> obs(env.spec().observation.size());
  ASSERT_TRUE(env.Reset(0, 3, obs.data()).ok());
  for (int k = 0; k < env.spec().reference_window; ++k) {
    const std::string p = "ref/" + std::to_string(k) + "/";
    for (const char* name : {"root_pos", "joints", "body_pos", "end_effectors"}) {
      for (float v : Slice(env.spec(), obs, p + name)) EXPECT_NEAR(v, 0.0f, 1e-6) << p << name;
    }
    const auto quat = Slice(env.spec(), obs, p + "root_quat");
    EXPECT_NEAR(quat[0], 1.0f, 1e-6);
    for (int i = 1; i < 4; ++i) EXPECT_NEAR(quat[i], 0.0f, 1e-6);
  }
  const RewardTerms terms = env.CurrentTerms();
  EXPECT_NEAR(terms.com, 1.0, 1e-9);
  EXPECT_NEAR(terms.root_quat, 1.0, 1e-9);
  EXPECT_NEAR(terms.joints, 1.0, 1e-9);
  EXPECT_NEAR(terms.body_pos, 1.0, 1e-9);
  EXPECT_NEAR(terms.end_effectors, 1.0, 1e-9);
  EXPECT_NEAR(terms.total, 5.0, 1e-9);
}

TEST_F(RodentEnvTest, ReplayingRecordedActionsTracksWithNearMaximalReward) {
  auto context = Context({recorded_->clip});
  RodentEnv env(context, /*seed=*/1);
  std::vector<float> obs(env.spec().observation.size());
  ASSERT_TRUE(env.Reset(0, 0, obs.data()).ok());
  const int steps = recorded_->clip.num_frames - 1;
  for (int t = 0; t < steps; ++t) {
    std::vector<float> action(recorded_->actions.begin() + t * 38, recorded_->actions.begin() + (t + 1) * 38);
    auto r = env.Step(action, obs.data());
    ASSERT_TRUE(r.ok()) << r.status();
    // tracking terms are all at their maximum of 1; only the control cost is paid
    EXPECT_GT(r->terms.com + r->terms.root_quat + r->terms.joints + r->terms.body_pos + r->terms.end_effectors,
              5.0 - 1e-6) << "step " << t;
    EXPECT_LT(r->terms.com_distance, 1e-9);
    EXPECT_EQ(r->discount, 1.0);
    EXPECT_EQ(r->end, t + 1 == steps ? EpisodeEnd::kClipEnd : EpisodeEnd::kNone) << "step " << t;
  }
}

TEST_F(RodentEnvTest, ZeroPolicyDriftsAndEarnsLessThanReplay) {
  auto context = Context({recorded_->clip});
  RodentEnv env(context, /*seed=*/1);
  std::vector<float> obs(env.spec().observation.size());
  ASSERT_TRUE(env.Reset(0, 0, obs.data()).ok());
  std::vector<float> zero(38, 0.f);
  double total = 0;
  int steps = 0;
  for (; steps < recorded_->clip.num_frames - 1; ++steps) {
    auto r = env.Step(zero, obs.data());
    ASSERT_TRUE(r.ok());
    total += r->reward;
    if (r->end != EpisodeEnd::kNone) break;
  }
  EXPECT_LT(total / (steps + 1), 4.95);
}

TEST_F(RodentEnvTest, PushedBodyTerminates) {
  auto context = Context({recorded_->clip});
  RodentEnv env(context, /*seed=*/1);
  std::vector<float> obs(env.spec().observation.size());
  ASSERT_TRUE(env.Reset(0, 0, obs.data()).ok());
  // shove the root sideways hard
  mjData* d = env.mutable_physics().data();
  const int root = env.physics().model()->jnt_bodyid[0];
  d->xfrc_applied[6 * root + 1] = 20.0;
  std::vector<float> zero(38, 0.f);
  StepResult last;
  for (int t = 0; t < recorded_->clip.num_frames - 1; ++t) {
    auto r = env.Step(zero, obs.data());
    ASSERT_TRUE(r.ok());
    last = *r;
    if (r->end != EpisodeEnd::kNone) break;
  }
  EXPECT_TRUE(IsTermination(last.end)) << EpisodeEndName(last.end);
  EXPECT_EQ(last.discount, 0.0);
  // stepping a finished episode is refused until Reset
  EXPECT_EQ(env.Step(zero, obs.data()).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(RodentEnvTest, BadActionsAreRejectedWithoutMovingTheBody) {
  auto context = Context({recorded_->clip});
  RodentEnv env(context, /*seed=*/1);
  std::vector<float> obs(env.spec().observation.size());
  ASSERT_TRUE(env.Reset(0, 0, obs.data()).ok());
  std::vector<float> short_action(37, 0.f);
  auto wrong_size = env.Step(short_action, obs.data());
  EXPECT_EQ(wrong_size.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(wrong_size.status().message().find("37"), std::string::npos);
  std::vector<float> nan_action(38, 0.f);
  nan_action[4] = std::numeric_limits<float>::quiet_NaN();
  auto nan = env.Step(nan_action, obs.data());
  EXPECT_EQ(nan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(nan.status().message().find("action[4]"), std::string::npos);
  EXPECT_EQ(env.frame(), 0);
  EXPECT_EQ(env.physics().data()->time, 0.0);
}

TEST_F(RodentEnvTest, ResetOutsideTheClipIsOutOfRange) {
  auto context = Context({recorded_->clip});
  RodentEnv env(context, /*seed=*/1);
  std::vector<float> obs(env.spec().observation.size());
  EXPECT_EQ(env.Reset(1, 0, obs.data()).code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(env.Reset(0, recorded_->clip.num_frames - 1, obs.data()).code(), absl::StatusCode::kOutOfRange);
}

TEST_F(RodentEnvTest, ActionNoisePerturbsTheTrajectory) {
  EnvConfig noisy = testing::BundledConfig();
  noisy.mutable_perturbation()->set_action_noise_std(0.5);
  auto context = Context({recorded_->clip}, noisy);
  RodentEnv env(context, /*seed=*/1);
  std::vector<float> obs(env.spec().observation.size());
  ASSERT_TRUE(env.Reset(0, 0, obs.data()).ok());
  std::vector<float> action(recorded_->actions.begin(), recorded_->actions.begin() + 38);
  auto r = env.Step(action, obs.data());
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->terms.joint_distance, 1e-6);
}

}  // namespace
}  // namespace mimic
