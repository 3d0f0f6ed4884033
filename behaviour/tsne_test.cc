#include "behaviour/tsne.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "behaviour/vp_tree.h"
#include "gtest/gtest.h"

namespace mimic::behaviour {
namespace {

RowMatrix Clusters(int per_cluster, int clusters, int dims, double spread, uint64_t seed, std::vector<int>* labels) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  RowMatrix centres(clusters, dims);
  for (int c = 0; c < clusters; ++c)
    for (int d = 0; d < dims; ++d) centres(c, d) = 10 * normal(rng);
  RowMatrix x(per_cluster * clusters, dims);
  for (int i = 0; i < x.rows(); ++i) {
    const int c = i % clusters;
    labels->push_back(c);
    for (int d = 0; d < dims; ++d) x(i, d) = centres(c, d) + spread * normal(rng);
  }
  return x;
}

TEST(VpTreeTest, FindsTheSameNeighboursAsBruteForce) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0, 1);
  RowMatrix x(800, 5);
  for (int i = 0; i < x.rows(); ++i)
    for (int d = 0; d < 5; ++d) x(i, d) = normal(rng);
  VpTree tree(x, 7);
  for (int q = 0; q < 50; ++q) {
    std::vector<std::pair<double, int>> all;
    for (int i = 0; i < x.rows(); ++i) {
      if (i != q) all.push_back({(x.row(i) - x.row(q)).norm(), i});
    }
    std::sort(all.begin(), all.end());
    const std::vector<Neighbour> nn = tree.Search(x.row(q).data(), 10, /*exclude=*/q);
    ASSERT_EQ(nn.size(), 10u);
    for (int k = 0; k < 10; ++k) {
      EXPECT_EQ(nn[k].index, all[k].second) << "query " << q << " rank " << k;
      EXPECT_NEAR(nn[k].distance, all[k].first, 1e-12);
    }
  }
}

TEST(TsneTest, PerplexityWeightsHaveThePerplexityAsTheirEntropy) {
  std::vector<Neighbour> nn;
  for (int j = 0; j < 90; ++j) nn.push_back({j, 0.1 * j + 0.05 * std::sin(j)});
  std::sort(nn.begin(), nn.end(), [](const Neighbour& a, const Neighbour& b) { return a.distance < b.distance; });
  const std::vector<double> p = PerplexityWeights(nn, 30);
  double sum = 0, entropy = 0;
  for (double v : p) {
    sum += v;
    if (v > 0) entropy -= v * std::log(v);
  }
  EXPECT_NEAR(sum, 1, 1e-12);
  EXPECT_NEAR(std::exp(entropy), 30, 0.01);
  for (size_t j = 1; j < p.size(); ++j) EXPECT_LE(p[j], p[j - 1] + 1e-15);  // nearer is heavier
}

TEST(TsneTest, AffinitiesAreSymmetricAndSumToOne) {
  std::vector<int> labels;
  const RowMatrix x = Clusters(40, 3, 4, 1.0, 2, &labels);
  const Affinities a = InputAffinities(x, 10, 1);
  double total = 0;
  for (int i = 0; i < x.rows(); ++i)
    for (int e = a.row_start[i]; e < a.row_start[i + 1]; ++e) {
      total += a.value[e];
      const int j = a.column[e];
      const auto begin = a.column.begin() + a.row_start[j], end = a.column.begin() + a.row_start[j + 1];
      const auto at = std::find(begin, end, i);
      ASSERT_NE(at, end) << "P is not symmetric at " << i << ", " << j;
      EXPECT_NEAR(a.value[at - a.column.begin()], a.value[e], 1e-15);
    }
  EXPECT_NEAR(total, 1, 1e-12);
}

TEST(TsneTest, SeparatesClustersAndKeepsNeighbourhoods) {
  std::vector<int> labels;
  const RowMatrix x = Clusters(200, 4, 12, 1.5, 5, &labels);
  TsneOptions options;
  options.iterations = 500;
  const auto start = std::chrono::steady_clock::now();
  RowMatrix y = Tsne(x, options).value();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(y.rows(), x.rows());
  ASSERT_EQ(y.cols(), 2);
  // every point's 10 nearest neighbours in the map come from its own cluster
  VpTree tree(y, 1);
  int same = 0, total = 0;
  for (int i = 0; i < y.rows(); ++i) {
    for (const Neighbour& n : tree.Search(y.row(i).data(), 10, i)) {
      same += labels[n.index] == labels[i];
      ++total;
    }
  }
  std::printf("800 points, 500 iterations: %.2f s; neighbours in the same cluster %.3f\n", seconds,
              static_cast<double>(same) / total);
  EXPECT_GT(static_cast<double>(same) / total, 0.99);
  // within clusters the map keeps local structure: a point's 10 nearest neighbours in the input
  // are largely its neighbours in the map (a collapsed cluster would share ~10 / 200 by chance)
  VpTree input(x, 1);
  double overlap = 0;
  for (int i = 0; i < y.rows(); ++i) {
    const std::vector<Neighbour> a = input.Search(x.row(i).data(), 10, i), b = tree.Search(y.row(i).data(), 10, i);
    for (const Neighbour& n : a)
      for (const Neighbour& m : b) overlap += n.index == m.index;
  }
  overlap /= 10.0 * y.rows();
  std::printf("input neighbours kept in the map: %.3f\n", overlap);
  EXPECT_GT(overlap, 0.25);
  // the clusters are apart: between-centre distances exceed the clusters' spreads
  for (int a = 0; a < 4; ++a)
    for (int b = a + 1; b < 4; ++b) {
      Eigen::RowVector2d ca = Eigen::RowVector2d::Zero(), cb = Eigen::RowVector2d::Zero();
      double spread_a = 0;
      for (int i = 0; i < y.rows(); ++i) {
        if (labels[i] == a) ca += y.row(i) / 200.0;
        if (labels[i] == b) cb += y.row(i) / 200.0;
      }
      for (int i = 0; i < y.rows(); ++i)
        if (labels[i] == a) spread_a += (y.row(i) - ca).norm() / 200.0;
      EXPECT_GT((ca - cb).norm(), 2 * spread_a) << a << " vs " << b;
    }
}

TEST(TsneTest, RefusesBadInput) {
  RowMatrix tiny(3, 2);
  tiny.setZero();
  EXPECT_FALSE(Tsne(tiny).ok());
  RowMatrix nan = RowMatrix::Zero(10, 2);
  nan(3, 1) = std::nan("");
  EXPECT_FALSE(Tsne(nan).ok());
  TsneOptions bad;
  bad.perplexity = 1;
  EXPECT_FALSE(Tsne(RowMatrix::Random(20, 3), bad).ok());
}

}  // namespace
}  // namespace mimic::behaviour
