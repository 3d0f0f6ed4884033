#include "analysis/rsa.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace mimic::analysis {
namespace {

TEST(RsaTest, RdmsMatchTheirDefinitionsOnAHandCase) {
  Eigen::MatrixXd m(3, 2);
  m << 0, 0,
       3, 4,
       0, 2;
  auto euclid = ComputeRdm(m, RdmMetric::kEuclidean);
  ASSERT_TRUE(euclid.ok());
  EXPECT_NEAR((*euclid)(0), 5 / std::sqrt(2.0), 1e-12);               // (0,1)
  EXPECT_NEAR((*euclid)(1), 2 / std::sqrt(2.0), 1e-12);               // (0,2)
  EXPECT_NEAR((*euclid)(2), std::sqrt(9.0 + 4) / std::sqrt(2.0), 1e-12);  // (1,2)
  Eigen::MatrixXd c(3, 3);
  c << 1, 2, 3,
       2, 4, 6,
       3, 2, 1;
  auto corr = ComputeRdm(c, RdmMetric::kCorrelation);
  ASSERT_TRUE(corr.ok());
  EXPECT_NEAR((*corr)(0), 0.0, 1e-12);  // perfectly correlated
  EXPECT_NEAR((*corr)(1), 2.0, 1e-12);  // anti-correlated
}

TEST(RsaTest, CrossnobisIsUnbiasedWhereConditionsDoNotDiffer) {
  std::mt19937 rng(1);
  std::normal_distribution<double> noise(0, 1);
  // conditions 0 and 1 share a pattern; 2 differs by 1 in every feature
  double same = 0, differ = 0;
  const int reps = 200;
  for (int r = 0; r < reps; ++r) {
    std::vector<Eigen::MatrixXd> folds;
    for (int f = 0; f < 2; ++f) {
      Eigen::MatrixXd m(3, 50);
      for (int j = 0; j < 50; ++j) {
        m(0, j) = noise(rng);
        m(1, j) = noise(rng);
        m(2, j) = 1 + noise(rng);
      }
      folds.push_back(m);
    }
    auto rdm = CrossnobisRdm(folds);
    same += (*rdm)(0) / reps;
    differ += (*rdm)(1) / reps;
  }
  EXPECT_NEAR(same, 0.0, 0.05);   // a plain distance would be biased up by 2 (noise variance x 2)
  EXPECT_NEAR(differ, 1.0, 0.05);
}

TEST(RsaTest, WhitenedUnbiasedCosineMatchesItsDefinition) {
  // K = 3: C C' = [[2,1,-1],[1,2,1],[-1,1,2]], V = its elementwise square
  Eigen::VectorXd a(3), b(3);
  a << 1, 2, 3;
  b << 2, 1, 0.5;
  Eigen::Matrix3d v;
  v << 4, 1, 1,
       1, 4, 1,
       1, 1, 4;
  const Eigen::Vector3d va = v.ldlt().solve(a), vb = v.ldlt().solve(b);
  const double expected = a.dot(vb) / std::sqrt(a.dot(va) * b.dot(vb));
  auto wuc = WhitenedUnbiasedCosine(a, b);
  ASSERT_TRUE(wuc.ok());
  EXPECT_NEAR(*wuc, expected, 1e-12);
  EXPECT_NEAR(*WhitenedUnbiasedCosine(a, 3 * a), 1.0, 1e-12);  // scale-invariant
  auto r = RdmCorrelation(a, b);
  EXPECT_NEAR(*r, -1.5 / (std::sqrt(2.0) * std::sqrt(42.0) / 6), 1e-12);  // centred a.b over the norms, by hand
  EXPECT_FALSE(WhitenedUnbiasedCosine(Eigen::VectorXd::Zero(3), b).ok());
  EXPECT_FALSE(WhitenedUnbiasedCosine(Eigen::VectorXd::Ones(4), Eigen::VectorXd::Ones(4)).ok());
}

TEST(RsaTest, NoiseCeilingFollowsRsatoolboxsPooling) {
  // three subjects over 4 conditions, the second on a 100-fold larger scale; the expected values
  // follow rsatoolbox's boot_noise_ceiling (pool_rdm: each RDM over its RMS, then the mean;
  // compare: whitened cosine with V = (CC')o(CC')), evaluated independently in exact arithmetic
  std::vector<Eigen::VectorXd> subjects(3, Eigen::VectorXd(6));
  subjects[0] << 1.0, 2.0, 3.0, 1.5, 2.5, 0.5;
  subjects[1] << 200, 300, 500, 100, 300, 100;
  subjects[2] << 0.9, 2.2, 2.7, 2.0, 2.0, 0.8;
  auto ceiling = WucNoiseCeiling(subjects);
  ASSERT_TRUE(ceiling.ok());
  EXPECT_NEAR(ceiling->lower, 0.9599418805576088, 1e-12);
  EXPECT_NEAR(ceiling->upper, 0.9820256638213037, 1e-12);
  const double lower[3] = {0.9868895102163303, 0.9380791277091115, 0.9548570037473844};
  for (int s = 0; s < 3; ++s) EXPECT_NEAR(ceiling->lower_by_subject[s], lower[s], 1e-12);
  // averaging the raw RDMs instead would let the large subject dominate: 0.9346
  EXPECT_GT(std::abs(ceiling->lower - 0.9346259574350132), 0.02);
  EXPECT_LE(ceiling->lower, ceiling->upper);
}

TEST(RsaTest, ClusterOrderKeepsClustersTogether) {
  // conditions {0, 2} and {1, 3} are close pairs
  Eigen::MatrixXd m(4, 1);
  m << 0, 10, 0.1, 10.2;
  auto rdm = ComputeRdm(m, RdmMetric::kEuclidean);
  const std::vector<int> order = ClusterOrder(*rdm);
  ASSERT_EQ(order.size(), 4u);
  auto pos = [&order](int c) { return std::find(order.begin(), order.end(), c) - order.begin(); };
  EXPECT_EQ(std::abs(pos(0) - pos(2)), 1);
  EXPECT_EQ(std::abs(pos(1) - pos(3)), 1);
}

TEST(RsaTest, ConditionMeansRefuseBadLabelsAndEmptyConditions) {
  Eigen::MatrixXd data(3, 2);
  data << 1, 2, 3, 4, 5, 6;
  auto means = ConditionMeans(data, {0, 1, 0}, 2);
  ASSERT_TRUE(means.ok());
  EXPECT_EQ((*means)(0, 0), 3);
  EXPECT_FALSE(ConditionMeans(data, {0, 1}, 2).ok());
  EXPECT_FALSE(ConditionMeans(data, {0, 0, 0}, 2).ok());
  EXPECT_FALSE(ConditionMeans(data, {0, 5, 0}, 2).ok());
}

}  // namespace
}  // namespace mimic::analysis
