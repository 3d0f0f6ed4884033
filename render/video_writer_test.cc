#include "render/video_writer.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "render/video_reader.h"

namespace mimic::render {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

// A smooth moving pattern: frame t shifts a gradient by 3 px.
Image Pattern(int width, int height, int t) {
  Image image(width, height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t* p = image.pixel(x, y);
      p[0] = static_cast<uint8_t>(128 + 100 * std::sin(0.05 * (x + 3 * t)));
      p[1] = static_cast<uint8_t>(2 * y);
      p[2] = static_cast<uint8_t>(x < width / 2 ? 40 : 200);
    }
  }
  return image;
}

double MeanAbsDifference(const Image& a, const Image& b) {
  double sum = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) sum += std::abs(a.rgb[i] - b.rgb[i]);
  return sum / a.rgb.size();
}

absl::StatusOr<VideoInfo> WriteAndRead(const std::string& path, int frames, double fps, const VideoOptions& options,
                                       std::vector<Image>* decoded) {
  auto writer = VideoWriter::Open(path, 160, 120, fps, options);
  if (!writer.ok()) return writer.status();
  for (int t = 0; t < frames; ++t) {
    if (absl::Status s = (*writer)->Write(Pattern(160, 120, t)); !s.ok()) return s;
  }
  if (absl::Status s = (*writer)->Finish(); !s.ok()) return s;
  return ReadVideo(path, /*keep=*/frames, decoded);
}

TEST(VideoWriterTest, AnH264Mp4DecodesToTheFramesSizeAndRateWritten) {
  const std::string path = TempPath("h264.mp4");
  std::vector<Image> decoded;
  absl::StatusOr<VideoInfo> info = WriteAndRead(path, 60, 50, VideoOptions{}, &decoded);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->codec, "h264");
  EXPECT_NE(info->container.find("mp4"), std::string::npos);
  EXPECT_EQ(info->frames, 60);
  EXPECT_EQ(info->width, 160);
  EXPECT_EQ(info->height, 120);
  EXPECT_NEAR(info->frame_rate, 50, 1e-6);
  EXPECT_NEAR(info->duration_s, 1.2, 0.05);
  // the pictures survive: each decoded frame is close to its source and far from another frame
  ASSERT_EQ(decoded.size(), 60u);
  for (int t : {0, 29, 59}) {
    EXPECT_LT(MeanAbsDifference(decoded[t], Pattern(160, 120, t)), 4.0) << "frame " << t;
  }
  EXPECT_GT(MeanAbsDifference(decoded[29], Pattern(160, 120, 10)), 10.0);
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
}

TEST(VideoWriterTest, Mpeg4IsTheFallbackCodec) {
  VideoOptions options;
  options.codec = "mpeg4";
  std::vector<Image> decoded;
  absl::StatusOr<VideoInfo> info = WriteAndRead(TempPath("mpeg4.mp4"), 30, 25, options, &decoded);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->codec, "mpeg4");
  EXPECT_EQ(info->frames, 30);
  EXPECT_NEAR(info->frame_rate, 25, 1e-6);
  EXPECT_LT(MeanAbsDifference(decoded[15], Pattern(160, 120, 15)), 6.0);
}

TEST(VideoWriterTest, KeepsAFractionalFrameRate) {
  absl::StatusOr<VideoInfo> info = WriteAndRead(TempPath("ntsc.mp4"), 20, 30000.0 / 1001, VideoOptions{}, nullptr);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_NEAR(info->frame_rate, 29.97, 0.01);
  EXPECT_EQ(info->frames, 20);
}

TEST(VideoWriterTest, AnUnwritablePathIsAnErrorAtOpenNamingIt) {
  auto writer = VideoWriter::Open("/nonexistent-dir/clip.mp4", 160, 120, 50);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(writer.status().message().find("/nonexistent-dir/clip.mp4"), std::string::npos) << writer.status();
}

TEST(VideoWriterTest, RefusesUnknownContainersOddSizesAndBadRates) {
  EXPECT_EQ(VideoWriter::Open(TempPath("clip.xyz"), 160, 120, 50).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VideoWriter::Open(TempPath("odd.mp4"), 161, 120, 50).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VideoWriter::Open(TempPath("rate.mp4"), 160, 120, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  VideoOptions options;
  options.codec = "vp9";
  EXPECT_EQ(VideoWriter::Open(TempPath("codec.mp4"), 160, 120, 50, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(VideoWriterTest, RefusesAFrameOfAnotherSize) {
  auto writer = VideoWriter::Open(TempPath("size.mp4"), 160, 120, 50);
  ASSERT_TRUE(writer.ok()) << writer.status();
  absl::Status s = (*writer)->Write(Image(80, 60));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("80x60"), std::string::npos);
}

TEST(VideoWriterTest, AnAbandonedVideoLeavesNoFile) {
  const std::string path = TempPath("abandoned.mp4");
  {
    auto writer = VideoWriter::Open(path, 160, 120, 50);
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->Write(Pattern(160, 120, 0)).ok());
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
}

TEST(VideoReaderTest, NamesAFileThatIsNotAVideo) {
  const std::string path = TempPath("not_video.mp4");
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fputs("not a video at all", f);
  std::fclose(f);
  absl::StatusOr<VideoInfo> info = ReadVideo(path);
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.status().message().find(path), std::string::npos);
}

}  // namespace
}  // namespace mimic::render
