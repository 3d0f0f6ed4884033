#include "render/render_clip.h"

#include <cmath>

#include "gtest/gtest.h"
#include "render/test_files.h"

namespace mimic::render {
namespace {

using testing::kEndStep;
using testing::kKeypointNoise;
using testing::kShift;
using testing::MakeTestFiles;
using testing::TempPath;

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / v.size();
}

bool Contains(const absl::Status& s, const std::string& text) {
  return s.message().find(text) != std::string::npos;
}

TEST(RenderClipTest, ARolloutWithItsClipsGetsTheGhostKeypointsErrorsAndEnds) {
  testing::TestFiles f = MakeTestFiles("rollout_full");
  absl::StatusOr<RenderClip> clip =
      LoadRolloutClip(f.rollouts, f.clips, "0", f.model.get(), "configs/stac_rodent.pbtxt");
  ASSERT_TRUE(clip.ok()) << clip.status();
  EXPECT_EQ(clip->name, "clip_a");
  EXPECT_EQ(clip->num_frames, 40);
  EXPECT_EQ(clip->frame_rate, 50);
  const int nq = f.model->nq;
  // the ghost is the reference pose at each step's frame
  ASSERT_EQ(clip->ghost_qpos.size(), clip->qpos.size());
  for (int i = 0; i < nq; ++i) EXPECT_EQ(clip->ghost_qpos[10 * nq + i], f.clip.qpos_at(10)[i]);
  EXPECT_NEAR(clip->qpos[10 * nq] - clip->ghost_qpos[10 * nq], kShift, 1e-12);
  // real keypoints from the clips file; model keypoints placed on the shifted body
  ASSERT_EQ(clip->num_keypoints, 3);
  EXPECT_EQ(clip->keypoints, f.clip.keypoints);
  ASSERT_EQ(clip->model_keypoints.size(), clip->keypoints.size());
  EXPECT_EQ(clip->keypoint_groups, (std::vector<std::string>{"spine", "head", "spine"}));
  // the model's keypoints sit 1 cm from the real ones (plus the noise): ~10 mm, not 0 and not 30
  const double error = Mean(clip->keypoint_error_mm);
  EXPECT_GT(error, 7);
  EXPECT_LT(error, 13);
  // every body origin is shifted by exactly 1 cm
  for (double e : clip->body_error_mm) EXPECT_NEAR(e, 1000 * kShift, 1e-6);
  EXPECT_EQ(clip->ends[kEndStep], "too_far");
  EXPECT_EQ(clip->ends[39], "clip_end");
  EXPECT_EQ(clip->ends[5], "");
}

TEST(RenderClipTest, AStacClipIsTheRegisteredPoseWithItsMeasuredKeypoints) {
  testing::TestFiles f = MakeTestFiles("stac");
  absl::StatusOr<RenderClip> clip = LoadStacClip(f.clips, "clip_a", f.model.get(), "configs/stac_rodent.pbtxt");
  ASSERT_TRUE(clip.ok()) << clip.status();
  EXPECT_TRUE(clip->ghost_qpos.empty());
  EXPECT_EQ(clip->qpos, f.clip.qpos);
  // the residual is the noise put on the keypoints: mean |N(0, s^2 I_3)| = 1.6 s
  const double expected = 1000 * 1.596 * kKeypointNoise;
  EXPECT_NEAR(Mean(clip->keypoint_error_mm), expected, 0.4 * expected);
}

TEST(RenderClipTest, KeypointDatasetsInTheRolloutAreUsedWhenPresent) {
  const int T = 40;
  testing::TestFiles f = MakeTestFiles("rollout_keypoints", T, [&](H5File& file, const std::string& g) {
    std::vector<double> real(T * 2 * 3, 0.0), model(T * 2 * 3, 0.0);
    for (size_t i = 0; i < model.size(); i += 3) model[i] = 0.005;  // 5 mm along x
    ASSERT_TRUE(file.WriteDoubles(g + "/keypoints", {T, 2, 3}, real.data()).ok());
    ASSERT_TRUE(file.WriteDoubles(g + "/model_keypoints", {T, 2, 3}, model.data()).ok());
  });
  absl::StatusOr<RenderClip> clip = LoadRolloutClip(f.rollouts, "", "clip_a", f.model.get(), "");
  ASSERT_TRUE(clip.ok()) << clip.status();
  EXPECT_EQ(clip->num_keypoints, 2);
  EXPECT_TRUE(clip->ghost_qpos.empty());  // no clips file
  for (double e : clip->keypoint_error_mm) EXPECT_NEAR(e, 5, 1e-9);
  std::string found;
  for (const std::string& note : clip->found) found += note + "\n";
  EXPECT_NE(found.find("keypoints, model_keypoints"), std::string::npos) << found;
  EXPECT_NE(found.find("no clips file"), std::string::npos) << found;
}

TEST(RenderClipTest, ARolloutsFileWithoutStatesIsRefusedByName) {
  const std::string path = TempPath("no_states.rollouts.h5");
  auto file = H5File::Create(path).value();
  std::vector<double> reward(10, 1.0);
  ASSERT_TRUE(file->CreateGroup("/clips/clip_a").ok());
  ASSERT_TRUE(file->WriteDoubles("/clips/clip_a/reward", {10}, reward.data()).ok());
  ASSERT_TRUE(file->SetAttribute("/", "format", std::string("mimic.rollouts")).ok());
  ASSERT_TRUE(file->Finish().ok());
  testing::TestFiles f = MakeTestFiles("for_model");
  absl::StatusOr<RenderClip> clip = LoadRolloutClip(path, "", "0", f.model.get(), "");
  ASSERT_FALSE(clip.ok());
  EXPECT_EQ(clip.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(clip.status(), "no recorded states (qpos)")) << clip.status();
  EXPECT_TRUE(Contains(clip.status(), path)) << clip.status();
}

TEST(RenderClipTest, AnUnknownClipIsRefusedWithTheClipsThereAre) {
  testing::TestFiles f = MakeTestFiles("unknown");
  for (const char* selector : {"7", "clip_z", "-1"}) {
    absl::StatusOr<RenderClip> clip = LoadStacClip(f.clips, selector, f.model.get(), "");
    ASSERT_FALSE(clip.ok()) << selector;
    EXPECT_EQ(clip.status().code(), absl::StatusCode::kNotFound);
    EXPECT_TRUE(Contains(clip.status(), "clip_a, clip_b")) << clip.status();
  }
  absl::StatusOr<RenderClip> by_index = LoadStacClip(f.clips, "1", f.model.get(), "");
  ASSERT_TRUE(by_index.ok()) << by_index.status();
  EXPECT_EQ(by_index->name, "clip_b");
}

TEST(RenderClipTest, AClipsFileWithoutTheRolloutsClipIsRefused) {
  testing::TestFiles f = MakeTestFiles("mismatch");
  testing::TestFiles other = MakeTestFiles("other_clips");
  // a clips file whose clip is named differently: rename by writing a fresh one
  ReferenceClip renamed = other.clip;
  renamed.name = "clip_q";
  const std::string clips = TempPath("renamed.clips.h5");
  ASSERT_TRUE(WriteClips(clips, {renamed}).ok());
  absl::StatusOr<RenderClip> clip = LoadRolloutClip(f.rollouts, clips, "clip_a", f.model.get(), "");
  ASSERT_FALSE(clip.ok());
  EXPECT_EQ(clip.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Contains(clip.status(), "no clip 'clip_a'")) << clip.status();
}

TEST(RenderClipTest, AClipsFilePassedAsRolloutsIsNamedAsSuch) {
  testing::TestFiles f = MakeTestFiles("wrong_kind");
  absl::StatusOr<RenderClip> clip = LoadRolloutClip(f.clips, "", "0", f.model.get(), "");
  ASSERT_FALSE(clip.ok());
  EXPECT_TRUE(Contains(clip.status(), "'mimic.clips' file, not rollouts")) << clip.status();
}

TEST(RenderClipTest, AStepTrackingAFrameBeyondTheReferenceIsRefused) {
  testing::TestFiles f = MakeTestFiles("bad_frame");
  ClipParts parts;
  parts.name = "clip_a";
  parts.qpos = f.clip.qpos;
  parts.reference = &f.clip;
  parts.reference_frames.assign(40, 0);
  parts.reference_frames[7] = 40;
  absl::StatusOr<RenderClip> clip = BuildRenderClip(f.model.get(), nullptr, parts);
  ASSERT_FALSE(clip.ok());
  EXPECT_TRUE(Contains(clip.status(), "step 7 tracks frame 40")) << clip.status();
}

TEST(RenderClipTest, InfersTheModelScaleFromTheRecordedBodyPositions) {
  testing::TestFiles f = MakeTestFiles("scale");
  ModelPtr unscaled = LoadModel("data/models/rodent/rodent.xml").value();
  absl::StatusOr<double> scale = RolloutModelScale(f.rollouts, unscaled.get());
  ASSERT_TRUE(scale.ok()) << scale.status();
  EXPECT_DOUBLE_EQ(*scale, testing::kScale);
  EXPECT_DOUBLE_EQ(*ClipsModelScale(f.clips), testing::kScale);
}

TEST(RenderClipTest, PlacesKeypointsWhereMuJoCoPutsASiteWithTheSameOffset) {
  testing::TestFiles f = MakeTestFiles("sites");
  const mjModel* m = f.model.get();
  ASSERT_GT(m->nsite, 3);
  KeypointSites sites;
  for (int s = 0; s < m->nsite; ++s) {
    sites.names.push_back(mj_id2name(m, mjOBJ_SITE, s));
    sites.bodies.push_back(m->site_bodyid[s]);
    for (int c = 0; c < 3; ++c) sites.offsets.push_back(m->site_pos[3 * s + c]);
  }
  DataPtr data(mj_makeData(m));
  std::copy(f.clip.qpos_at(13), f.clip.qpos_at(13) + m->nq, data->qpos);
  mj_kinematics(m, data.get());
  std::vector<double> placed(3 * m->nsite);
  PlaceKeypoints(m, data.get(), sites, placed.data());
  for (int s = 0; s < m->nsite; ++s) {
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(placed[3 * s + c], data->site_xpos[3 * s + c], 1e-12) << sites.names[s];
  }
}

TEST(RenderClipTest, SitesComeFromTheStacConfigForOlderClipsFiles) {
  testing::TestFiles f = MakeTestFiles("old_sites");
  // a clips file with only names and offsets, as STAC wrote before bodies were recorded
  ReferenceClip clip = f.clip;
  const std::string path = TempPath("old.clips.h5");
  const std::vector<std::string> names = {"Snout", "SpineL"};
  const std::vector<double> offsets = {0.01, 0, 0, 0, 0, 0};
  ASSERT_TRUE(WriteClips(path, {clip}, [&](H5File& file) -> absl::Status {
                if (absl::Status s = file.WriteStrings("/stac/keypoint_names", names); !s.ok()) return s;
                return file.WriteDoubles("/stac/offsets", {2, 3}, offsets.data());
              }).ok());
  auto file = H5File::Open(path).value();
  absl::StatusOr<std::optional<KeypointSites>> sites =
      ReadKeypointSites(*file, f.model.get(), "configs/stac_rodent.pbtxt");
  ASSERT_TRUE(sites.ok()) << sites.status();
  ASSERT_TRUE(sites->has_value());
  EXPECT_EQ((*sites)->bodies[0], mj_name2id(f.model.get(), mjOBJ_BODY, "skull"));
  EXPECT_EQ((*sites)->bodies[1], mj_name2id(f.model.get(), mjOBJ_BODY, "pelvis"));
  EXPECT_EQ((*sites)->groups[0], "head");
  absl::StatusOr<std::optional<KeypointSites>> missing =
      ReadKeypointSites(*file, f.model.get(), "no/such/config.pbtxt");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(Contains(missing.status(), "no/such/config.pbtxt")) << missing.status();
}

}  // namespace
}  // namespace mimic::render
