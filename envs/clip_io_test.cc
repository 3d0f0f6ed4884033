#include "envs/clip_io.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "common/h5_file.h"
#include "envs/env_context.h"
#include "envs/test_util.h"
#include "gtest/gtest.h"

namespace mimic {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / name).string();
}

class ClipIoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    recorded_ = new RecordedClip(testing::RecordedTestClip(testing::BundledConfig(), 30));
  }
  static RecordedClip* recorded_;
};
RecordedClip* ClipIoTest::recorded_ = nullptr;

TEST_F(ClipIoTest, RoundTripPreservesEveryField) {
  ReferenceClip clip = recorded_->clip;
  clip.num_keypoints = 2;
  clip.keypoints.assign(clip.num_frames * 2 * 3, 0.25);
  clip.keypoints[5] = std::nan("");  // unregistered keypoints may be NaN
  clip.labels.assign(clip.num_frames, 1);
  clip.label_names = {"still", "walk"};
  const std::string path = TempPath("clips.h5");
  ASSERT_TRUE(WriteClips(path, {clip}).ok());
  auto read = ReadClips(path);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 1u);
  const ReferenceClip& r = (*read)[0];
  EXPECT_EQ(r.name, clip.name);
  EXPECT_EQ(r.qpos, clip.qpos);
  EXPECT_EQ(r.qvel, clip.qvel);
  EXPECT_EQ(r.xpos, clip.xpos);
  EXPECT_EQ(r.xquat, clip.xquat);
  EXPECT_EQ(r.labels, clip.labels);
  EXPECT_EQ(r.label_names, clip.label_names);
  EXPECT_EQ(r.num_keypoints, 2);
  EXPECT_TRUE(std::isnan(r.keypoints[5]));
  EXPECT_EQ(r.model_hash, clip.model_hash);
  EXPECT_EQ(r.model_name, "rat");
  EXPECT_DOUBLE_EQ(r.frame_rate, 50.0);
  EXPECT_EQ(r.source_frame_end, clip.num_frames);
}

TEST_F(ClipIoTest, MarkersRoundTripAndOlderFilesWithoutThemStillLoad) {
  const ReferenceClip clip = testing::WithMarkers(recorded_->clip, testing::BundledConfig());
  const std::string path = TempPath("markers.h5");
  ASSERT_TRUE(WriteClips(path, {clip}).ok());
  auto read = ReadClips(path);
  ASSERT_TRUE(read.ok()) << read.status();
  const ReferenceClip& r = (*read)[0];
  EXPECT_EQ(r.keypoint_names, clip.keypoint_names);
  EXPECT_EQ(r.marker_bodies, clip.marker_bodies);
  EXPECT_EQ(r.keypoint_groups, clip.keypoint_groups);
  EXPECT_EQ(r.marker_offsets, clip.marker_offsets);
  EXPECT_EQ(KeypointsUnavailableReason(r), "");
  auto file = H5File::Open(path);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(*(*file)->GetIntAttribute("/", "version"), 2);

  // a version-1 file (keypoints, no markers) written the old way loads, and says why keypoint
  // errors are unavailable
  const std::string old_path = TempPath("version1.h5");
  {
    auto old = H5File::Create(old_path);
    const ReferenceClip& c = clip;
    ASSERT_TRUE((*old)->SetAttribute("/", "format", std::string("mimic.clips")).ok());
    ASSERT_TRUE((*old)->SetAttribute("/", "version", int64_t{1}).ok());
    ASSERT_TRUE((*old)->WriteDoubles("/clips/old/qpos", {c.num_frames, c.nq}, c.qpos.data()).ok());
    ASSERT_TRUE((*old)->WriteDoubles("/clips/old/qvel", {c.num_frames, c.nv}, c.qvel.data()).ok());
    ASSERT_TRUE((*old)->WriteDoubles("/clips/old/xpos", {c.num_frames, c.nbody, 3}, c.xpos.data()).ok());
    ASSERT_TRUE((*old)->WriteDoubles("/clips/old/xquat", {c.num_frames, c.nbody, 4}, c.xquat.data()).ok());
    ASSERT_TRUE((*old)->WriteDoubles("/clips/old/keypoints", {c.num_frames, 4, 3}, c.keypoints.data()).ok());
    ASSERT_TRUE((*old)->SetAttribute("/clips/old", "frame_rate", 50.0).ok());
    ASSERT_TRUE((*old)->Finish().ok());
  }
  auto old = ReadClips(old_path);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_FALSE((*old)[0].has_markers());
  EXPECT_EQ((*old)[0].num_keypoints, 4);
  EXPECT_NE(KeypointsUnavailableReason((*old)[0]).find("no STAC marker offsets"), std::string::npos);
  EXPECT_TRUE(EnvContext::Create(testing::BundledConfig(), *old).ok());
}

