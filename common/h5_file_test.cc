#include "common/h5_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace mimic {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::path(testing::TempDir()) / name).string();
}

TEST(H5FileTest, RoundTripsArraysStringsAndAttributes) {
  const std::string path = TempPath("roundtrip.h5");
  {
    auto file = H5File::Create(path);
    ASSERT_TRUE(file.ok()) << file.status();
    const double d[6] = {1, 2, 3, 4, 5, 6.5};
    const int32_t i[3] = {-1, 0, 7};
    ASSERT_TRUE((*file)->WriteDoubles("a/b/d", {2, 3}, d).ok());
    ASSERT_TRUE((*file)->WriteInts("a/i", {3}, i).ok());
    ASSERT_TRUE((*file)->WriteStrings("names", {"x", "yy"}).ok());
    ASSERT_TRUE((*file)->SetAttribute("a", "rate", 50.0).ok());
    ASSERT_TRUE((*file)->SetAttribute("/", "model", std::string("rat")).ok());
    ASSERT_TRUE((*file)->SetAttribute("a/b", "n", int64_t{42}).ok());
    // not visible until Finish()
    EXPECT_FALSE(std::filesystem::exists(path));
    ASSERT_TRUE((*file)->Finish().ok());
  }
  auto file = H5File::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  auto d = (*file)->ReadDoubles("a/b/d");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_DOUBLE_EQ(d->values[5], 6.5);
  auto as_float = (*file)->ReadFloats("a/i");
  ASSERT_TRUE(as_float.ok());
  EXPECT_FLOAT_EQ(as_float->values[0], -1.0f);
  auto names = (*file)->ReadStrings("names");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"x", "yy"}));
  EXPECT_DOUBLE_EQ(*(*file)->GetDoubleAttribute("a", "rate"), 50.0);
  EXPECT_EQ(*(*file)->GetStringAttribute("/", "model"), "rat");
  EXPECT_EQ(*(*file)->GetIntAttribute("a/b", "n"), 42);
  auto children = (*file)->List("a");
  ASSERT_TRUE(children.ok());
  EXPECT_EQ(*children, (std::vector<std::string>{"b", "i"}));
}

TEST(H5FileTest, UnfinishedFileIsDiscarded) {
  const std::string path = TempPath("discarded.h5");
  {
    auto file = H5File::Create(path);
    ASSERT_TRUE(file.ok());
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(H5FileTest, MissingAndCorruptFilesGiveClearErrors) {
  auto missing = H5File::Open(TempPath("nope.h5"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.h5"), std::string::npos);

  const std::string junk = TempPath("junk.h5");
  std::ofstream(junk) << "this is not hdf5";
  auto corrupt = H5File::Open(junk);
  EXPECT_EQ(corrupt.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(H5FileTest, TruncatedFileFailsWithoutCrashing) {
  const std::string path = TempPath("truncated.h5");
  {
    auto file = H5File::Create(path);
    ASSERT_TRUE(file.ok());
    std::vector<double> big(100000, 1.0);
    ASSERT_TRUE((*file)->WriteDoubles("big", {100000}, big.data()).ok());
    ASSERT_TRUE((*file)->Finish().ok());
  }
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  auto file = H5File::Open(path);
  if (file.ok()) {
    EXPECT_FALSE((*file)->ReadDoubles("big").ok());
  }
}

TEST(H5FileTest, MissingDatasetIsNotFound) {
  const std::string path = TempPath("empty.h5");
  {
    auto file = H5File::Create(path);
    ASSERT_TRUE((*file)->Finish().ok());
  }
  auto file = H5File::Open(path);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->ReadDoubles("x/y").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace mimic
