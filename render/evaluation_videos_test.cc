#include "render/evaluation_videos.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "render/png_io.h"
#include "render/test_files.h"
#include "render/video_reader.h"

namespace mimic::render {
namespace {

using testing::MakeTestFiles;
using testing::TempPath;

class EvaluationVideosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_ = MakeTestFiles("evaluation", 40);
    EnvConfig config;
    config.set_model_path("data/models/rodent/rodent.xml");
    config.set_model_scale(testing::kScale);
    context_ = EnvContext::Create(config, {files_.clip}).value();
    dir_ = TempPath("eval_run/videos");
    std::filesystem::remove_all(TempPath("eval_run"));
  }

  // The reference's frames 1..T, the body 1 cm off it.
  EvaluationEpisode Episode(int T, const std::string& end) const {
    EvaluationEpisode e;
    const int nq = context_->model()->nq;
    for (int t = 1; t <= T; ++t) {
      e.qpos.insert(e.qpos.end(), files_.clip.qpos_at(t), files_.clip.qpos_at(t) + nq);
      e.qpos[(t - 1) * nq] += testing::kShift;
      e.frames.push_back(t);
    }
    e.end = end;
    return e;
  }

  EvaluationVideoOptions Options() const {
    EvaluationVideoOptions options;
    options.dir = dir_;
    options.clips_path = files_.clips;
    options.width = 160;
    options.height = 120;
    options.max_frames = 25;
    return options;
  }

  testing::TestFiles files_;
  std::shared_ptr<const EnvContext> context_;
  std::string dir_;
};

TEST_F(EvaluationVideosTest, WritesShortVideosStillsAndAnIndexThatTheGalleryLinks) {
  auto videos = EvaluationVideos::Create(context_, Options());
  ASSERT_TRUE(videos.ok()) << videos.status();
  EvaluationEpisode best = Episode(38, "clip_end");
  best.reward_per_step = 3.5;
  EvaluationEpisode worst = Episode(12, "too_far");
  worst.reward_per_step = 1.25;
  absl::StatusOr<EvaluationVideoRow> b = (*videos)->Write(40, "best", best);
  ASSERT_TRUE(b.ok()) << b.status();
  absl::StatusOr<EvaluationVideoRow> w = (*videos)->Write(40, "worst", worst);
  ASSERT_TRUE(w.ok()) << w.status();
  // short: at most max_frames; the worst episode is shorter than that
  absl::StatusOr<VideoInfo> best_video = ReadVideo(dir_ + "/v40_best.mp4");
  ASSERT_TRUE(best_video.ok()) << best_video.status();
  EXPECT_EQ(best_video->frames, 25);
  EXPECT_EQ(ReadVideo(dir_ + "/v40_worst.mp4")->frames, 12);
  EXPECT_TRUE(ReadPng(dir_ + "/" + w->still).ok()) << w->still;
  // the keypoints (3 on the body, 1 cm off) make the error the keypoint error, ~10 mm
  EXPECT_GT(b->error_mm, 7);
  EXPECT_LT(b->error_mm, 13);
  const std::vector<EvaluationVideoRow> rows = ReadEvaluationVideoIndex(dir_);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].kind, "worst");
  EXPECT_EQ(rows[1].clip, "clip_a");
  EXPECT_DOUBLE_EQ(rows[1].reward_per_step, 1.25);
  const std::string svg = EvaluationGallerySvg(TempPath("eval_run"));
  EXPECT_NE(svg.find("href=\"videos/v40_best.mp4\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("href=\"videos/" + w->still + "\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("xmlns:xlink"), std::string::npos);
}

TEST_F(EvaluationVideosTest, FilmsAnEvaluationOnlyAfterTheIntervalAndTheSameEpisodeOnce) {
  EvaluationVideoOptions options = Options();
  options.min_interval_s = 3600;
  auto videos = EvaluationVideos::Create(context_, options);
  ASSERT_TRUE(videos.ok()) << videos.status();
  const EvaluationEpisode episode = Episode(6, "");
  absl::StatusOr<std::vector<EvaluationVideoRow>> first = (*videos)->WriteEvaluation(1, episode, episode);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 1u) << "best and worst are the same episode";
  absl::StatusOr<std::vector<EvaluationVideoRow>> second = (*videos)->WriteEvaluation(2, episode, Episode(4, "fell"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->empty()) << "within the interval";
  EXPECT_EQ(ReadEvaluationVideoIndex(dir_).size(), 1u);
  options.min_interval_s = 0;
  auto every = EvaluationVideos::Create(context_, options);
  ASSERT_TRUE(every.ok()) << every.status();
  EXPECT_EQ((*every)->WriteEvaluation(3, episode, Episode(4, "fell"))->size(), 2u);
  EXPECT_EQ((*every)->WriteEvaluation(4, episode, Episode(4, "fell"))->size(), 2u);
}

TEST_F(EvaluationVideosTest, NoVideosNoGallery) {
  EXPECT_EQ(EvaluationGallerySvg(TempPath("no_run")), "");
}

TEST_F(EvaluationVideosTest, ACancelledVideoLeavesNoFile) {
  EvaluationVideoOptions options = Options();
  // stops after 20 frames: the still (the largest error of 25 frames) is usually drawn already
  options.cancelled = [n = 0]() mutable { return ++n > 20; };
  auto videos = EvaluationVideos::Create(context_, options);
  ASSERT_TRUE(videos.ok()) << videos.status();
  absl::StatusOr<EvaluationVideoRow> row = (*videos)->Write(3, "best", Episode(30, ""));
  ASSERT_FALSE(row.ok());
  EXPECT_EQ(row.status().code(), absl::StatusCode::kCancelled);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/v3_best.mp4"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/v3_best.mp4.part"));
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().extension(), ".csv") << "left behind: " << entry.path();
  }
  EXPECT_TRUE(ReadEvaluationVideoIndex(dir_).empty());
}

TEST_F(EvaluationVideosTest, RefusesAnEpisodeOfAnUnknownClipOrTheWrongShape) {
  auto videos = EvaluationVideos::Create(context_, Options());
  ASSERT_TRUE(videos.ok()) << videos.status();
  EvaluationEpisode episode = Episode(5, "");
  episode.clip = 4;
  EXPECT_EQ((*videos)->Write(1, "best", episode).status().code(), absl::StatusCode::kInvalidArgument);
  episode = Episode(5, "");
  episode.qpos.pop_back();
  EXPECT_EQ((*videos)->Write(1, "best", episode).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mimic::render
