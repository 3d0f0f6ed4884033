// Small, dependency-free SVG charts for reports people look at (registration residuals, analysis
// results): grouped bar charts and line charts with axes, ticks, labels and a legend; bars with
// error bars, individual points, bands and significance marks; box plots; scatter plots; and
// density maps with region borders and names (a PNG layer).
#ifndef MIMIC_COMMON_SVG_CHART_H_
#define MIMIC_COMMON_SVG_CHART_H_

#include <string>
#include <vector>

namespace mimic {

struct Series {
  std::string name;
  std::vector<double> values;  // one per category (bars) or per x (lines); NaN = gap
  std::string color;           // CSS colour; empty = palette
  std::vector<double> errors;  // optional half-lengths of error bars, one per value (NaN = none)
};

struct ChartOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  int width = 900;
  int height = 360;
  // Space under the plot for category labels; charts with categories grow it (and their height)
  // to fit the longest label.
  int bottom_margin = 70;
};

// One group of bars per category, one bar per series.
std::string BarChartSvg(const ChartOptions& options, const std::vector<std::string>& categories,
                        const std::vector<Series>& series);

// Lines over shared x values.
std::string LineChartSvg(const ChartOptions& options, const std::vector<double>& x, const std::vector<Series>& series);

// A square matrix as coloured cells (white at the minimum, dark blue at the maximum) with row and
// column labels and the value range in the title; NaN cells are grey.
std::string HeatmapSvg(const ChartOptions& options, const std::vector<std::string>& labels,
                       const std::vector<std::vector<double>>& values);

// One bar per category with its error bar, individual observations as dots, and marks: the
// paper's WUC panels (noise-ceiling band, dew drops, icicles, comparison ticks).
struct Bar {
  std::string category;
  double value = 0;
  double error = -1;             // half-length of the error bar (e.g. SEM); < 0 = none
  std::vector<double> points;    // individual observations (e.g. animals), drawn as dots
  std::string color;             // empty = the first palette colour
  std::string top_mark;          // text drawn above the bar and its error bar (e.g. a tick)
  std::string base_mark;         // text drawn at the bar's base (e.g. a dew drop)
  std::string ceiling_mark;      // text hanging from the first band's top (e.g. an icicle)
};
struct Band {
  double lo = 0, hi = 0;         // a horizontal band across the plot (e.g. the noise ceiling)
  std::string label;
  std::string color = "#d9d9d9";
};
// `notes` are short lines under the title explaining the marks.
std::string DetailedBarChartSvg(const ChartOptions& options, const std::vector<Bar>& bars,
                                const std::vector<Band>& bands = {}, const std::vector<std::string>& notes = {});

// Box plots per category: median line, interquartile box, whiskers from the 10th to the 90th
// percentile (the paper's convention), and n under each box.
std::string BoxPlotSvg(const ChartOptions& options, const std::vector<std::string>& categories,
                       const std::vector<std::vector<double>>& samples, const std::vector<std::string>& notes = {});

// Points (x, y) with optional labels; `identity_line` draws y = x across the plot.
std::string ScatterSvg(const ChartOptions& options, const std::vector<double>& x, const std::vector<double>& y,
                       const std::vector<std::string>& labels = {}, bool identity_line = false,
                       const std::vector<std::string>& notes = {});

// A density map over a 2-D grid (rows from y_min at the bottom to y_max, columns from x_min to
// x_max), drawn as a colour image, with borders between cells of different `regions` ids (same
// grid; < 0 = no region) and names at given positions.
struct MapLabel {
  double x = 0, y = 0;
  std::string text;
};
std::string DensityMapSvg(const ChartOptions& options, const std::vector<std::vector<double>>& density,
                          const std::vector<std::vector<int>>& regions, double x_min, double x_max, double y_min,
                          double y_max, const std::vector<MapLabel>& labels);

// Stacks several SVG charts vertically into one document.
std::string StackSvg(const std::vector<std::string>& charts, int width);

}  // namespace mimic

#endif  // MIMIC_COMMON_SVG_CHART_H_
