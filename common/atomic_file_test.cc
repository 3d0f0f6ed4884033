#include "common/atomic_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace mimic {
namespace {
namespace fs = std::filesystem;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AtomicFileTest, ReplacesALinkInsteadOfWritingThroughIt) {
  // the attack: the .svg beside an output was a link to a file outside the root
  const fs::path base = fs::path(::testing::TempDir()) / "atomic";
  fs::remove_all(base);
  fs::create_directories(base / "root");
  std::ofstream(base / "victim") << "precious";
  fs::create_symlink(base / "victim", base / "root" / "figure.svg");
  ASSERT_TRUE(WriteFileAtomically((base / "root" / "figure.svg").string(), "<svg/>").ok());
  EXPECT_EQ(Slurp(base / "victim"), "precious");
  EXPECT_FALSE(fs::is_symlink(base / "root" / "figure.svg"));
  EXPECT_EQ(Slurp(base / "root" / "figure.svg"), "<svg/>");
}

TEST(AtomicFileTest, WritesDurablyAndLeavesNoTemporaryFile) {
  const fs::path base = fs::path(::testing::TempDir()) / "atomic_synced";
  fs::remove_all(base);
  fs::create_directories(base);
  ASSERT_TRUE(WriteFileAtomically((base / "state").string(), "v1", Durability::kSynced).ok());
  ASSERT_TRUE(WriteFileAtomically((base / "state").string(), "v2", Durability::kSynced).ok());
  EXPECT_EQ(Slurp(base / "state"), "v2");
  int files = 0;
  for (const auto& entry : fs::directory_iterator(base)) {
    ++files;
    EXPECT_FALSE(IsTemporaryName(entry.path().filename().string()));
  }
  EXPECT_EQ(files, 1);
  EXPECT_TRUE(IsTemporaryName(fs::path(TemporaryNameFor("a/ckpt-1.pt")).filename().string()));
  EXPECT_FALSE(WriteFileAtomically((base / "no" / "folder").string(), "x").ok());
}

}  // namespace
}  // namespace mimic
