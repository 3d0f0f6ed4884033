#include "common/path_guard.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/atomic_file.h"
#include "gtest/gtest.h"

namespace mimic {
namespace {
namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every test runs with openat2 and with the descriptor walk that stands in for it.
class PathGuardTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    PathGuard::UseDescriptorWalkForTesting(GetParam());
    base_ = fs::path(::testing::TempDir()) / (GetParam() ? "guard_walk" : "guard_openat2");
    fs::remove_all(base_);
    fs::create_directories(base_ / "root" / "in");
    fs::create_directories(base_ / "root" / "out");
    fs::create_directories(base_ / "outside");
    std::ofstream(base_ / "root" / "in" / "data.mat") << "inside";
    std::ofstream(base_ / "outside" / "secret") << "secret";
    fs::create_symlink(base_ / "outside", base_ / "root" / "escape");
    fs::create_symlink(base_ / "outside" / "secret", base_ / "root" / "link_out.h5");
    fs::create_symlink(base_ / "root" / "in" / "data.mat", base_ / "root" / "link_in.mat");
    fs::create_symlink("in", base_ / "root" / "in_again");
    guard_ = std::make_unique<PathGuard>(PathGuard::Create((base_ / "root").string()).value());
  }
  void TearDown() override { PathGuard::UseDescriptorWalkForTesting(false); }
  fs::path base_;
  std::unique_ptr<PathGuard> guard_;
};

TEST_P(PathGuardTest, ResolvesInsideAndRefusesEscapes) {
  auto ok = guard_->Resolve("in/data.mat", true);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, (fs::canonical(base_ / "root" / "in" / "data.mat")).string());
  EXPECT_TRUE(guard_->Resolve("in/new.h5", false).ok());
  EXPECT_TRUE(guard_->Resolve("in/../in/data.mat", true).ok());
  EXPECT_EQ(guard_->Resolve("../outside/secret", true).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard_->Resolve("in/../../outside/secret", true).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard_->Resolve((base_ / "outside" / "secret").string(), true).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard_->Resolve("escape/secret", true).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard_->Resolve("escape/new.h5", false).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard_->Resolve("link_out.h5", false).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard_->Resolve("in/missing.mat", true).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(guard_->Resolve("nofolder/x.h5", false).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(guard_->Resolve("in", true).status().code(), absl::StatusCode::kInvalidArgument);  // a folder
  EXPECT_FALSE(guard_->Resolve("", true).ok());
}

TEST_P(PathGuardTest, RefusesEveryLinkEvenOneThatStaysInside) {
  // a link inside the root can be swapped for one that leads out between a check and a use
  const auto in_file = guard_->Resolve("link_in.mat", true);
  EXPECT_EQ(in_file.status().code(), absl::StatusCode::kPermissionDenied) << in_file.status();
  EXPECT_NE(in_file.status().message().find("symbolic link"), std::string::npos);
  EXPECT_EQ(guard_->Resolve("in_again/data.mat", true).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard_->Resolve("in_again/new.h5", false).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_P(PathGuardTest, RefusesTheRootAndTheJobDatabaseAsOutputs) {
  // out="." would put the temporary file beside the root, outside it
  for (const char* root : {".", "in/..", "./", "in/../."}) {
    EXPECT_EQ(guard_->Resolve(root, false).status().code(), absl::StatusCode::kPermissionDenied) << root;
  }
  EXPECT_EQ(guard_->Resolve("in", false).status().code(), absl::StatusCode::kPermissionDenied);  // a folder
  guard_->Protect((base_ / "root" / "jobs.db").string());
  for (const char* db : {"jobs.db", "in/../jobs.db", "jobs.db-wal", "jobs.db.lock"}) {
    const auto refused = guard_->Resolve(db, false);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied) << db;
    EXPECT_NE(refused.status().message().find("job database"), std::string::npos) << refused.status();
  }
  EXPECT_TRUE(guard_->Resolve("jobs.h5", false).ok());
}

TEST_P(PathGuardTest, APinnedInputIsTheCheckedFileEvenAfterASwap) {
  auto files = PinnedFiles::Create(*guard_);
  ASSERT_TRUE(files.ok()) << files.status();
  auto pinned = (*files)->Input("in/data.mat");
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  EXPECT_EQ(fs::path(*pinned).filename(), "data.mat");  // the name (and extension) is kept
  // the attacker swaps the checked name for a link to a secret
  fs::rename(base_ / "root" / "in" / "data.mat", base_ / "root" / "in" / "moved.mat");
  fs::create_symlink(base_ / "outside" / "secret", base_ / "root" / "in" / "data.mat");
  EXPECT_EQ(Slurp(*pinned), "inside");
}

TEST_P(PathGuardTest, APinnedOutputFolderStaysPutWhenItsNameIsSwapped) {
  auto files = PinnedFiles::Create(*guard_);
  auto pinned = (*files)->Output("out/result.h5");
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  // the output folder is replaced by a link out of the root after the check
  fs::rename(base_ / "root" / "out", base_ / "root" / "out_moved");
  fs::create_symlink(base_ / "outside", base_ / "root" / "out");
  ASSERT_TRUE(WriteFileAtomically(*pinned, "result").ok());
  // a file the job derives from the output's name lands in the same pinned folder
  ASSERT_TRUE(WriteFileAtomically(fs::path(*pinned).replace_extension(".svg").string(), "<svg/>").ok());
  EXPECT_EQ(Slurp((base_ / "root" / "out_moved" / "result.h5").string()), "result");
  EXPECT_TRUE(fs::exists(base_ / "root" / "out_moved" / "result.svg"));
  EXPECT_FALSE(fs::exists(base_ / "outside" / "result.h5"));
  EXPECT_FALSE(fs::exists(base_ / "outside" / "result.svg"));
}

TEST_P(PathGuardTest, ErrorsNameFilesAsTheJobGaveThem) {
  auto files = PinnedFiles::Create(*guard_);
  auto in = (*files)->Input("in/data.mat");
  auto out = (*files)->Output("out/result.h5");
  ASSERT_TRUE(in.ok() && out.ok());
  const absl::Status s = (*files)->Describe(absl::DataLossError(absl::StrCat(*in, " is corrupt; cannot write ", *out)));
  EXPECT_EQ(s.message(), "in/data.mat is corrupt; cannot write out/result.h5");
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
}

TEST_P(PathGuardTest, AFifoInputIsRefusedWithoutBlocking) {
  ASSERT_EQ(mkfifo((base_ / "root" / "in" / "pipe.csv").c_str(), 0600), 0);
  EXPECT_EQ(guard_->Resolve("in/pipe.csv", true).status().code(), absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(OpenAt2AndWalk, PathGuardTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "Walk" : "OpenAt2"; });

}  // namespace
}  // namespace mimic
