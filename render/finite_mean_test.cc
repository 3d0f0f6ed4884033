#include "render/finite_mean.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace mimic::render {
namespace {

TEST(MeanOfFiniteTest, SkipsNonFiniteEntriesAndIsNanWhenNoneIsFinite) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_DOUBLE_EQ(MeanOfFinite({1, 2, 6}), 3);
  EXPECT_DOUBLE_EQ(MeanOfFinite({1, std::nan(""), 5, inf, -inf}), 3);
  EXPECT_TRUE(std::isnan(MeanOfFinite({})));
  EXPECT_TRUE(std::isnan(MeanOfFinite({std::nan(""), inf})));
}

}  // namespace
}  // namespace mimic::render
