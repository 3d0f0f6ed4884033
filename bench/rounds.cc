#include "bench/rounds.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mimic::bench {
namespace {

std::string Number(double v) {
  if (!std::isfinite(v)) return "null";
  return absl::StrFormat("%.6g", v);
}

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

double FigureOf(const Figures& figures, const std::string& name) {
  for (const auto& [k, v] : figures) {
    if (k == name) return v;
  }
  return std::nan("");
}

absl::StatusOr<RoundsResult> RunRounds(const RoundsOptions& options, const Measurement& ours,
                                       const Measurement& reference,
                                       const std::function<double(const Figures&, const Figures&)>& ratio) {
  if (options.rounds < 1) return absl::InvalidArgumentError("a benchmark needs at least one round");
  auto measure = [](const Measurement& m, const char* side, const std::string& when) -> absl::StatusOr<Figures> {
    auto figures = m();
    if (!figures.ok()) {
      return absl::Status(figures.status().code(),
                          absl::StrCat(when, ": the ", side, " measurement failed: ", figures.status().message()));
    }
    return figures;
  };
  if (options.warmup) {
    if (auto w = measure(ours, "our", "warm-up"); !w.ok()) return w.status();
    if (auto w = measure(reference, "reference", "warm-up"); !w.ok()) return w.status();
  }
  RoundsResult result;
  for (int r = 0; r < options.rounds; ++r) {
    const std::string when = absl::StrCat("round ", r + 1);
    Round round;
    round.reference_first = r % 2 == 1;
    for (int side = 0; side < 2; ++side) {
      const bool measure_reference = (side == 0) == round.reference_first;
      auto figures = measure_reference ? measure(reference, "reference", when) : measure(ours, "our", when);
      if (!figures.ok()) return figures.status();
      (measure_reference ? round.reference : round.ours) = *std::move(figures);
    }
    round.ratio = ratio(round.ours, round.reference);
    if (!std::isfinite(round.ratio) || round.ratio <= 0) {
      return absl::InternalError(absl::StrCat(when, ": the measurement gave no usable ratio (", round.ratio, ")"));
    }
    std::fprintf(stderr, "  %s: ratio %.3f\n", when.c_str(), round.ratio);
    result.rounds.push_back(std::move(round));
  }
  std::vector<size_t> order(result.rounds.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return result.rounds[a].ratio < result.rounds[b].ratio; });
  result.median_index = order[(order.size() - 1) / 2];
  result.ratio_min = result.rounds[order.front()].ratio;
  result.ratio_max = result.rounds[order.back()].ratio;
  return result;
}

JsonLine::JsonLine(const std::string& bench) : text_(absl::StrCat("{\"bench\":", Quoted(bench))) {}

JsonLine& JsonLine::Add(const std::string& key, double value) {
  absl::StrAppend(&text_, ",", Quoted(key), ":", Number(value));
  return *this;
}

JsonLine& JsonLine::Add(const std::string& key, int64_t value) {
  absl::StrAppend(&text_, ",", Quoted(key), ":", value);
  return *this;
}

JsonLine& JsonLine::Add(const std::string& key, const std::string& value) {
  absl::StrAppend(&text_, ",", Quoted(key), ":", Quoted(value));
  return *this;
}

JsonLine& JsonLine::Add(const Figures& figures) {
  for (const auto& [k, v] : figures) Add(k, v);
  return *this;
}

std::string JsonLine::Finish(const RoundsResult& result) {
  Add(result.median().ours);
  Add(result.median().reference);
  Add("rounds", static_cast<int64_t>(result.rounds.size()));
  absl::StrAppend(&text_, ",\"ratio_min\":", absl::StrFormat("%.3f", result.ratio_min), ",\"ratio_max\":",
                  absl::StrFormat("%.3f", result.ratio_max));
  return Finish(result.median().ratio);
}

std::string JsonLine::Finish(double ratio) {
  absl::StrAppend(&text_, ",\"ratio\":", absl::StrFormat("%.3f", ratio), "}");
  return text_;
}

}  // namespace mimic::bench
