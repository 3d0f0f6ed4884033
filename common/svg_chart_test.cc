#include "common/svg_chart.h"

#include <cmath>

#include "gtest/gtest.h"

namespace mimic {
namespace {

int Count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(SvgChartTest, BarChartDrawsOneBarPerFiniteValueAndEscapesText) {
  ChartOptions o;
  o.title = "residuals <mm>";
  const std::string svg = BarChartSvg(o, {"a", "b", "c"}, {{"mean", {1, 2, std::nan("")}, ""}, {"p95", {2, 4, 5}, ""}});
  EXPECT_EQ(Count(svg, "<rect x="), 5 + 2);  // 5 bars + 2 legend swatches
  EXPECT_NE(svg.find("residuals &lt;mm&gt;"), std::string::npos);
  EXPECT_EQ(svg.rfind("</svg>\n"), svg.size() - 7);
}

TEST(SvgChartTest, LineChartBreaksAtGaps) {
  ChartOptions o;
  const std::string svg = LineChartSvg(o, {0, 1, 2, 3}, {{"r", {1, std::nan(""), 2, 3}, "#000"}});
  EXPECT_EQ(Count(svg, "<path"), 1);
  EXPECT_EQ(Count(svg, " M") + Count(svg, "\"M"), 2);  // two pen-down runs
}

}  // namespace
}  // namespace mimic
