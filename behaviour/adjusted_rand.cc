#include "behaviour/adjusted_rand.h"

#include <cmath>
#include <map>

namespace mimic::behaviour {
namespace {

double Pairs(double n) { return n * (n - 1) / 2; }

}  // namespace

double AdjustedRandIndex(const std::vector<int>& a, const std::vector<int>& b) {
  if (a.size() != b.size() || a.empty()) return std::nan("");
  std::map<std::pair<int, int>, double> joint;
  std::map<int, double> rows, cols;
  for (size_t i = 0; i < a.size(); ++i) {
    joint[{a[i], b[i]}] += 1;
    rows[a[i]] += 1;
    cols[b[i]] += 1;
  }
  double index = 0, sum_rows = 0, sum_cols = 0;
  for (const auto& [key, n] : joint) index += Pairs(n);
  for (const auto& [key, n] : rows) sum_rows += Pairs(n);
  for (const auto& [key, n] : cols) sum_cols += Pairs(n);
  const double expected = sum_rows * sum_cols / Pairs(static_cast<double>(a.size()));
  const double max_index = 0.5 * (sum_rows + sum_cols);
  if (max_index == expected) return 1.0;  // both trivial partitions
  return (index - expected) / (max_index - expected);
}

}  // namespace mimic::behaviour
