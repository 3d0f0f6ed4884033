#include "learner/checkpoint_files.h"

#include <filesystem>
#include <algorithm>
#include <fstream>

#include "gtest/gtest.h"

namespace mimic {
namespace {
namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  const std::string dir = (fs::path(::testing::TempDir()) / name).string();
  fs::remove_all(dir);
  return dir;
}

absl::Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return out.good() ? absl::OkStatus() : absl::InternalError("write failed");
}

TEST(CheckpointFilesTest, ATruncatedNewestCheckpointIsSkippedForTheOlderOne) {
  const std::string dir = TempDir("learner_ckpt_fallback");
  ASSERT_TRUE(WriteCheckpointAtomically(dir, 1, 3, [](const std::string& t) { return WriteText(t, std::string(5000, 'a')); }).ok());
  const std::string newest =
      WriteCheckpointAtomically(dir, 2, 3, [](const std::string& t) { return WriteText(t, std::string(5000, 'b')); }).value();
  EXPECT_TRUE(VerifyCheckpoint(newest).ok());
  fs::resize_file(newest, 2500);
  const absl::Status damaged = VerifyCheckpoint(newest);
  EXPECT_EQ(damaged.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(damaged.message().find("checksum"), std::string::npos) << damaged;
  std::vector<std::string> tried;
  auto restored = RestoreNewestValid(dir, [&](const std::string& path) {
    tried.push_back(path);
    return absl::OkStatus();
  });
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(*restored, CheckpointPath(dir, 1));
  EXPECT_EQ(tried, std::vector<std::string>{CheckpointPath(dir, 1)});  // the damaged one never reached the loader
}

TEST(CheckpointFilesTest, ALoaderRefusingACheckpointAsCorruptFallsBackButOtherErrorsStop) {
  const std::string dir = TempDir("learner_ckpt_loader");
  for (int step = 1; step <= 3; ++step) {
    ASSERT_TRUE(WriteCheckpointAtomically(dir, step, 5, [](const std::string& t) { return WriteText(t, "x"); }).ok());
  }
  auto fallback = RestoreNewestValid(dir, [&](const std::string& path) {
    return path == CheckpointPath(dir, 3) ? absl::DataLossError("bad zip") : absl::OkStatus();
  });
  EXPECT_EQ(*fallback, CheckpointPath(dir, 2));
  auto incompatible = RestoreNewestValid(dir, [](const std::string&) { return absl::FailedPreconditionError("other net"); });
  EXPECT_EQ(incompatible.status().code(), absl::StatusCode::kFailedPrecondition);
  auto none = RestoreNewestValid(dir, [](const std::string&) { return absl::DataLossError("all bad"); });
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
}

TEST(CheckpointFilesTest, LeftoversAreRemovedAndPruningWaitsForTheNewCheckpoint) {
  const std::string dir = TempDir("learner_ckpt_prune");
  fs::create_directories(dir);
  std::ofstream(dir + "/ckpt-000000000009.pt.tmp.42.deadbeef") << "half";
  std::ofstream(dir + "/ckpt-000000000008.pt.crc32") << "orphan";
  for (int step = 1; step <= 4; ++step) {
    ASSERT_TRUE(WriteCheckpointAtomically(dir, step, 2, [](const std::string& t) { return WriteText(t, "x"); }).ok());
  }
  // a failed write publishes nothing and prunes nothing
  EXPECT_FALSE(WriteCheckpointAtomically(dir, 5, 2, [](const std::string&) { return absl::InternalError("disk full"); }).ok());
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"ckpt-000000000003.pt", "ckpt-000000000003.pt.crc32",
                                             "ckpt-000000000004.pt", "ckpt-000000000004.pt.crc32"}));
}

TEST(CheckpointFilesTest, ACheckpointFromBeforeChecksumsIsStillUsed) {
  const std::string dir = TempDir("learner_ckpt_legacy");
  fs::create_directories(dir);
  ASSERT_TRUE(WriteText(CheckpointPath(dir, 7), "old").ok());
  EXPECT_TRUE(VerifyCheckpoint(CheckpointPath(dir, 7)).ok());
  EXPECT_EQ(*RestoreNewestValid(dir, [](const std::string&) { return absl::OkStatus(); }), CheckpointPath(dir, 7));
}

}  // namespace
}  // namespace mimic
