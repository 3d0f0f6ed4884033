#include <cmath>
#include <map>

#include "gtest/gtest.h"
#include "replay/selectors/insertion_order_selector.h"
#include "replay/selectors/prioritized_selector.h"
#include "replay/selectors/uniform_selector.h"

namespace mimic::replay {
namespace {

// Pearson chi-square statistic of observed counts against expected probabilities.
double ChiSquare(const std::map<uint64_t, int>& counts, const std::map<uint64_t, double>& p, int n) {
  double chi = 0;
  for (const auto& [key, prob] : p) {
    const double expected = prob * n;
    const double observed = counts.count(key) ? counts.at(key) : 0;
    chi += (observed - expected) * (observed - expected) / expected;
  }
  return chi;
}

TEST(PrioritizedSelectorTest, FrequenciesMatchPrioritiesByChiSquare) {
  PrioritizedSelector selector(/*exponent=*/1.0);
  std::map<uint64_t, double> priority = {{1, 1.0}, {2, 2.0}, {3, 3.0}, {4, 4.0}, {5, 10.0}};
  for (const auto& [k, p] : priority) selector.Insert(k, p);
  std::map<uint64_t, double> expected;
  for (const auto& [k, p] : priority) expected[k] = p / 20.0;
  std::mt19937_64 rng(123);
  const int n = 200000;
  std::map<uint64_t, int> counts;
  for (int i = 0; i < n; ++i) {
    const SelectedKey s = selector.Select(rng);
    EXPECT_NEAR(s.probability, expected[s.key], 1e-12);
    counts[s.key]++;
  }
  // 4 degrees of freedom: the 99.9% quantile is 18.47
  EXPECT_LT(ChiSquare(counts, expected, n), 18.47);
}

TEST(PrioritizedSelectorTest, ExponentUpdatesAndDeletesApply) {
  PrioritizedSelector selector(/*exponent=*/2.0);
  for (uint64_t k = 0; k < 40; ++k) selector.Insert(k, 1.0);  // forces the tree to grow
  for (uint64_t k = 0; k < 38; ++k) selector.Delete(k);
  selector.Update(38, 3.0);  // weight 9 against 1
  std::mt19937_64 rng(5);
  std::map<uint64_t, int> counts;
  const int n = 100000;
  for (int i = 0; i < n; ++i) counts[selector.Select(rng).key]++;
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_LT(ChiSquare(counts, {{38, 0.9}, {39, 0.1}}, n), 10.83);  // 1 dof, 99.9%
}

TEST(PrioritizedSelectorTest, AllZeroPrioritiesFallBackToUniform) {
  PrioritizedSelector selector(1.0);
  selector.Insert(7, 0.0);
  selector.Insert(8, 0.0);
  std::mt19937_64 rng(1);
  std::map<uint64_t, int> counts;
  for (int i = 0; i < 2000; ++i) counts[selector.Select(rng).key]++;
  EXPECT_GT(counts[7], 800);
  EXPECT_GT(counts[8], 800);
}

TEST(UniformSelectorTest, SurvivesDeletesAndStaysUniform) {
  UniformSelector selector;
  for (uint64_t k = 0; k < 10; ++k) selector.Insert(k, 0);
  selector.Delete(3);
  selector.Delete(9);
  std::mt19937_64 rng(9);
  std::map<uint64_t, int> counts;
  const int n = 80000;
  std::map<uint64_t, double> expected;
  for (uint64_t k : {0, 1, 2, 4, 5, 6, 7, 8}) expected[k] = 1.0 / 8;
  for (int i = 0; i < n; ++i) counts[selector.Select(rng).key]++;
  EXPECT_EQ(counts.count(3) + counts.count(9), 0u);
  EXPECT_LT(ChiSquare(counts, expected, n), 24.32);  // 7 dof, 99.9%
}

TEST(InsertionOrderSelectorTest, FifoAndLifoPickTheEnds) {
  InsertionOrderSelector fifo(InsertionOrderSelector::Order::kFifo);
  InsertionOrderSelector lifo(InsertionOrderSelector::Order::kLifo);
  std::mt19937_64 rng(0);
  for (uint64_t k : {5, 6, 7}) {
    fifo.Insert(k, 0);
    lifo.Insert(k, 0);
  }
  EXPECT_EQ(fifo.Select(rng).key, 5u);
  EXPECT_EQ(lifo.Select(rng).key, 7u);
  fifo.Delete(5);
  lifo.Delete(7);
  EXPECT_EQ(fifo.Select(rng).key, 6u);
  EXPECT_EQ(lifo.Select(rng).key, 6u);
}

}  // namespace
}  // namespace mimic::replay
