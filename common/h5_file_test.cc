#include "common/h5_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/h5_test_files.h"
#include "common/read_limits.h"
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

TEST(H5FileTest, RefusesATinyFileThatDeclaresAHugeArray) {
  // the attack: 1.4 KB on disk, 200000 x 200000 doubles declared
  const std::string path = TempPath("huge_declared.h5");
  h5_testing::WriteDeclaredOnlyDataset(path, "/data", {200000, 200000});
  ASSERT_LT(std::filesystem::file_size(path), 10000u);
  auto file = H5File::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  auto read = (*file)->ReadDoubles("/data");
  EXPECT_EQ(read.status().code(), absl::StatusCode::kResourceExhausted) << read.status();
  EXPECT_NE(read.status().message().find("/data"), std::string::npos);
  EXPECT_EQ((*file)->ReadStrings("/data").status().code(), absl::StatusCode::kInvalidArgument);  // not 1-D
}

TEST(H5FileTest, RefusesAnArrayTheFileDoesNotHold) {
  // 10 M doubles (80 MB, under every limit) declared in a file of a few KB
  const std::string path = TempPath("unstored.h5");
  h5_testing::WriteDeclaredOnlyDataset(path, "/data", {10'000'000});
  auto file = H5File::Open(path);
  ASSERT_TRUE(file.ok());
  auto read = (*file)->ReadDoubles("/data");
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss) << read.status();
  EXPECT_NE(read.status().message().find("stores only"), std::string::npos);
}

TEST(H5FileTest, ReadsWithinTheThreadsBudgetOnly) {
  const std::string path = TempPath("budget.h5");
  {
    auto file = H5File::Create(path);
    std::vector<double> values(1000, 2.0);
    ASSERT_TRUE((*file)->WriteDoubles("x", {1000}, values.data()).ok());
    ASSERT_TRUE((*file)->WriteStrings("names", {"a", "bb", "ccc"}).ok());
    ASSERT_TRUE((*file)->Finish().ok());
  }
  auto file = H5File::Open(path);
  ScopedReadBudget budget(12000);
  EXPECT_TRUE((*file)->ReadDoubles("x").ok());                                      // 8000 bytes
  EXPECT_EQ((*file)->ReadDoubles("x").status().code(), absl::StatusCode::kResourceExhausted);  // 16000 in all
  EXPECT_TRUE((*file)->ReadStrings("names").ok());
}

TEST(H5FileTest, RefusesExternalLinksAndDataInOtherFiles) {
  const std::string secret = TempPath("secret.h5");
  {
    auto file = H5File::Create(secret);
    const double v[2] = {4, 2};
    ASSERT_TRUE((*file)->WriteDoubles("pin", {2}, v).ok());
    ASSERT_TRUE((*file)->Finish().ok());
  }
  const std::string linking = TempPath("linking.h5");
  h5_testing::WriteExternalLink(linking, "/units/spike_times", secret, "/pin");
  auto opened = H5File::Open(linking);
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kPermissionDenied) << opened.status();
  EXPECT_NE(opened.status().message().find("external"), std::string::npos);

  const std::string raw = TempPath("raw.bin");
  std::ofstream(raw) << std::string(800, 'r');
  const std::string stored_elsewhere = TempPath("external_storage.h5");
  h5_testing::WriteExternalStorage(stored_elsewhere, "/data", raw, 100);
  auto file = H5File::Open(stored_elsewhere);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->ReadDoubles("/data").status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(H5FileTest, CreateNeverFollowsALinkAtItsTemporaryName) {
  // Create writes a fresh temporary name each time and refuses existing ones
  const std::string path = TempPath("fresh.h5");
  auto a = H5File::Create(path);
  auto b = H5File::Create(path);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Finish().ok());
  ASSERT_TRUE((*b)->Finish().ok());
  EXPECT_TRUE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace mimic
