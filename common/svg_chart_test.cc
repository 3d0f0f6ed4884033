#include "common/svg_chart.h"

#include <cmath>


#include "common/png_image.h"
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

TEST(SvgChartTest, LineChartDrawsErrorBarsWhereGiven) {
  Series s{"completion", {0.9, 0.8, 0.5}, "#123456", {0.05, std::nan(""), 0.1}};
  const std::string svg = LineChartSvg({}, {1, 2, 4}, {s});
  EXPECT_EQ(Count(svg, "<circle"), 3);
  EXPECT_EQ(Count(svg, "stroke-width=\"1.2\"/>"), 1 + 2);  // the line and two error bars
}

TEST(SvgChartTest, DetailedBarsCarryPointsBandsAndMarks) {
  std::vector<Bar> bars(2);
  bars[0] = {"latent/mean", 0.6, 0.05, {0.55, 0.6, 0.65}, "", "v", "o", ""};
  bars[1] = {"joint_angles", 0.2, 0.1, {0.1, 0.3}, "#999", "", "", "^"};
  const std::string svg = DetailedBarChartSvg({"WUC <DLS>"}, bars, {{0.7, 0.8, "noise ceiling"}}, {"o: above zero"});
  EXPECT_EQ(Count(svg, "<circle"), 5);
  EXPECT_NE(svg.find("noise ceiling: 0.7 to 0.8"), std::string::npos);
  EXPECT_NE(svg.find(">o: above zero<"), std::string::npos);
  EXPECT_NE(svg.find("WUC &lt;DLS&gt;"), std::string::npos);
  for (const char* mark : {">v<", ">o<", ">^<"}) EXPECT_NE(svg.find(mark), std::string::npos) << mark;
}

TEST(SvgChartTest, BoxPlotsUseTheTenthToNinetiethPercentiles) {
  std::vector<double> v;
  for (int i = 1; i <= 11; ++i) v.push_back(i);
  const std::string svg = BoxPlotSvg({}, {"a", "empty"}, {v, {}});
  EXPECT_NE(svg.find("a: median 6, IQR 3.5 to 8.5, 10-90% 2 to 10, n 11"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">n=0<"), std::string::npos);
}

TEST(SvgChartTest, ScatterDrawsEveryFinitePointAndTheIdentityLine) {
  const std::string svg = ScatterSvg({}, {0, 1, std::nan("")}, {0.5, 2, 1}, {"n1", "n2", "n3"}, true);
  EXPECT_EQ(Count(svg, "<circle"), 2);
  EXPECT_EQ(Count(svg, "stroke-dasharray=\"5,4\""), 1);
  EXPECT_NE(svg.find(">n2<"), std::string::npos);
}

TEST(SvgChartTest, DensityMapsEmbedAnImageAndDrawBordersBetweenRegions) {
  const std::vector<std::vector<double>> density = {{0, 1}, {2, 3}};
  const std::vector<std::vector<int>> regions = {{0, 1}, {0, 1}};  // a vertical border between the columns
  const std::string svg = DensityMapSvg({"map"}, density, regions, 0, 1, 0, 1, {{0.25, 0.5, "rear"}});
  EXPECT_EQ(Count(svg, "<image"), 1);
  EXPECT_NE(svg.find("data:image/png;base64,iVBORw0KGgo"), std::string::npos);  // the PNG signature
  const size_t d = svg.find("<path d=\"");
  ASSERT_NE(d, std::string::npos);
  const std::string path = svg.substr(d + 9, svg.find('"', d + 9) - d - 9);
  EXPECT_EQ(Count(path, "v"), 2);
  EXPECT_EQ(Count(path, "h"), 0);
  EXPECT_NE(svg.find(">rear<"), std::string::npos);
}

TEST(PngImageTest, EncodesPixelsThatDecodeBackExactly) {
  const std::vector<uint8_t> rgb = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};  // 2 x 2
  const std::string png = EncodePng(2, 2, rgb);
  ASSERT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto decoded = DecodePng(png, "the test image");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->width, 2);
  EXPECT_EQ(decoded->height, 2);
  EXPECT_EQ(decoded->rgb, rgb);
  EXPECT_TRUE(EncodePng(3, 2, rgb).empty());
  // a corrupted file and an implausible size are refused by name
  std::string broken = png;
  broken[20] ^= 0x7f;  // inside IHDR: its CRC no longer matches
  EXPECT_FALSE(DecodePng(broken, "broken.png").ok());
  EXPECT_FALSE(DecodePng(EncodePng(2, 2, rgb), "big.png", /*max_side=*/1).ok());
  EXPECT_NE(DecodePng("not a png", "x.png").status().message().find("x.png"), std::string::npos);
  EXPECT_EQ(Base64("Man"), "TWFu");
  EXPECT_EQ(Base64("Ma"), "TWE=");
  EXPECT_EQ(Base64("M"), "TQ==");
}

}  // namespace
}  // namespace mimic
