#include "analysis/poisson_glm.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace mimic::analysis {
namespace {

GlmOptions Unpenalised() {
  GlmOptions o;
  o.ridge = 0;
  return o;
}

TEST(PoissonGlmTest, InterceptOnlyFitIsTheLogMeanRate) {
  Eigen::MatrixXd x(5, 0);
  Eigen::VectorXd y(5);
  y << 0, 2, 1, 4, 3;
  auto fit = FitPoissonGlm(x, y, Unpenalised());
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_NEAR(fit->intercept, std::log(2.0), 1e-12);
  EXPECT_TRUE(fit->converged);
}

TEST(PoissonGlmTest, IndicatorFeatureMatchesTheClosedFormGroupRates) {
  // for x in {0, 1} the MLE is b0 = log mean(y | x=0), b1 = log mean(y | x=1) - b0
  Eigen::MatrixXd x(8, 1);
  Eigen::VectorXd y(8);
  x << 0, 0, 0, 0, 1, 1, 1, 1;
  y << 1, 0, 2, 1, 5, 3, 4, 4;
  auto fit = FitPoissonGlm(x, y, Unpenalised());
  ASSERT_TRUE(fit.ok());
  EXPECT_NEAR(fit->intercept, std::log(1.0), 1e-9);
  EXPECT_NEAR(fit->weights(0), std::log(4.0), 1e-9);
  // the log-likelihood at the optimum, by hand
  double ll = 0;
  for (int t = 0; t < 8; ++t) {
    const double mu = t < 4 ? 1.0 : 4.0;
    ll += y(t) * std::log(mu) - mu - std::lgamma(y(t) + 1);
  }
  EXPECT_NEAR(fit->log_likelihood, ll, 1e-9);
}

TEST(PoissonGlmTest, RecoversPlantedWeightsAndRidgeShrinksThem) {
  std::mt19937 rng(3);
  std::normal_distribution<double> normal(0, 1);
  const int n = 20000, p = 4;
  Eigen::MatrixXd x(n, p);
  for (int t = 0; t < n; ++t)
    for (int j = 0; j < p; ++j) x(t, j) = normal(rng);
  Eigen::VectorXd w(p);
  w << 0.5, -0.3, 0.0, 0.2;
  Eigen::VectorXd y(n);
  for (int t = 0; t < n; ++t) y(t) = std::poisson_distribution<int>(std::exp(0.3 + x.row(t).dot(w)))(rng);
  auto fit = FitPoissonGlm(x, y, Unpenalised());
  ASSERT_TRUE(fit.ok());
  for (int j = 0; j < p; ++j) EXPECT_NEAR(fit->weights(j), w(j), 0.03) << j;
  EXPECT_NEAR(fit->intercept, 0.3, 0.03);
  GlmOptions strong;
  strong.ridge = 5000;
  auto shrunk = FitPoissonGlm(x, y, strong);
  EXPECT_LT(shrunk->weights.norm(), fit->weights.norm());
}

TEST(PoissonGlmTest, CrossValidationScoresTunedAboveUntunedNeurons) {
  std::mt19937 rng(7);
  std::normal_distribution<double> normal(0, 1);
  const int n = 5000;
  Eigen::MatrixXd x(n, 2);
  for (int t = 0; t < n; ++t) x.row(t) << normal(rng), normal(rng);
  Eigen::VectorXd tuned(n), flat(n);
  for (int t = 0; t < n; ++t) {
    tuned(t) = std::poisson_distribution<int>(std::exp(-0.5 + 0.8 * x(t, 0)))(rng);
    flat(t) = std::poisson_distribution<int>(std::exp(-0.5))(rng);
  }
  auto a = CrossValidate(x, tuned, 5);
  auto b = CrossValidate(x, flat, 5);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GT(a->cv_llr_bits_per_spike, 0.1);
  EXPECT_GT(a->pseudo_r2, 0.1);
  EXPECT_LT(b->cv_llr_bits_per_spike, 0.01);
  EXPECT_LT(std::abs(b->pseudo_r2), 0.01);
  EXPECT_EQ(a->fold_llr.size(), 5u);
}

TEST(PoissonGlmTest, LagsPairFutureFeaturesWithPresentSpikes) {
  Eigen::MatrixXd x(5, 1);
  x << 10, 11, 12, 13, 14;
  Eigen::VectorXd y(5);
  y << 0, 1, 2, 3, 4;
  Eigen::MatrixXd xl;
  Eigen::VectorXd yl;
  ApplyLag(x, y, -2, &xl, &yl);  // y[t] with x[t-2]
  ASSERT_EQ(yl.size(), 3);
  EXPECT_EQ(yl(0), 2);
  EXPECT_EQ(xl(0, 0), 10);
  ApplyLag(x, y, 1, &xl, &yl);  // y[t] with x[t+1]
  EXPECT_EQ(yl(0), 0);
  EXPECT_EQ(xl(0, 0), 11);
  EXPECT_EQ(yl.size(), 4);
}

TEST(PoissonGlmTest, StandardErrorsAreTheInversePenalisedFisherInformation) {
  // indicator feature: with n0 bins at rate m0 and n1 at m1, the unpenalised information is
  // [[n0 m0 + n1 m1, n1 m1], [n1 m1, n1 m1]], so var(b0) = 1/(n0 m0), var(b1) = 1/(n0 m0) + 1/(n1 m1)
  Eigen::MatrixXd x(8, 1);
  Eigen::VectorXd y(8);
  x << 0, 0, 0, 0, 1, 1, 1, 1;
  y << 1, 0, 2, 1, 5, 3, 4, 4;  // m0 = 1, m1 = 4
  GlmOptions options = Unpenalised();
  options.standard_errors = true;
  GlmFit fit = FitPoissonGlm(x, y, options).value();
  EXPECT_NEAR(fit.intercept_se, std::sqrt(1.0 / 4), 1e-9);
  EXPECT_NEAR(fit.weight_se(0), std::sqrt(1.0 / 4 + 1.0 / 16), 1e-9);
  // penalised: the ridge adds to the weight's diagonal; invert the 2 x 2 by hand at the fitted rates
  options.ridge = 3;
  fit = FitPoissonGlm(x, y, options).value();
  const double mu0 = std::exp(fit.intercept), mu1 = std::exp(fit.intercept + fit.weights(0));
  const double a = 4 * mu0 + 4 * mu1, c = 4 * mu1, d = 4 * mu1 + 3;
  const double det = a * d - c * c;
  EXPECT_NEAR(fit.intercept_se, std::sqrt(d / det), 1e-9);
  EXPECT_NEAR(fit.weight_se(0), std::sqrt(a / det), 1e-9);
}

TEST(PoissonGlmTest, StandardisedCrossValidationIgnoresFeatureUnits) {
  std::mt19937 rng(11);
  std::normal_distribution<double> normal(0, 1);
  const int n = 2000;
  Eigen::MatrixXd x(n, 2);
  Eigen::VectorXd y(n);
  for (int t = 0; t < n; ++t) {
    x.row(t) << normal(rng), normal(rng);
    y(t) = std::poisson_distribution<int>(std::exp(-0.5 + 0.4 * x(t, 0) - 0.3 * x(t, 1)))(rng);
  }
  Eigen::MatrixXd rescaled = x;
  rescaled.col(0) *= 1000;  // the same feature in other units
  GlmOptions options;
  options.ridge = 200;
  options.standardize = true;
  const double a = CrossValidate(x, y, 5, options)->cv_llr_bits_per_spike;
  const double b = CrossValidate(rescaled, y, 5, options)->cv_llr_bits_per_spike;
  EXPECT_NEAR(a, b, 1e-9);
  options.standardize = false;  // without it, the ridge hits the two unit choices differently
  EXPECT_GT(std::abs(CrossValidate(x, y, 5, options)->cv_llr_bits_per_spike -
                     CrossValidate(rescaled, y, 5, options)->cv_llr_bits_per_spike),
            1e-3);
}

TEST(PoissonGlmTest, NestedCrossValidationChoosesThePenaltyTheDataSupport) {
  std::mt19937 rng(5);
  std::normal_distribution<double> normal(0, 1);
  const int n = 1500, p = 30;
  Eigen::MatrixXd x(n, p);
  for (int t = 0; t < n; ++t)
    for (int j = 0; j < p; ++j) x(t, j) = normal(rng);
  Eigen::VectorXd tuned(n), noise(n);
  for (int t = 0; t < n; ++t) {
    tuned(t) = std::poisson_distribution<int>(std::exp(-0.5 + 0.7 * x(t, 0) - 0.5 * x(t, 1)))(rng);
    noise(t) = std::poisson_distribution<int>(std::exp(-0.5))(rng);
  }
  GlmOptions options;
  options.standardize = true;
  const std::vector<double> grid = {0.01, 1e4};
  // strong tuning wants the small penalty; pure noise over 30 features wants the large one
  CvScore strong = CrossValidateSelectingRidge(x, tuned, 5, grid, 3, options).value();
  CvScore weak = CrossValidateSelectingRidge(x, noise, 5, grid, 3, options).value();
  ASSERT_EQ(strong.fold_ridge.size(), 5u);
  for (double r : strong.fold_ridge) EXPECT_EQ(r, 0.01);
  for (double r : weak.fold_ridge) EXPECT_EQ(r, 1e4);
  // SelectRidge takes the grid value with the best CV score
  const std::vector<double> wide = {0.1, 10, 1000};
  const double chosen = SelectRidge(x, tuned, wide, 5, options).value();
  double best = -1e300, expected = 0;
  for (double r : wide) {
    GlmOptions o = options;
    o.ridge = r;
    const double v = CrossValidate(x, tuned, 5, o)->cv_llr_bits_per_spike;
    if (v > best) best = v, expected = r;
  }
  EXPECT_EQ(chosen, expected);
  EXPECT_FALSE(SelectRidge(x, tuned, {}, 5, options).ok());
}

TEST(PoissonGlmTest, BadInputIsRefused) {
  Eigen::MatrixXd x(3, 1);
  x << 1, std::nan(""), 2;
  Eigen::VectorXd y(3);
  y << 1, 1, 1;
  EXPECT_FALSE(FitPoissonGlm(x, y).ok());
  x << 1, 2, 3;
  y << 1, -1, 1;
  EXPECT_FALSE(FitPoissonGlm(x, y).ok());
  EXPECT_FALSE(FitPoissonGlm(x, Eigen::VectorXd::Zero(2)).ok());
  EXPECT_FALSE(FitPoissonGlm(x, Eigen::VectorXd::Zero(3)).ok());  // no spikes
  EXPECT_FALSE(CrossValidate(x, Eigen::VectorXd::Ones(3), 1).ok());
}

}  // namespace
}  // namespace mimic::analysis
