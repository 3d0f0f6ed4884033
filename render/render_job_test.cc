#include "render/render_job.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "render/png_io.h"
#include "render/test_files.h"
#include "render/video_reader.h"

namespace mimic::render {
namespace {

using testing::MakeTestFiles;
using testing::TempPath;

RenderJob SmallJob() {
  RenderJob job;
  job.video.render.width = 160;
  job.video.render.height = 120;
  return job;
}

TEST(RenderJobTest, ARolloutBecomesAVideoAStillAndAFigure) {
  testing::TestFiles f = MakeTestFiles("job", 20);
  RenderJob job = SmallJob();
  job.rollouts = f.rollouts;
  job.clips = f.clips;
  job.video.out = TempPath("job.mp4");
  job.video.stills = {4};
  job.figure = TempPath("job.svg");
  absl::StatusOr<RenderJobResult> result = RunRenderJob(job);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->clip, "clip_a");
  EXPECT_DOUBLE_EQ(result->model_scale, testing::kScale);
  EXPECT_NEAR(result->mean_body_error_mm, 10, 1e-6);
  absl::StatusOr<VideoInfo> info = ReadVideo(job.video.out);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->frames, 20);
  EXPECT_NEAR(info->frame_rate, 50, 1e-6);
  EXPECT_TRUE(ReadPng(TempPath("job_frame0004.png")).ok());
  std::ifstream svg(job.figure);
  std::stringstream text;
  text << svg.rdbuf();
  EXPECT_NE(text.str().find("Tracking error by body part"), std::string::npos);
}

TEST(RenderJobTest, WithoutAClipsFileTheScaleComesFromTheRollout) {
  testing::TestFiles f = MakeTestFiles("job_scale", 10);
  RenderJob job = SmallJob();
  job.rollouts = f.rollouts;
  job.video.out = TempPath("job_scale.png");
  job.video.stills = {7};
  absl::StatusOr<RenderJobResult> result = RunRenderJob(job);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_DOUBLE_EQ(result->model_scale, testing::kScale);
  // a .png output is one still, at that very path
  ASSERT_EQ(result->video.stills.size(), 1u);
  EXPECT_EQ(result->video.stills[0], job.video.out);
  absl::StatusOr<Image> still = ReadPng(job.video.out);
  ASSERT_TRUE(still.ok()) << still.status();
  EXPECT_EQ(still->width, 160);
}

TEST(RenderJobTest, BadRequestsGetClearErrors) {
  testing::TestFiles f = MakeTestFiles("job_bad", 10);
  RenderJob nothing = SmallJob();
  nothing.clips = f.clips;
  EXPECT_EQ(RunRenderJob(nothing).status().code(), absl::StatusCode::kInvalidArgument);
  RenderJob no_input = SmallJob();
  no_input.video.out = TempPath("x.mp4");
  EXPECT_NE(RunRenderJob(no_input).status().message().find("--rollouts"), std::string::npos);
  RenderJob missing = SmallJob();
  missing.rollouts = TempPath("no_such_rollouts.h5");
  missing.video.out = TempPath("x.mp4");
  absl::StatusOr<RenderJobResult> r = RunRenderJob(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no_such_rollouts.h5"), std::string::npos) << r.status();
  RenderJob unwritable = SmallJob();
  unwritable.clips = f.clips;
  unwritable.video.out = "/nonexistent-dir/stac.mp4";
  r = RunRenderJob(unwritable);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent-dir/stac.mp4"), std::string::npos) << r.status();
  RenderJob unknown = SmallJob();
  unknown.clips = f.clips;
  unknown.clip = "clip_nope";
  unknown.video.out = TempPath("x.mp4");
  EXPECT_EQ(RunRenderJob(unknown).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace mimic::render
