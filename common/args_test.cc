#include "common/args.h"

#include "gtest/gtest.h"

namespace mimic {
namespace {

using Argv = std::vector<std::string>;

const CommandSpec& BenchSpec() {
  static const CommandSpec* spec = new CommandSpec{
      "bench demo",
      "measures something",
      {
          {"seconds", FlagType::kDouble, "2", "s", "length of each measurement"},
          {"rounds", FlagType::kInt, "3", "rounds", "interleaved rounds"},
          {"out", FlagType::kString, "", "FILE", "where to write", /*required=*/true},
          {"json", FlagType::kBool, "", "", "print JSON"},
      },
      {"./mimic bench demo --out x.json"},
  };
  return *spec;
}

TEST(ArgsTest, SpecSuppliesDefaultsAndTypedValues) {
  auto args = Args::Parse(BenchSpec(), {"--out", "x.json", "--rounds=5"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->Int("rounds"), 5);
  EXPECT_DOUBLE_EQ(args->Double("seconds"), 2.0);
  EXPECT_EQ(args->String("out"), "x.json");
  EXPECT_FALSE(args->Bool("json"));
  EXPECT_FALSE(args->Has("seconds"));
  auto with_json = Args::Parse(BenchSpec(), {"--out=y", "--json"});
  ASSERT_TRUE(with_json.ok());
  EXPECT_TRUE(with_json->Bool("json"));
  auto json_off = Args::Parse(BenchSpec(), {"--out=y", "--json=false"});
  ASSERT_TRUE(json_off.ok());
  EXPECT_FALSE(json_off->Bool("json"));
}

TEST(ArgsTest, SpecRefusesWrongTypesMissingRequiredAndStrayPositionals) {
  auto bad_int = Args::Parse(BenchSpec(), {"--out", "x", "--rounds", "2.5"});
  ASSERT_FALSE(bad_int.ok());
  EXPECT_NE(bad_int.status().message().find("--rounds expects an integer"), std::string::npos);
  auto bad_number = Args::Parse(BenchSpec(), {"--out", "x", "--seconds", "soon"});
  ASSERT_FALSE(bad_number.ok());
  EXPECT_NE(bad_number.status().message().find("--seconds"), std::string::npos);
  auto missing = Args::Parse(BenchSpec(), {"--rounds", "2"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--out is required"), std::string::npos);
  EXPECT_FALSE(Args::Parse(BenchSpec(), {"--out", "x", "stray"}).ok());
  EXPECT_FALSE(Args::Parse(BenchSpec(), {"--out", "x", "--json=maybe"}).ok());
}

TEST(ArgsTest, UnknownFlagSuggestsTheNearestKnownOne) {
  auto typo = Args::Parse(BenchSpec(), {"--out", "x", "--secnds", "3"});
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("did you mean --seconds?"), std::string::npos) << typo.status();
  auto far = Args::Parse(BenchSpec(), {"--out", "x", "--temperature", "3"});
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.status().message().find("did you mean"), std::string::npos) << far.status();
  EXPECT_EQ(NearestName("round", {"rounds", "seconds"}), "rounds");
  EXPECT_EQ(NearestName("xyz", {"rounds", "seconds"}), "");
}

TEST(ArgsTest, HelpListsEveryFlagWithDefaultUnitAndTheExample) {
  const std::string help = HelpText(BenchSpec());
  EXPECT_NE(help.find("usage: ./mimic bench demo [flags]"), std::string::npos) << help;
  EXPECT_NE(help.find("--seconds X"), std::string::npos) << help;
  EXPECT_NE(help.find("(default 2 s)"), std::string::npos) << help;
  EXPECT_NE(help.find("(default 3 rounds)"), std::string::npos) << help;
  EXPECT_NE(help.find("--out FILE"), std::string::npos) << help;
  EXPECT_NE(help.find("(required)"), std::string::npos) << help;
  EXPECT_NE(help.find("./mimic bench demo --out x.json"), std::string::npos) << help;
}

TEST(ArgsTest, ParseCommandLineHandlesHelpAndErrorsWithExitCodes) {
  int code = -1;
  EXPECT_FALSE(ParseCommandLine(BenchSpec(), {"--help"}, &code).has_value());
  EXPECT_EQ(code, 0);
  EXPECT_FALSE(ParseCommandLine(BenchSpec(), {"--bogus"}, &code).has_value());
  EXPECT_EQ(code, 2);
  auto ok = ParseCommandLine(BenchSpec(), {"--out", "z"}, &code);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->String("out"), "z");
}

}  // namespace
}  // namespace mimic
