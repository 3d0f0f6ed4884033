#include "analysis/clip_features.h"

#include <cmath>
#include <filesystem>

#include <mujoco/mujoco.h>

#include "common/h5_file.h"
#include "envs/clip_io.h"
#include "envs/model_loader.h"
#include "gtest/gtest.h"

namespace mimic::analysis {
namespace {

constexpr char kModel[] = "data/models/rodent/rodent.xml";

// A clip of the bundled rat following `q(t)` (T frames at `rate` Hz) with exact velocities `v(t)`,
// at model scale `scale`; bodies placed by forward kinematics.
ReferenceClip MakeClip(const std::string& name, int frames, double rate, double scale,
                       const std::function<void(double t, const mjModel*, double* qpos, double* qvel)>& motion) {
  ModelPtr model = LoadModel(kModel, PerturbationConfig(), scale).value();
  const mjModel* m = model.get();
  DataPtr data(mj_makeData(m));
  ReferenceClip clip;
  clip.name = name;
  clip.frame_rate = rate;
  clip.num_frames = frames;
  clip.nq = m->nq;
  clip.nv = m->nv;
  clip.nbody = m->nbody;
  clip.model_scale = scale;
  clip.model_hash = SignatureOf(m, scale).hash;
  for (int f = 0; f < frames; ++f) {
    motion(f / rate, m, data->qpos, data->qvel);
    mj_kinematics(m, data.get());
    clip.qpos.insert(clip.qpos.end(), data->qpos, data->qpos + m->nq);
    clip.qvel.insert(clip.qvel.end(), data->qvel, data->qvel + m->nv);
    clip.xpos.insert(clip.xpos.end(), data->xpos, data->xpos + 3 * m->nbody);
    clip.xquat.insert(clip.xquat.end(), data->xquat, data->xquat + 4 * m->nbody);
  }
  return clip;
}

// The rat held in the air at its rest pose, hinge joints swinging by `amplitude` rad at `hz`.
auto Swing(double amplitude, double hz) {
  return [amplitude, hz](double t, const mjModel* m, double* qpos, double* qvel) {
    std::copy(m->qpos0, m->qpos0 + m->nq, qpos);
    std::fill(qvel, qvel + m->nv, 0.0);
    qpos[2] = 0.2;
    const double w = 2 * M_PI * hz;
    for (int i = 7; i < m->nq; ++i) {
      const double phase = 0.37 * i;
      qpos[i] += amplitude * std::sin(w * t + phase);
      qvel[i - 1] = amplitude * w * std::cos(w * t + phase);
    }
  };
}

TEST(ClipFeaturesTest, InverseDynamicsMatchesExactDerivativesAlongASmoothMotion) {
  const double amplitude = 0.05, hz = 2.0, rate = 50;
  ReferenceClip clip = MakeClip("swing", 100, rate, 1.0, Swing(amplitude, hz));
  ClipFeatureOptions options;
  options.model_path = kModel;
  Eigen::MatrixXd torques = ClipJointTorques(clip, options).value();
  ASSERT_EQ(torques.rows(), 100);
  ASSERT_EQ(torques.cols(), clip.nv - 6);

  // truth: mj_inverse with the analytic acceleration, contacts off
  ModelPtr model = LoadModel(kModel).value();
  model->opt.disableflags |= mjDSBL_CONTACT;
  DataPtr d(mj_makeData(model.get()));
  const double w = 2 * M_PI * hz;
  double error = 0, norm = 0;
  for (int f = 10; f < 90; ++f) {  // away from the one-sided ends
    const double t = f / rate;
    std::copy(clip.qpos_at(f), clip.qpos_at(f) + clip.nq, d->qpos);
    std::copy(clip.qvel_at(f), clip.qvel_at(f) + clip.nv, d->qvel);
    std::fill(d->qacc, d->qacc + clip.nv, 0.0);
    mj_inverse(model.get(), d.get());
    const std::vector<double> without_acceleration(d->qfrc_inverse, d->qfrc_inverse + clip.nv);
    for (int i = 7; i < clip.nq; ++i) d->qacc[i - 1] = -amplitude * w * w * std::sin(w * t + 0.37 * i);
    mj_inverse(model.get(), d.get());
    for (int i = 6; i < clip.nv; ++i) {
      error += std::pow(torques(f, i - 6) - d->qfrc_inverse[i], 2);
      // measured against the part the acceleration contributes, not the larger gravity part
      norm += std::pow(d->qfrc_inverse[i] - without_acceleration[i], 2);
    }
  }
  // finite differences at 50 Hz and 1-frame smoothing of a 2 Hz motion: a few per cent at most
  EXPECT_LT(std::sqrt(error / norm), 0.06);
  EXPECT_GT(norm, 0);
}

TEST(ClipFeaturesTest, TorquesUseTheModelAtTheClipsScale) {
  // a static pose: only gravity acts, whose torque scales as mass x length = s^4 (springs do not
  // scale, so only joints without stiffness are compared)
  auto still = [](double, const mjModel* m, double* qpos, double* qvel) {
    std::copy(m->qpos0, m->qpos0 + m->nq, qpos);
    std::fill(qvel, qvel + m->nv, 0.0);
    qpos[2] = 0.2;
    // away from every joint limit (a limit's constraint force does not scale like gravity)
    for (int j = 1; j < m->njnt; ++j) {
      double& q = qpos[m->jnt_qposadr[j]];
      q += 0.1;
      if (!m->jnt_limited[j]) continue;
      const double lo = m->jnt_range[2 * j], hi = m->jnt_range[2 * j + 1];
      q = std::clamp(q, lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo));
    }
  };
  ClipFeatureOptions options;
  options.model_path = kModel;
  const Eigen::MatrixXd full = ClipJointTorques(MakeClip("a", 5, 50, 1.0, still), options).value();
  const Eigen::MatrixXd small = ClipJointTorques(MakeClip("b", 5, 50, 0.9, still), options).value();
  ModelPtr model = LoadModel(kModel).value();
  ReferenceClip pose = MakeClip("c", 5, 50, 1.0, still);
  DataPtr d(mj_makeData(model.get()));
  std::copy(pose.qpos_at(2), pose.qpos_at(2) + pose.nq, d->qpos);
  mj_forward(model.get(), d.get());
  int compared = 0;
  for (int j = 0; j < model->njnt; ++j) {
    const int dof = model->jnt_dofadr[j];
    if (dof < 6 || d->qfrc_passive[dof] != 0 || std::abs(full(2, dof - 6)) < 1e-6) continue;
    EXPECT_NEAR(small(2, dof - 6) / full(2, dof - 6), std::pow(0.9, 4), 1e-6) << "dof " << dof;
    ++compared;
  }
  EXPECT_GT(compared, 10);
}

TEST(ClipFeaturesTest, KeypointsAreRelativeToTheRootInItsFrameWithGapsFilled) {
  // root turned 90 degrees about z: the world +x direction is the body's -y
  auto turned = [](double, const mjModel* m, double* qpos, double* qvel) {
    std::copy(m->qpos0, m->qpos0 + m->nq, qpos);
    std::fill(qvel, qvel + m->nv, 0.0);
    qpos[0] = 0.5;
    qpos[2] = 0.1;
    qpos[3] = std::cos(M_PI / 4);
    qpos[6] = std::sin(M_PI / 4);
    qpos[4] = qpos[5] = 0;
  };
  ReferenceClip clip = MakeClip("kp", 4, 50, 1.0, turned);
  clip.num_keypoints = 1;
  const double* root = clip.xpos_at(0) + 3;
  for (int f = 0; f < 4; ++f) {
    const double dx = 0.01 * f;  // the keypoint moves along world x
    clip.keypoints.insert(clip.keypoints.end(), {root[0] + dx, root[1], root[2]});
  }
  clip.keypoints[3 * 2] = std::nan("");  // frame 2 missing: interpolated from frames 1 and 3
  ClipFeatures features = ComputeClipFeatures({clip}, {"clips/keypoints"}).value();
  const Eigen::MatrixXd& kp = features.classes[0].features;
  ASSERT_EQ(kp.rows(), 4);
  ASSERT_EQ(kp.cols(), 3);
  for (int f = 0; f < 4; ++f) {
    EXPECT_NEAR(kp(f, 0), 0, 1e-9);
    EXPECT_NEAR(kp(f, 1), -0.01 * f, 1e-9) << "frame " << f;
    EXPECT_NEAR(kp(f, 2), 0, 1e-9);
  }
}

TEST(ClipFeaturesTest, AccelerationsOfAConstantAccelerationAreThatConstant) {
  auto accelerating = [](double t, const mjModel* m, double* qpos, double* qvel) {
    std::copy(m->qpos0, m->qpos0 + m->nq, qpos);
    std::fill(qvel, qvel + m->nv, 0.0);
    qpos[7] += 0.5 * 2.0 * t * t;
    qvel[6] = 2.0 * t;
  };
  ReferenceClip clip = MakeClip("acc", 40, 50, 1.0, accelerating);
  ClipFeatures f = ComputeClipFeatures({clip}, {"clips/joint_angles", "clips/joint_velocities",
                                                "clips/joint_accelerations"}).value();
  ASSERT_EQ(f.classes.size(), 3u);
  EXPECT_EQ(f.classes[0].features.cols(), clip.nq - 7);
  EXPECT_EQ(f.classes[1].features.cols(), clip.nv - 6);
  for (int t = 8; t < 32; ++t) EXPECT_NEAR(f.classes[2].features(t, 0), 2.0, 1e-9) << t;
  EXPECT_NEAR(f.classes[1].features(10, 0), 2.0 * 10 / 50, 1e-12);
}

TEST(ClipFeaturesTest, RowsFollowTheRolloutsClipsAndFrames) {
  const std::string dir = ::testing::TempDir();
  const std::string clips_path = dir + "/aligned_clips.h5", rollouts_path = dir + "/aligned_rollouts.h5";
  std::vector<ReferenceClip> clips = {MakeClip("a", 12, 50, 1.0, Swing(0.05, 1.0)),
                                      MakeClip("b", 8, 50, 1.0, Swing(0.1, 2.0))};
  ASSERT_TRUE(WriteClips(clips_path, clips).ok());
  auto write_rollouts = [&](const std::vector<std::pair<std::string, std::vector<int32_t>>>& frames) {
    auto file = H5File::Create(rollouts_path).value();
    for (const auto& [name, f] : frames) {
      EXPECT_TRUE(file->WriteInts("/clips/" + name + "/frame", {static_cast<int64_t>(f.size())}, f.data()).ok());
    }
    EXPECT_TRUE(file->Finish().ok());
  };
  // the rollout of b was reset after a termination (frames jump), a covers frames 0..2
  write_rollouts({{"a", {0, 1, 2}}, {"b", {0, 1, 4, 5}}});
  ClipFeatures f = ReadClipFeaturesForRollouts(clips_path, rollouts_path, {"clips/joint_angles"}).value();
  ASSERT_EQ(f.classes[0].features.rows(), 7);
  const std::vector<std::pair<int, int>> expected = {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 4}, {1, 5}};
  for (size_t r = 0; r < expected.size(); ++r) {
    const auto [c, frame] = expected[r];
    EXPECT_EQ(f.clip_of_row[r], c);
    EXPECT_EQ(f.frame_of_row[r], frame);
    EXPECT_DOUBLE_EQ(f.classes[0].features(r, 0), clips[c].qpos_at(frame)[7]);
  }
  write_rollouts({{"a", {0, 12}}});
  EXPECT_EQ(ReadClipFeaturesForRollouts(clips_path, rollouts_path, {"clips/joint_angles"}).status().code(),
            absl::StatusCode::kOutOfRange);
  write_rollouts({{"c", {0}}});
  EXPECT_EQ(ReadClipFeaturesForRollouts(clips_path, rollouts_path, {"clips/joint_angles"}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadClipFeatures(clips_path, {"clips/wobble"}).status().code(), absl::StatusCode::kNotFound);
  // keypoints were not registered for these clips
  EXPECT_EQ(ReadClipFeatures(clips_path, {"clips/keypoints"}).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ClipFeaturesTest, RefusesAClipOfAnotherModel) {
  ReferenceClip clip = MakeClip("other", 5, 50, 1.0, Swing(0.05, 1.0));
  clip.model_hash ^= 1;
  ClipFeatureOptions options;
  EXPECT_EQ(ClipJointTorques(clip, options).status().code(), absl::StatusCode::kFailedPrecondition);
  options.smoothing_sigma_frames = -1;
  EXPECT_EQ(ClipJointTorques(clip, options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mimic::analysis
