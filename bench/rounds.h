// The method every benchmark shares: ours and its reference measured back to back in each of
// several rounds after a warm-up (the two sides alternate which goes first, so neither always
// runs on the warmer cache or the quieter minute of a shared machine); the round with the median
// ratio is reported with the ratio's min and max; any failed measurement fails the benchmark.
#ifndef MIMIC_BENCH_ROUNDS_H_
#define MIMIC_BENCH_ROUNDS_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace mimic::bench {

// Named figures of one measurement, in print order.
using Figures = std::vector<std::pair<std::string, double>>;

// The named figure, or NaN when absent.
double FigureOf(const Figures& figures, const std::string& name);

using Measurement = std::function<absl::StatusOr<Figures>()>;

struct Round {
  Figures ours, reference;
  double ratio = 0;
  bool reference_first = false;
};

struct RoundsResult {
  std::vector<Round> rounds;
  size_t median_index = 0;  // the round with the median ratio (the lower middle one for even counts)
  double ratio_min = 0, ratio_max = 0;

  const Round& median() const { return rounds[median_index]; }
};

struct RoundsOptions {
  int rounds = 3;
  bool warmup = true;  // one discarded measurement of each side first
};

// Runs the rounds. `ratio` turns one round's figures into its ratio (higher = ours better); a
// measurement's error, or a ratio that is not a finite positive number, is an error naming the
// round and the side.
absl::StatusOr<RoundsResult> RunRounds(const RoundsOptions& options, const Measurement& ours,
                                       const Measurement& reference,
                                       const std::function<double(const Figures& ours, const Figures& reference)>& ratio);

// One JSON line for a benchmark: {"bench":NAME, fields in the order added, ..., "ratio": R}.
class JsonLine {
 public:
  explicit JsonLine(const std::string& bench);
  JsonLine& Add(const std::string& key, double value);
  JsonLine& Add(const std::string& key, int value) { return Add(key, static_cast<int64_t>(value)); }
  JsonLine& Add(const std::string& key, int64_t value);
  JsonLine& Add(const std::string& key, const std::string& value);
  JsonLine& Add(const std::string& key, const char* value) { return Add(key, std::string(value)); }
  JsonLine& Add(const Figures& figures);
  // The median round's figures (ours then the reference's), the number of rounds, ratio_min,
  // ratio_max and, last, the median round's ratio; the closing brace.
  std::string Finish(const RoundsResult& result);
  // Closes the line with `ratio` last, for benchmarks that are not ours-vs-reference rounds.
  std::string Finish(double ratio);

 private:
  std::string text_;
};

}  // namespace mimic::bench

#endif  // MIMIC_BENCH_ROUNDS_H_
