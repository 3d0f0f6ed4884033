#include "bench/rounds.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mimic::bench {
namespace {

double RateRatio(const Figures& ours, const Figures& reference) {
  return FigureOf(ours, "ours_per_s") / FigureOf(reference, "reference_per_s");
}

TEST(RoundsTest, ReportsTheMedianRoundWithTheRatiosSpan) {
  std::vector<double> ours = {999, 30, 10, 20};  // the warm-up's, then rounds 1-3
  int o = 0;
  Measurement our_side = [&]() -> absl::StatusOr<Figures> { return Figures{{"ours_per_s", ours[o++]}}; };
  Measurement reference = []() -> absl::StatusOr<Figures> { return Figures{{"reference_per_s", 10}}; };
  RoundsOptions options;
  options.rounds = 3;
  auto result = RunRounds(options, our_side, reference, RateRatio);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->rounds.size(), 3u);
  EXPECT_DOUBLE_EQ(result->median().ratio, 2.0);
  EXPECT_DOUBLE_EQ(result->ratio_min, 1.0);
  EXPECT_DOUBLE_EQ(result->ratio_max, 3.0);
  EXPECT_EQ(result->median_index, 2u);
}

TEST(RoundsTest, WarmsUpBothSidesThenAlternatesWhichGoesFirst) {
  std::vector<std::string> calls;
  Measurement ours = [&]() -> absl::StatusOr<Figures> {
    calls.push_back("ours");
    return Figures{{"ours_per_s", 1}};
  };
  Measurement reference = [&]() -> absl::StatusOr<Figures> {
    calls.push_back("ref");
    return Figures{{"reference_per_s", 1}};
  };
  auto result = RunRounds({/*rounds=*/3, /*warmup=*/true}, ours, reference, RateRatio);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(calls, (std::vector<std::string>{"ours", "ref", "ours", "ref", "ref", "ours", "ours", "ref"}));
  EXPECT_FALSE(result->rounds[0].reference_first);
  EXPECT_TRUE(result->rounds[1].reference_first);
}

TEST(RoundsTest, AFailedMeasurementFailsTheBenchmarkNamingRoundAndSide) {
  int reference_calls = 0;
  Measurement ours = []() -> absl::StatusOr<Figures> { return Figures{{"ours_per_s", 5}}; };
  Measurement reference = [&]() -> absl::StatusOr<Figures> {
    if (++reference_calls == 3) return absl::UnavailableError("socket closed");
    return Figures{{"reference_per_s", 5}};
  };
  auto result = RunRounds({3, true}, ours, reference, RateRatio);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(result.status().message().find("round 2: the reference measurement failed: socket closed"),
            std::string::npos)
      << result.status();
}

TEST(RoundsTest, ARatioThatIsNotAPositiveNumberIsAFailure) {
  Measurement zero = []() -> absl::StatusOr<Figures> { return Figures{{"ours_per_s", 0}}; };
  Measurement missing = []() -> absl::StatusOr<Figures> { return Figures{}; };
  Measurement fine = []() -> absl::StatusOr<Figures> { return Figures{{"reference_per_s", 5}}; };
  EXPECT_FALSE(RunRounds({3, false}, zero, fine, RateRatio).ok());
  EXPECT_FALSE(RunRounds({3, false}, missing, fine, RateRatio).ok());
}

TEST(JsonLineTest, PutsTheMedianRoundsFiguresFirstAndTheRatioLast) {
  RoundsResult result;
  result.rounds = {{{{"ours_per_s", 20}}, {{"reference_per_s", 10}}, 2.0, false}};
  result.ratio_min = result.ratio_max = 2.0;
  const std::string line = JsonLine("demo").Add("envs", 32).Add("what", "a \"quoted\" name").Finish(result);
  EXPECT_EQ(line,
            "{\"bench\":\"demo\",\"envs\":32,\"what\":\"a \\\"quoted\\\" name\",\"ours_per_s\":20,"
            "\"reference_per_s\":10,\"rounds\":1,\"ratio_min\":2.000,\"ratio_max\":2.000,\"ratio\":2.000}");
}

}  // namespace
}  // namespace mimic::bench
