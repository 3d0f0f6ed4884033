#include "analysis/statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace mimic::analysis {

double WilcoxonSignedRankGreater(const std::vector<double>& values) {
  std::vector<double> x;
  for (double v : values)
    if (v != 0 && std::isfinite(v)) x.push_back(v);
  const int n = static_cast<int>(x.size());
  if (n == 0) return 1.0;
  // average ranks of |x|
  std::vector<int> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&x](int a, int b) { return std::abs(x[a]) < std::abs(x[b]); });
  std::vector<double> rank(n);
  for (int i = 0; i < n;) {
    int j = i;
    while (j + 1 < n && std::abs(x[idx[j + 1]]) == std::abs(x[idx[i]])) ++j;
    for (int k = i; k <= j; ++k) rank[idx[k]] = 0.5 * (i + j) + 1;
    i = j + 1;
  }
  double w = 0;
  for (int i = 0; i < n; ++i) w += x[i] > 0 ? rank[i] : 0;
  if (n <= 20) {
    // P(W >= w) over all 2^n equally likely sign patterns
    int64_t count = 0;
    const int64_t total = int64_t{1} << n;
    for (int64_t mask = 0; mask < total; ++mask) {
      double s = 0;
      for (int i = 0; i < n; ++i) s += (mask >> i & 1) ? rank[i] : 0;
      count += s >= w - 1e-9;
    }
    return static_cast<double>(count) / total;
  }
  const double mean = n * (n + 1) / 4.0, sd = std::sqrt(n * (n + 1) * (2 * n + 1) / 24.0);
  const double z = (w - mean - 0.5) / sd;
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

std::vector<bool> BenjaminiHochberg(const std::vector<double>& p, double q) {
  const size_t m = p.size();
  std::vector<size_t> idx(m);
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&p](size_t a, size_t b) { return p[a] < p[b]; });
  size_t largest = 0;  // the largest k with p_(k) <= k q / m
  for (size_t k = 1; k <= m; ++k) {
    if (p[idx[k - 1]] <= q * k / m) largest = k;
  }
  std::vector<bool> reject(m, false);
  for (size_t k = 0; k < largest; ++k) reject[idx[k]] = true;
  return reject;
}

double PairedPermutationGreater(const std::vector<double>& a, const std::vector<double>& b, int rounds, uint64_t seed) {
  const size_t n = std::min(a.size(), b.size());
  if (n == 0) return 1.0;
  std::vector<double> d(n);
  double observed = 0;
  for (size_t i = 0; i < n; ++i) {
    d[i] = a[i] - b[i];
    observed += d[i];
  }
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution flip(0.5);
  int at_least = 0;
  for (int r = 0; r < rounds; ++r) {
    double s = 0;
    for (double v : d) s += flip(rng) ? -v : v;
    at_least += s >= observed - 1e-12;
  }
  return (at_least + 1.0) / (rounds + 1.0);
}

}  // namespace mimic::analysis
