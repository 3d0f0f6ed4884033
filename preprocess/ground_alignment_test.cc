#include "preprocess/ground_alignment.h"

#include <algorithm>
#include <cmath>

#include "envs/model_loader.h"
#include "gtest/gtest.h"

namespace mimic::preprocess {
namespace {

class GroundAlignmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model = LoadModel("data/models/rodent/rodent.xml");
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = std::move(*model);
  }

  // The model's default pose at root heights `heights`, one frame each, and one keypoint per frame.
  void Recording(const std::vector<double>& heights, StacResult* result, KeypointData* keypoints) {
    const int nq = model_->nq;
    for (double h : heights) {
      result->qpos.insert(result->qpos.end(), model_->qpos0, model_->qpos0 + nq);
      result->qpos[result->qpos.size() - nq + 2] = h;
    }
    keypoints->num_frames = static_cast<int>(heights.size());
    keypoints->num_keypoints = 1;
    for (double h : heights) keypoints->xyz.insert(keypoints->xyz.end(), {0.01, 0.02, h + 0.03});
  }

  ModelPtr model_;
};

TEST_F(GroundAlignmentTest, GapsFollowTheRootHeightAndGoNegativeBelowTheFloor) {
  StacResult result;
  KeypointData keypoints;
  Recording({0.30, 0.35, 0.10}, &result, &keypoints);
  auto gaps = FloorGaps(model_.get(), result.qpos, 3);
  ASSERT_TRUE(gaps.ok()) << gaps.status();
  EXPECT_NEAR((*gaps)[1] - (*gaps)[0], 0.05, 1e-9);
  EXPECT_NEAR((*gaps)[2] - (*gaps)[0], -0.20, 1e-9);
  // lowered until the lowest geom is 2 mm into the floor
  Recording({0.30 - (*gaps)[0] - 0.002}, &result, &keypoints);
  auto sunk = FloorGaps(model_.get(), std::vector<double>(result.qpos.end() - model_->nq, result.qpos.end()), 1);
  ASSERT_TRUE(sunk.ok());
  EXPECT_NEAR((*sunk)[0], -0.002, 1e-9);
}

TEST_F(GroundAlignmentTest, ShiftsPosesAndKeypointsTogetherSoTheChosenPercentileTouches) {
  StacResult result;
  KeypointData keypoints;
  Recording({0.30, 0.31, 0.32, 0.33, 0.34}, &result, &keypoints);
  auto before = FloorGaps(model_.get(), result.qpos, 5);
  ASSERT_TRUE(before.ok());
  auto grounding = GroundRecording(model_.get(), 25, &keypoints, &result);  // the second-lowest frame
  ASSERT_TRUE(grounding.ok()) << grounding.status();
  EXPECT_TRUE(grounding->applied);
  EXPECT_NEAR(grounding->shift_m, -(*before)[1], 1e-9);
  EXPECT_NEAR(grounding->min_gap_m, (*before)[0], 1e-12);
  EXPECT_NEAR(grounding->median_gap_m, (*before)[2], 1e-12);
  auto after = FloorGaps(model_.get(), result.qpos, 5);
  ASSERT_TRUE(after.ok());
  EXPECT_NEAR((*after)[0], -0.01, 1e-9);  // one frame below, as a 25th percentile allows
  EXPECT_NEAR((*after)[1], 0.0, 1e-9);
  EXPECT_NEAR((*after)[4], 0.03, 1e-9);
  for (int t = 0; t < 5; ++t) {
    // the keypoint kept its height over the root: the registration did not change
    EXPECT_NEAR(keypoints.at(t, 0)[2] - result.qpos[t * model_->nq + 2], 0.03, 1e-12);
    EXPECT_DOUBLE_EQ(keypoints.at(t, 0)[0], 0.01);
    EXPECT_DOUBLE_EQ(result.qpos[t * model_->nq + 0], model_->qpos0[0]);
  }
}

TEST_F(GroundAlignmentTest, ANegativePercentileLeavesTheRecordingAlone) {
  StacResult result;
  KeypointData keypoints;
  Recording({0.30, 0.40}, &result, &keypoints);
  const std::vector<double> qpos = result.qpos, xyz = keypoints.xyz;
  auto grounding = GroundRecording(model_.get(), -1, &keypoints, &result);
  ASSERT_TRUE(grounding.ok());
  EXPECT_FALSE(grounding->applied);
  EXPECT_EQ(result.qpos, qpos);
  EXPECT_EQ(keypoints.xyz, xyz);
}

TEST_F(GroundAlignmentTest, AModelWithoutAFloorOrPosesOfTheWrongSizeAreNamed) {
  auto floorless = LoadModelFromString(
      "<mujoco><worldbody><body><freejoint/><geom size='0.1'/></body></worldbody></mujoco>", "floorless.xml");
  ASSERT_TRUE(floorless.ok()) << floorless.status();
  auto gaps = FloorGaps(floorless->get(), {0, 0, 1, 1, 0, 0, 0}, 1);
  EXPECT_EQ(gaps.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(gaps.status().message().find("no floor"), std::string::npos) << gaps.status();
  auto wrong = FloorGaps(model_.get(), std::vector<double>(model_->nq * 2 - 1), 2);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mimic::preprocess
