#include "common/args.h"

#include "gtest/gtest.h"

namespace mimic {
namespace {

TEST(ArgsTest, ParsesSpaceAndEqualsFormsAndBooleans) {
  auto args = Args::Parse({"--out", "x.h5", "--frames=20", "--json", "pos"}, {"out", "frames"}, {"json"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->GetString("out", ""), "x.h5");
  EXPECT_EQ(*args->GetInt("frames", 0), 20);
  EXPECT_TRUE(args->Has("json"));
  EXPECT_EQ(args->positional(), std::vector<std::string>{"pos"});
  EXPECT_EQ(*args->GetDouble("missing", 2.5), 2.5);
}

TEST(ArgsTest, UnknownFlagsAndBadNumbersAreNamed) {
  auto unknown = Args::Parse({"--bogus", "1"}, {"out"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("--bogus"), std::string::npos);
  auto args = Args::Parse({"--frames", "ten"}, {"frames"});
  ASSERT_TRUE(args.ok());
  EXPECT_FALSE(args->GetInt("frames", 0).ok());
  EXPECT_FALSE(Args::Parse({"--frames"}, {"frames"}).ok());
}

}  // namespace
}  // namespace mimic
