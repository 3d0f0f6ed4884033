#include "common/path_guard.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace mimic {
namespace {
namespace fs = std::filesystem;

class PathGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::path(::testing::TempDir()) / "guard";
    fs::remove_all(base_);
    fs::create_directories(base_ / "root" / "in");
    fs::create_directories(base_ / "outside");
    std::ofstream(base_ / "root" / "in" / "data.mat") << "x";
    std::ofstream(base_ / "outside" / "secret") << "s";
    fs::create_symlink(base_ / "outside", base_ / "root" / "escape");
    fs::create_symlink(base_ / "outside" / "secret", base_ / "root" / "link_out.h5");
  }
  fs::path base_;
};

TEST_F(PathGuardTest, ResolvesInsideAndRefusesEscapes) {
  auto guard = PathGuard::Create((base_ / "root").string());
  ASSERT_TRUE(guard.ok());
  auto ok = guard->Resolve("in/data.mat", true);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, (fs::canonical(base_ / "root" / "in" / "data.mat")).string());
  EXPECT_TRUE(guard->Resolve("in/new.h5", false).ok());
  EXPECT_EQ(guard->Resolve("../outside/secret", true).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard->Resolve("in/../../outside/secret", true).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard->Resolve((base_ / "outside" / "secret").string(), true).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard->Resolve("escape/secret", true).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard->Resolve("escape/new.h5", false).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard->Resolve("link_out.h5", false).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard->Resolve("in/missing.mat", true).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(guard->Resolve("nofolder/x.h5", false).status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(guard->Resolve("", true).ok());
}

}  // namespace
}  // namespace mimic
