#include "analysis/feature_classes.h"

#include <cmath>

#include "common/h5_file.h"
#include "envs/clip_io.h"
#include "gtest/gtest.h"

namespace mimic::analysis {
namespace {

// A small clip (free root + 2 hinges) whose first joint angle is `offset + frame / 100`.
ReferenceClip SmallClip(const std::string& name, int frames, double offset) {
  ReferenceClip c;
  c.name = name;
  c.frame_rate = 50;
  c.num_frames = frames;
  c.nq = 9;
  c.nv = 8;
  c.nbody = 2;
  for (int t = 0; t < frames; ++t) {
    c.qpos.insert(c.qpos.end(), {0, 0, 0.05, 1, 0, 0, 0, offset + t / 100.0, 0.2});
    c.qvel.insert(c.qvel.end(), {0, 0, 0, 0, 0, 0, 0.5, 0});
    c.xpos.insert(c.xpos.end(), {0, 0, 0, 0, 0, 0.05});
    c.xquat.insert(c.xquat.end(), {1, 0, 0, 0, 1, 0, 0, 0});
  }
  return c;
}

// A rollouts file over clips a (frames 1..3) and b (frames 0..1) with one layer.
std::string WriteRollouts() {
  const std::string path = ::testing::TempDir() + "/fc_rollouts.h5";
  auto file = H5File::Create(path).value();
  auto clip = [&](const std::string& name, const std::vector<int32_t>& frames) {
    const int64_t T = static_cast<int64_t>(frames.size());
    std::vector<double> qpos, time;
    std::vector<float> layer;
    for (int32_t f : frames) {
      qpos.insert(qpos.end(), {0, 0, 0.05, 1, 0, 0, 0, 9.0, 9.0});  // the simulated body differs
      time.push_back(f / 50.0);
      layer.push_back(static_cast<float>(f));
    }
    EXPECT_TRUE(file->WriteDoubles("/clips/" + name + "/qpos", {T, 9}, qpos.data()).ok());
    EXPECT_TRUE(file->WriteDoubles("/clips/" + name + "/time", {T}, time.data()).ok());
    EXPECT_TRUE(file->WriteInts("/clips/" + name + "/frame", {T}, frames.data()).ok());
    EXPECT_TRUE(file->WriteFloats("/clips/" + name + "/layers/latent/mean", {T, 1}, layer.data()).ok());
  };
  clip("a", {1, 2, 3});
  clip("b", {0, 1});
  EXPECT_TRUE(file->WriteStrings("/layer_names", {"latent/mean"}).ok());
  EXPECT_TRUE(file->SetAttribute("/", "format", std::string("mimic.rollouts")).ok());
  EXPECT_TRUE(file->Finish().ok());
  return path;
}

TEST(FeatureClassesTest, RealRatClassesAlignWithTheRolloutsAndSayWhereTheyCameFrom) {
  const std::string clips = ::testing::TempDir() + "/fc_clips.h5";
  ASSERT_TRUE(WriteClips(clips, {SmallClip("a", 6, 0.0), SmallClip("b", 4, 1.0)}).ok());
  FeatureRequest request;
  request.rollouts = WriteRollouts();
  request.clips = clips;
  request.classes = {"clips/joint_angles", "latent/mean", "joint_angles"};
  FeatureSet set = ReadFeatureClasses(request).value();
  ASSERT_EQ(set.classes.size(), 3u);
  EXPECT_EQ(set.classes[0].name, "clips/joint_angles");
  EXPECT_EQ(set.classes[1].name, "latent/mean");
  EXPECT_EQ(set.classes[2].name, "joint_angles");
  const Eigen::MatrixXd& real = set.classes[0].features;
  ASSERT_EQ(real.rows(), 5);
  const double expected[5] = {0.01, 0.02, 0.03, 1.0, 1.01};  // clip a frames 1..3, clip b frames 0..1
  for (int r = 0; r < 5; ++r) EXPECT_NEAR(real(r, 0), expected[r], 1e-12) << r;
  EXPECT_DOUBLE_EQ(set.classes[2].features(0, 0), 9.0);
  EXPECT_NE(set.classes[0].source.find("real rat"), std::string::npos) << set.classes[0].source;
  EXPECT_NE(set.classes[1].source.find("network layer"), std::string::npos) << set.classes[1].source;
  EXPECT_NE(set.classes[2].source.find("simulated body"), std::string::npos) << set.classes[2].source;
  EXPECT_EQ(set.clip_of_row, (std::vector<int>{0, 0, 0, 1, 1}));

  // without rollouts: every frame of every clip
  request.rollouts.clear();
  request.classes = {"clips/joint_velocities"};
  set = ReadFeatureClasses(request).value();
  EXPECT_EQ(set.classes[0].features.rows(), 10);
  EXPECT_EQ(set.classes[0].features.cols(), 2);
}

TEST(FeatureClassesTest, ClassesNeedTheirFile) {
  FeatureRequest request;
  request.rollouts = WriteRollouts();
  request.classes = {"clips/joint_angles"};
  EXPECT_EQ(ReadFeatureClasses(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.rollouts.clear();
  request.clips = ::testing::TempDir() + "/fc_clips.h5";
  request.classes = {"latent/mean"};
  EXPECT_EQ(ReadFeatureClasses(request).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FeatureClassesTest, TheRealRatIsTheRepresentationalModelWhenPresent) {
  EXPECT_EQ(RoleOf("clips/joint_torques", true), ClassRole::kRepresentational);
  EXPECT_EQ(RoleOf("latent/mean", true), ClassRole::kComputational);
  EXPECT_EQ(RoleOf("joint_angles", true), ClassRole::kNotCompared);
  EXPECT_EQ(RoleOf("joint_angles", false), ClassRole::kRepresentational);
  EXPECT_EQ(RoleOf("egocentric_velocities", false), ClassRole::kRepresentational);
  EXPECT_EQ(RoleOf("decoder/lstm0/h", false), ClassRole::kComputational);
}

}  // namespace
}  // namespace mimic::analysis
