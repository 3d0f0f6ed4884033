#include "render/clip_video.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "gtest/gtest.h"
#include "render/png_io.h"
#include "render/test_files.h"
#include "render/video_reader.h"

namespace mimic::render {
namespace {

using testing::MakeTestFiles;
using testing::TempPath;

ClipVideoOptions SmallVideo(const std::string& out) {
  ClipVideoOptions options;
  options.render.width = 160;
  options.render.height = 120;
  options.out = out;
  return options;
}

class ClipVideoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_ = MakeTestFiles("clip_video", 30);
    clip_ = LoadRolloutClip(files_.rollouts, files_.clips, "clip_a", files_.model.get(), "").value();
  }
  testing::TestFiles files_;
  RenderClip clip_;
};

TEST_F(ClipVideoTest, TheVideoDecodesToTheClipsFrameCountSizeAndRate) {
  clip_.frame_rate = 25;  // not the default 50, so the rate is seen to come from the clip
  ClipVideoOptions options = SmallVideo(TempPath("rollout.mp4"));
  options.stills = {12, 3};
  int64_t last_done = 0, last_total = 0;
  options.on_progress = [&](int64_t done, int64_t total) { last_done = done, last_total = total; };
  absl::StatusOr<ClipVideoResult> result = RenderClipVideo(files_.model.get(), testing::kScale, clip_, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->frames, 30);
  EXPECT_EQ(last_done, 30);
  EXPECT_EQ(last_total, 30);
  std::vector<Image> decoded;
  absl::StatusOr<VideoInfo> info = ReadVideo(options.out, /*keep=*/30, &decoded);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->frames, 30);
  EXPECT_EQ(info->width, 160);
  EXPECT_EQ(info->height, 120);
  EXPECT_NEAR(info->frame_rate, 25, 1e-6);
  EXPECT_EQ(info->codec, result->codec == "libx264" ? "h264" : "mpeg4");
  // the stills are the frames asked for, in the order asked, and match the video's frames
  ASSERT_EQ(result->stills.size(), 2u);
  EXPECT_EQ(result->stills[0], TempPath("rollout_frame0012.png"));
  for (int i = 0; i < 2; ++i) {
    const int t = options.stills[i];
    absl::StatusOr<Image> still = ReadPng(result->stills[i]);
    ASSERT_TRUE(still.ok()) << still.status();
    double diff = 0, other = 0;
    for (size_t j = 0; j < still->rgb.size(); ++j) {
      diff += std::abs(still->rgb[j] - decoded[t].rgb[j]);
      other += std::abs(still->rgb[j] - decoded[t == 12 ? 3 : 12].rgb[j]);
    }
    EXPECT_LT(diff / still->rgb.size(), 6.0) << "still " << t << " vs the video's frame " << t;
    EXPECT_LT(diff, other) << "still " << t << " is closer to its own frame than to another";
  }
}

TEST_F(ClipVideoTest, AnUnwritableOutputFailsBeforeAnyFrameIsDrawn) {
  ClipVideoOptions options = SmallVideo("/nonexistent-dir/clip.mp4");
  int drawn = 0;
  options.on_progress = [&](int64_t, int64_t) { ++drawn; };
  absl::StatusOr<ClipVideoResult> result = RenderClipVideo(files_.model.get(), testing::kScale, clip_, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(result.status().message().find("/nonexistent-dir/clip.mp4"), std::string::npos);
  EXPECT_EQ(drawn, 0);
}

TEST_F(ClipVideoTest, StillsOutsideTheRenderedFramesAreRefused) {
  ClipVideoOptions options = SmallVideo(TempPath("stills.mp4"));
  options.first_frame = 5;
  options.max_frames = 10;
  options.stills = {15};
  absl::StatusOr<ClipVideoResult> result = RenderClipVideo(files_.model.get(), testing::kScale, clip_, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_NE(result.status().message().find("5..14"), std::string::npos) << result.status();
}

TEST_F(ClipVideoTest, OnlyStillsRendersOnlyThoseFrames) {
  ClipVideoOptions options = SmallVideo("");
  options.stills = {29};
  options.stills_prefix = TempPath("only");
  int drawn = 0;
  options.on_progress = [&](int64_t, int64_t) { ++drawn; };
  absl::StatusOr<ClipVideoResult> result = RenderClipVideo(files_.model.get(), testing::kScale, clip_, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(drawn, 1);
  EXPECT_TRUE(result->video.empty());
  EXPECT_TRUE(std::filesystem::exists(TempPath("only_frame0029.png")));
}

TEST_F(ClipVideoTest, TheOverlayNamesTheClipTheFrameTheErrorsAndARecentEpisodeEnd) {
  const FrameContent at_end = ClipFrame(clip_, testing::kEndStep + 2, "");
  EXPECT_NE(at_end.labels.find("keypoint error"), std::string::npos);
  EXPECT_NE(at_end.labels.find("body error"), std::string::npos);
  EXPECT_NE(at_end.values.find("clip_a"), std::string::npos);
  EXPECT_NE(at_end.values.find("22 / 29"), std::string::npos) << at_end.values;
  EXPECT_NE(at_end.values.find("10.0 mm"), std::string::npos) << "the 1 cm body shift";
  EXPECT_NE(at_end.notes.find("episode ended at frame 20: too_far"), std::string::npos) << at_end.notes;
  EXPECT_NE(at_end.notes.find("orange: reference"), std::string::npos);
  EXPECT_NE(at_end.notes.find("red / green: real / model keypoints"), std::string::npos);
  // a title line keeps labels and values in step
  const FrameContent titled = ClipFrame(clip_, 3, "policy v7");
  EXPECT_EQ(std::count(titled.labels.begin(), titled.labels.end(), '\n'),
            std::count(titled.values.begin(), titled.values.end(), '\n'));
  // the note is held for 0.8 s (40 frames at 50 Hz) and then gone
  EXPECT_EQ(ClipFrame(clip_, 5, "").notes.find("episode ended"), std::string::npos);
}

}  // namespace
}  // namespace mimic::render
