#include "render/tracking_figure.h"

#include <cmath>

#include "gtest/gtest.h"
#include "render/test_files.h"

namespace mimic::render {
namespace {

using testing::MakeTestFiles;

TEST(TrackingFigureTest, KeypointErrorsAreGroupedByBodyPart) {
  testing::TestFiles f = MakeTestFiles("figure");
  RenderClip clip = LoadRolloutClip(f.rollouts, f.clips, "0", f.model.get(), "").value();
  // move the head keypoint (Snout, index 1) of the model 5 cm further in every frame
  for (int t = 0; t < clip.num_frames; ++t) clip.model_keypoints[(t * 3 + 1) * 3 + 2] += 0.05;
  absl::StatusOr<PartErrors> errors = ErrorsByBodyPart(f.model.get(), clip);
  ASSERT_TRUE(errors.ok()) << errors.status();
  EXPECT_EQ(errors->measure, "keypoint");
  ASSERT_EQ(errors->parts, (std::vector<std::string>{"spine", "head", "all"}));
  for (int t = 0; t < clip.num_frames; ++t) {
    EXPECT_GT(errors->error_mm[1][t], 40) << "head, frame " << t;
    EXPECT_LT(errors->error_mm[0][t], 20) << "spine, frame " << t;
    // all = the mean over the three keypoints: (2 spine + 1 head) / 3
    EXPECT_NEAR(errors->error_mm[2][t], (2 * errors->error_mm[0][t] + errors->error_mm[1][t]) / 3, 1e-9);
  }
  const std::string svg = TrackingFigureSvg(clip, *errors);
  EXPECT_NE(svg.find("Tracking error by body part, clip clip_a"), std::string::npos);
  EXPECT_NE(svg.find(">head<"), std::string::npos);
  EXPECT_NE(svg.find("episodes ended (body reset to the reference) at 0.40 s"), std::string::npos);
}

TEST(TrackingFigureTest, WithoutKeypointsBodyOriginsAreGroupedByBodyName) {
  testing::TestFiles f = MakeTestFiles("figure_bodies");
  RenderClip clip = LoadRolloutClip(f.rollouts, f.clips, "0", f.model.get(), "").value();
  clip.keypoints.clear();
  absl::StatusOr<PartErrors> errors = ErrorsByBodyPart(f.model.get(), clip);
  ASSERT_TRUE(errors.ok()) << errors.status();
  EXPECT_EQ(errors->measure, "body origin");
  for (const char* part : {"trunk", "head", "tail", "arm_L", "arm_R", "leg_L", "leg_R", "all"}) {
    EXPECT_NE(std::find(errors->parts.begin(), errors->parts.end(), part), errors->parts.end()) << part;
  }
  // the body is the reference shifted 1 cm: every part is 10 mm off
  for (const auto& part : errors->error_mm) {
    for (double e : part) EXPECT_NEAR(e, 1000 * testing::kShift, 1e-6);
  }
}

TEST(TrackingFigureTest, AClipWithNothingToCompareIsRefused) {
  testing::TestFiles f = MakeTestFiles("figure_none");
  RenderClip clip = LoadRolloutClip(f.rollouts, "", "0", f.model.get(), "").value();
  absl::StatusOr<PartErrors> errors = ErrorsByBodyPart(f.model.get(), clip);
  ASSERT_FALSE(errors.ok());
  EXPECT_EQ(errors.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(TrackingFigureTest, NamesTheBodyPartOfModelBodies) {
  EXPECT_EQ(BodyPartOf("hand_L"), "arm_L");
  EXPECT_EQ(BodyPartOf("toe_R"), "leg_R");
  EXPECT_EQ(BodyPartOf("skull"), "head");
  EXPECT_EQ(BodyPartOf("vertebra_cervical_3"), "head");
  EXPECT_EQ(BodyPartOf("vertebra_C12"), "tail");
  EXPECT_EQ(BodyPartOf("vertebra_3"), "trunk");
  EXPECT_EQ(BodyPartOf("walker"), "");
}

}  // namespace
}  // namespace mimic::render