TEST_F(ClipIoTest, MalformedMarkersAreRefusedNamingTheProblem) {
  ReferenceClip clip = testing::WithMarkers(recorded_->clip, testing::BundledConfig());
  clip.marker_bodies.pop_back();
  absl::Status s = WriteClips(TempPath("short.h5"), {clip});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("marker_bodies"), std::string::npos) << s;
  clip = testing::WithMarkers(recorded_->clip, testing::BundledConfig());
  clip.marker_offsets[4] = 7.0;  // metres off its body
  s = WriteClips(TempPath("far.h5"), {clip});
  EXPECT_NE(s.message().find("HandL"), std::string::npos) << s;
  clip.marker_offsets[4] = std::nan("");
  EXPECT_EQ(WriteClips(TempPath("nan_offset.h5"), {clip}).code(), absl::StatusCode::kInvalidArgument);
  clip = testing::WithMarkers(recorded_->clip, testing::BundledConfig());
  clip.marker_bodies[2] = "tail_tip";
  auto context = EnvContext::Create(testing::BundledConfig(), {clip});
  EXPECT_EQ(context.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(context.status().message().find("tail_tip"), std::string::npos) << context.status();
}

TEST_F(ClipIoTest, NanInQposIsRejectedWithTheFrame) {
  ReferenceClip clip = recorded_->clip;
  clip.qpos[3 * clip.nq + 10] = std::nan("");
  absl::Status s = WriteClips(TempPath("nan.h5"), {clip});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("qpos is not finite"), std::string::npos) << s;
  EXPECT_NE(s.message().find("frame 3"), std::string::npos) << s;
}

TEST_F(ClipIoTest, HostileClipNamesAreRejected) {
  ReferenceClip clip = recorded_->clip;
  clip.name = "../../etc/passwd";
  EXPECT_EQ(WriteClips(TempPath("hostile.h5"), {clip}).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ClipIoTest, CorruptAndMissingFilesGiveClearErrors) {
  EXPECT_EQ(ReadClips(TempPath("missing.h5")).status().code(), absl::StatusCode::kNotFound);
  const std::string junk = TempPath("junk.h5");
  std::ofstream(junk) << "garbage bytes, not a clip file";
  auto corrupt = ReadClips(junk);
  EXPECT_FALSE(corrupt.ok());
  EXPECT_NE(corrupt.status().message().find("junk.h5"), std::string::npos);
}

TEST_F(ClipIoTest, ClipWithWrongNqDoesNotMatchTheModel) {
  ReferenceClip clip = recorded_->clip;
  // drop the last joint from every frame
  std::vector<double> qpos;
  for (int t = 0; t < clip.num_frames; ++t) {
    qpos.insert(qpos.end(), clip.qpos_at(t), clip.qpos_at(t) + clip.nq - 1);
  }
  clip.qpos = qpos;
  clip.nq -= 1;
  auto context = EnvContext::Create(testing::BundledConfig(), {clip});
  EXPECT_EQ(context.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(context.status().message().find("nq=73"), std::string::npos) << context.status();
}

TEST_F(ClipIoTest, ClipAtAnotherFrameRateIsRejected) {
  ReferenceClip clip = recorded_->clip;
  clip.frame_rate = 30;
  auto context = EnvContext::Create(testing::BundledConfig(), {clip});
  EXPECT_EQ(context.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(context.status().message().find("30.000 frames/s"), std::string::npos) << context.status();
}

TEST_F(ClipIoTest, ShapeMismatchInFileIsReported) {
  // write a file by hand whose qvel has the wrong number of frames
  const std::string path = TempPath("ragged.h5");
  {
    auto file = H5File::Create(path);
    const ReferenceClip& c = recorded_->clip;
    ASSERT_TRUE((*file)->WriteDoubles("/clips/x/qpos", {c.num_frames, c.nq}, c.qpos.data()).ok());
    ASSERT_TRUE((*file)->WriteDoubles("/clips/x/qvel", {c.num_frames - 1, c.nv}, c.qvel.data()).ok());
    ASSERT_TRUE((*file)->WriteDoubles("/clips/x/xpos", {c.num_frames, c.nbody, 3}, c.xpos.data()).ok());
    ASSERT_TRUE((*file)->WriteDoubles("/clips/x/xquat", {c.num_frames, c.nbody, 4}, c.xquat.data()).ok());
    ASSERT_TRUE((*file)->SetAttribute("/clips/x", "frame_rate", 50.0).ok());
    ASSERT_TRUE((*file)->Finish().ok());
  }
  auto read = ReadClips(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(read.status().message().find("inconsistent shapes"), std::string::npos) << read.status();
}

}  // namespace
}  // namespace mimic
