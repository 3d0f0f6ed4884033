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

std::vector<double> Bonferroni(const std::vector<double>& p) {
  std::vector<double> out;
  for (double v : p) out.push_back(std::min(1.0, v * p.size()));
  return out;
}

namespace {

// Continued fraction of the incomplete beta function (modified Lentz's method).
double BetaContinuedFraction(double a, double b, double x) {
  const double tiny = 1e-300, eps = 1e-15;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::abs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 10000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (std::abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (std::abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < eps) break;
  }
  return h;
}

// Regularised incomplete beta I_x(a, b).
double IncompleteBeta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  // the continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise
  if (x < (a + 1) / (a + b + 2)) return front * BetaContinuedFraction(a, b, x) / a;
  return 1 - front * BetaContinuedFraction(b, a, 1 - x) / b;
}

// Regularised upper incomplete gamma Q(a, x).
double UpperIncompleteGamma(double a, double x) {
  if (x <= 0) return 1;
  const double log_front = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1) {
    // series for P(a, x)
    double sum = 1 / a, term = sum;
    for (int n = 1; n < 10000; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::abs(term) < std::abs(sum) * 1e-16) break;
    }
    return 1 - std::exp(log_front) * sum;
  }
  // continued fraction for Q(a, x) (Lentz)
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < 1e-16) break;
  }
  return std::exp(log_front) * h;
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / v.size();
}

double SampleVariance(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = Mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / (v.size() - 1);
}

TTest FromStatistic(double difference, double se, double df) {
  TTest out;
  out.mean_difference = difference;
  out.df = df;
  if (!(df > 0)) return out;
  if (se > 0) {
    out.t = difference / se;
    out.p = StudentTUpperTail(out.t, df);
  } else if (difference != 0) {
    // no spread: the sign decides
    out.t = difference > 0 ? INFINITY : -INFINITY;
    out.p = difference > 0 ? 0 : 1;
  }
  return out;
}

}  // namespace

double StudentTUpperTail(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return std::nan("");
  if (std::isinf(t)) return t > 0 ? 0 : 1;
  const double tail = 0.5 * IncompleteBeta(df / 2, 0.5, df / (df + t * t));  // P(|T| > |t|) / 2
  return t >= 0 ? tail : 1 - tail;
}

double ChiSquaredUpperTail(double x, double df) {
  if (std::isnan(x) || !(df > 0)) return std::nan("");
  return x <= 0 ? 1 : UpperIncompleteGamma(df / 2, x / 2);
}

TTest OneSampleTGreater(const std::vector<double>& a, double mu) {
  const double n = static_cast<double>(a.size());
  if (a.size() < 2) return FromStatistic(Mean(a) - mu, 0, 0);
  return FromStatistic(Mean(a) - mu, std::sqrt(SampleVariance(a) / n), n - 1);
}

TTest PairedTGreater(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) d.push_back(a[i] - b[i]);
  return OneSampleTGreater(d, 0);
}

TTest WelchTGreater(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() < 2 || b.size() < 2) return FromStatistic(Mean(a) - Mean(b), 0, 0);
  const double va = SampleVariance(a) / a.size(), vb = SampleVariance(b) / b.size();
  const double se2 = va + vb;
  const double df = se2 > 0 ? se2 * se2 / (va * va / (a.size() - 1) + vb * vb / (b.size() - 1)) : a.size() + b.size() - 2.0;
  return FromStatistic(Mean(a) - Mean(b), std::sqrt(se2), df);
}

ChiSquaredTest ChiSquaredRateGreater(int events_a, int trials_a, int events_b, int trials_b) {
  ChiSquaredTest out;
  const double n = trials_a + trials_b, events = events_a + events_b;
  if (trials_a <= 0 || trials_b <= 0 || events <= 0 || events >= n) return out;
  const double observed[2][2] = {{double(events_a), double(trials_a - events_a)}, {double(events_b), double(trials_b - events_b)}};
  const double rows[2] = {double(trials_a), double(trials_b)}, cols[2] = {events, n - events};
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c) {
      const double expected = rows[r] * cols[c] / n;
      out.statistic += (observed[r][c] - expected) * (observed[r][c] - expected) / expected;
    }
  out.p_two_sided = ChiSquaredUpperTail(out.statistic, 1);
  const bool a_higher = static_cast<double>(events_a) / trials_a > static_cast<double>(events_b) / trials_b;
  out.p = a_higher ? out.p_two_sided / 2 : 1 - out.p_two_sided / 2;
  return out;
}

}  // namespace mimic::analysis
