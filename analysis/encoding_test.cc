#include "analysis/encoding.h"

#include <algorithm>
#include <cmath>

#include <cmath>

#include "analysis/statistics.h"
#include "analysis/synthetic.h"
#include "gtest/gtest.h"

namespace mimic::analysis {
namespace {

TEST(StatisticsTest, WilcoxonMatchesExactCounts) {
  // all positive: only one of 2^n sign patterns reaches the maximum rank sum
  EXPECT_NEAR(WilcoxonSignedRankGreater({1, 2, 3, 4, 5}), 1.0 / 32, 1e-12);
  // ranks 1..4, positives at ranks 2 and 4: W = 6; patterns with sum >= 6 are 7 of 16
  EXPECT_NEAR(WilcoxonSignedRankGreater({-1, 2, -3, 4}), 7.0 / 16, 1e-12);
  EXPECT_EQ(WilcoxonSignedRankGreater({0, 0}), 1.0);
}

TEST(StatisticsTest, BenjaminiHochbergRejectsTheStepUpSet) {
  // m = 5, q = 0.05: thresholds 0.01, 0.02, 0.03, 0.04, 0.05; the largest k with p_(k) <= kq/m is 3
  const std::vector<bool> r = BenjaminiHochberg({0.041, 0.005, 0.5, 0.03, 0.019}, 0.05);
  EXPECT_EQ(r, (std::vector<bool>{false, true, false, true, true}));
  EXPECT_EQ(BenjaminiHochberg({0.9, 0.8}, 0.05), (std::vector<bool>{false, false}));
}

TEST(StatisticsTest, PairedPermutationSeesConsistentDifferences) {
  std::vector<double> a(30), b(30);
  for (int i = 0; i < 30; ++i) {
    a[i] = 1.0 + 0.1 * std::sin(i);
    b[i] = 0.5 + 0.1 * std::cos(i);
  }
  EXPECT_LT(PairedPermutationGreater(a, b, 2000, 1), 0.01);
  EXPECT_GT(PairedPermutationGreater(b, a, 2000, 1), 0.9);
}

TEST(EncodingTest, RecoversPlantedClassesAndLags) {
  SynthOptions synth;
  synth.seed = 4;
  const SynthSession session = MakeSyntheticSession(synth);
  EncodingOptions options;
  options.lags = synth.lags;
  auto result = RunEncoding(session.classes, session.counts, options);
  ASSERT_TRUE(result.ok()) << result.status();
  int tuned_significant = 0, recovered = 0, untuned = 0, false_positive = 0;
  for (size_t n = 0; n < result->size(); ++n) {
    const NeuronEncoding& e = (*result)[n];
    if (session.true_class[n] < 0) {
      ++untuned;
      false_positive += e.best_class >= 0;
      continue;
    }
    if (e.best_class < 0) continue;
    ++tuned_significant;
    recovered += e.best_class == session.true_class[n] &&
                 e.classes[e.best_class].best_lag == session.true_lag[n];
  }
  std::printf("tuned significant %d/20, recovered %d; untuned called significant %d/%d\n", tuned_significant, recovered,
              false_positive, untuned);
  EXPECT_GE(tuned_significant, 16);
  EXPECT_GE(recovered, 0.9 * tuned_significant);
  EXPECT_LE(false_positive, 1);

  // coefficients at the planted lag recover the planted weights (features are z-scored, and the
  // synthetic features have unit variance), and their standard errors are honest: the errors
  // divided by the standard errors look standard normal
  double squared_z = 0;
  int weights = 0, untuned_large = 0, untuned_weights = 0;
  for (size_t n = 0; n < result->size(); ++n) {
    for (size_t c = 0; c < session.classes.size(); ++c) {
      const ClassResult& r = (*result)[n].classes[c];
      ASSERT_EQ(r.fits.size(), options.lags.size());
      const int lag = session.true_class[n] >= 0 ? session.true_lag[n] : 0;
      const LagFit& fit = r.fits[std::find(options.lags.begin(), options.lags.end(), lag) - options.lags.begin()];
      EXPECT_EQ(fit.lag, lag);
      ASSERT_EQ(fit.weights.size(), session.classes[c].features.cols());
      ASSERT_EQ(fit.weight_se.size(), fit.weights.size());
      if (session.true_class[n] == static_cast<int>(c)) {
        const Eigen::VectorXd truth = session.true_weights[n].cwiseProduct(StandardizationOf(session.classes[c].features).scale.transpose());
        for (Eigen::Index d = 0; d < truth.size(); ++d) {
          squared_z += std::pow((fit.weights(d) - truth(d)) / fit.weight_se(d), 2);
          ++weights;
        }
      } else if (session.true_class[n] < 0) {
        for (Eigen::Index d = 0; d < fit.weights.size(); ++d) {
          untuned_large += std::abs(fit.weights(d) / fit.weight_se(d)) > 3;
          ++untuned_weights;
        }
      }
    }
  }
  // ridge shrinkage biases weights toward zero a little, so the mean squared z sits a bit above 1
  std::printf("mean squared z of planted weights %.2f over %d; untuned |z| > 3: %d of %d\n", squared_z / weights,
              weights, untuned_large, untuned_weights);
  EXPECT_LT(squared_z / weights, 2.0);
  EXPECT_GT(squared_z / weights, 0.4);
  EXPECT_LE(untuned_large, 2);
}

TEST(EncodingTest, ThePenaltyIsChosenPerNeuronOrGiven) {
  SynthOptions synth;
  synth.bins = 2000;
  synth.tuned_per_class = 1;
  synth.untuned = 1;
  synth.lags = {0};
  const SynthSession session = MakeSyntheticSession(synth);
  EncodingOptions options;
  options.folds = 5;
  options.ridge_grid = {0.5, 5000};
  auto chosen = RunEncoding(session.classes, session.counts, options).value();
  // the tuned neuron of class 0 keeps its weights; the untuned one is best shrunk away
  EXPECT_NEAR(chosen[0].classes[0].ridge, 0.5, 1e-9);
  EXPECT_NEAR(chosen[2].classes[0].ridge, 5000, 1e-6);
  EXPECT_EQ(chosen[0].classes[0].score.fold_ridge.size(), 5u);
  options.select_ridge = false;
  options.glm.ridge = 7;
  auto given = RunEncoding(session.classes, session.counts, options).value();
  for (double r : given[0].classes[1].score.fold_ridge) EXPECT_EQ(r, 7);
  EXPECT_EQ(given[0].classes[1].ridge, 7);
}

TEST(EncodingTest, MismatchedLengthsAreRefused) {
  std::vector<FeatureClass> classes = {{"a", Eigen::MatrixXd::Ones(10, 2)}};
  EXPECT_FALSE(RunEncoding(classes, Eigen::MatrixXd::Ones(9, 1), {}).ok());
}

}  // namespace
}  // namespace mimic::analysis
