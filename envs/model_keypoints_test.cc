#include "envs/model_keypoints.h"

#include <cmath>

#include "envs/env_context.h"
#include "envs/test_util.h"
#include "gtest/gtest.h"

namespace mimic {
namespace {

class ModelKeypointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const RecordedClip recorded = testing::RecordedTestClip(testing::BundledConfig(), 20);
    ReferenceClip clip = testing::WithMarkers(recorded.clip, testing::BundledConfig());
    clip.keypoints[3 * (5 * 4 + 2) + 1] = std::nan("");  // frame 5, keypoint 2 missing
    auto context = EnvContext::Create(testing::BundledConfig(), {clip});
    ASSERT_TRUE(context.ok()) << context.status();
    context_ = *context;
    data_.reset(mj_makeData(context_->model()));
  }

  void Pose(int frame, double dx) {
    const ReferenceClip& c = context_->library().clip(0).clip;
    std::copy(c.qpos_at(frame), c.qpos_at(frame) + c.nq, data_->qpos);
    data_->qpos[0] += dx;
    mj_kinematics(context_->model(), data_.get());
  }

  std::shared_ptr<const EnvContext> context_;
  DataPtr data_;
};

TEST_F(ModelKeypointsTest, OnTheReferencePoseTheModelKeypointsAreTheRecordedOnes) {
  const ClipFeatures& f = context_->library().clip(0);
  ASSERT_EQ(f.marker_body_ids.size(), 4u);
  std::vector<double> model(12), errors(4);
  for (int t : {0, 9, 19}) {
    Pose(t, 0);
    ModelKeypoints(data_.get(), f, model.data());
    for (int i = 0; i < 12; ++i) EXPECT_NEAR(model[i], f.clip.keypoints_at(t)[i], 1e-12) << t;
    KeypointErrors(data_.get(), f, t, errors.data());
    for (double e : errors) EXPECT_NEAR(e, 0.0, 1e-12);
  }
}

TEST_F(ModelKeypointsTest, ATranslatedBodyIsThatFarFromEveryKeypointAndMissingOnesAreNan) {
  const ClipFeatures& f = context_->library().clip(0);
  std::vector<double> errors(4);
  Pose(5, 0.013);
  KeypointErrors(data_.get(), f, 5, errors.data());
  EXPECT_NEAR(errors[0], 0.013, 1e-12);
  EXPECT_NEAR(errors[1], 0.013, 1e-12);
  EXPECT_TRUE(std::isnan(errors[2]));
  EXPECT_NEAR(errors[3], 0.013, 1e-12);
}

TEST_F(ModelKeypointsTest, OffsetsAreSignedModelMinusRealPerAxis) {
  const ClipFeatures& f = context_->library().clip(0);
  std::vector<double> offsets(12), errors(4);
  Pose(5, 0);
  data_->qpos[2] -= 0.007;  // the whole body 7 mm lower
  mj_kinematics(context_->model(), data_.get());
  KeypointOffsets(data_.get(), f, 5, offsets.data());
  KeypointErrors(data_.get(), f, 5, errors.data());
  for (int k : {0, 1, 3}) {
    EXPECT_NEAR(offsets[3 * k + 0], 0.0, 1e-12) << k;
    EXPECT_NEAR(offsets[3 * k + 1], 0.0, 1e-12) << k;
    EXPECT_NEAR(offsets[3 * k + 2], -0.007, 1e-12) << k;
    EXPECT_NEAR(errors[k], 0.007, 1e-12) << k;
  }
  EXPECT_TRUE(std::isnan(offsets[3 * 2 + 1]));  // the missing keypoint
  EXPECT_TRUE(std::isnan(errors[2]));
}

TEST_F(ModelKeypointsTest, AMarkerTurnsWithItsBody) {
  // the offset is expressed in the body's frame: a marker on the skull moves when only the head turns
  const ClipFeatures& f = context_->library().clip(0);
  std::vector<double> errors(4);
  Pose(3, 0);
  const int atlas = mj_name2id(context_->model(), mjOBJ_JOINT, "atlas");
  ASSERT_GE(atlas, 0);
  data_->qpos[context_->model()->jnt_qposadr[atlas]] += 0.3;
  mj_kinematics(context_->model(), data_.get());
  KeypointErrors(data_.get(), f, 3, errors.data());
  EXPECT_GT(errors[0], 1e-3);                // the snout follows the head
  EXPECT_NEAR(errors[2], 0.0, 1e-12);        // the right foot does not
  EXPECT_NEAR(errors[3], 0.0, 1e-12);        // nor the pelvis
}

}  // namespace
}  // namespace mimic
