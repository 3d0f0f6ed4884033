#include "behaviour/wavelet.h"

#include <cmath>

#include "gtest/gtest.h"

namespace mimic::behaviour {
namespace {

TEST(WaveletTest, FrequenciesAreLogSpacedUpToNyquist) {
  WaveletOptions o;
  o.frequencies = 5;
  o.min_frequency = 1.5625;
  const std::vector<double> f = WaveletFrequencies(o, 50);
  ASSERT_EQ(f.size(), 5u);
  EXPECT_NEAR(f.front(), 1.5625, 1e-12);
  EXPECT_NEAR(f.back(), 25, 1e-12);  // Nyquist at 50 Hz
  for (size_t i = 1; i < f.size(); ++i) EXPECT_NEAR(f[i] / f[i - 1], 2.0, 1e-12);
  o.max_frequency = 30;
  EXPECT_FALSE(o.Validate(50).ok());
  o.max_frequency = 0;
  EXPECT_TRUE(o.Validate(50).ok());
}

TEST(WaveletTest, ASinusoidReadsItsAmplitudeInItsChannelAndLittleElsewhere) {
  const double rate = 50;
  const std::vector<double> f = {1, 2, 4, 8, 16};
  Eigen::VectorXd x(1000);
  for (int t = 0; t < 1000; ++t) x(t) = 0.3 * std::sin(2 * M_PI * 4 * t / rate) + 0.7;  // the offset is removed
  const Eigen::MatrixXd a = MorletAmplitudes(x, rate, f);
  ASSERT_EQ(a.rows(), 1000);
  ASSERT_EQ(a.cols(), 5);
  for (int t = 200; t < 800; ++t) {
    EXPECT_NEAR(a(t, 2), 0.3, 0.01) << t;
    EXPECT_LT(a(t, 0), 0.02);
    EXPECT_LT(a(t, 4), 0.02);
  }
  // two components resolve into their channels
  for (int t = 0; t < 1000; ++t) x(t) = 0.2 * std::sin(2 * M_PI * 2 * t / rate) + 0.5 * std::cos(2 * M_PI * 16 * t / rate);
  const Eigen::MatrixXd b = MorletAmplitudes(x, rate, f);
  EXPECT_NEAR(b(500, 1), 0.2, 0.01);
  EXPECT_NEAR(b(500, 4), 0.5, 0.02);
  EXPECT_LT(b(500, 2), 0.05);
}

TEST(WaveletTest, AmplitudeFollowsABurstInTime) {
  const double rate = 50;
  Eigen::VectorXd x = Eigen::VectorXd::Zero(600);
  for (int t = 200; t < 400; ++t) x(t) = std::sin(2 * M_PI * 8 * t / rate);
  const Eigen::MatrixXd a = MorletAmplitudes(x, rate, {8});
  EXPECT_GT(a(300, 0), 0.9);
  EXPECT_LT(a(100, 0), 0.02);
  EXPECT_LT(a(500, 0), 0.02);
}

}  // namespace
}  // namespace mimic::behaviour
