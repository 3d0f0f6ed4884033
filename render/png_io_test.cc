#include "render/png_io.h"

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace mimic::render {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

TEST(PngIoTest, WritesAnImageThatReadsBackPixelForPixel) {
  Image image(37, 20);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      uint8_t* p = image.pixel(x, y);
      p[0] = static_cast<uint8_t>(7 * x);
      p[1] = static_cast<uint8_t>(11 * y);
      p[2] = static_cast<uint8_t>(x ^ y);
    }
  }
  const std::string path = TempPath("roundtrip.png");
  ASSERT_TRUE(WritePng(path, image).ok());
  absl::StatusOr<Image> back = ReadPng(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->width, 37);
  EXPECT_EQ(back->height, 20);
  EXPECT_EQ(back->rgb, image.rgb);
}

TEST(PngIoTest, NamesAnUnwritablePath) {
  absl::Status s = WritePng("/nonexistent-dir/x.png", Image(4, 4));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent-dir/x.png"), std::string::npos);
}

TEST(PngIoTest, RefusesAnImageWhoseBufferDisagreesWithItsSize) {
  Image image(4, 4);
  image.rgb.resize(5);
  EXPECT_FALSE(WritePng(TempPath("bad.png"), image).ok());
}

TEST(PngIoTest, RefusesAFileThatIsNotPng) {
  const std::string path = TempPath("not.png");
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fputs("hello", f);
  std::fclose(f);
  absl::StatusOr<Image> read = ReadPng(path);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find(path), std::string::npos);
}

}  // namespace
}  // namespace mimic::render
