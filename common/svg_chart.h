// Small, dependency-free SVG charts for reports people look at (registration residuals, analysis
// results): grouped bar charts and line charts with axes, ticks, labels and a legend.
#ifndef MIMIC_COMMON_SVG_CHART_H_
#define MIMIC_COMMON_SVG_CHART_H_

#include <string>
#include <vector>

namespace mimic {

struct Series {
  std::string name;
  std::vector<double> values;  // one per category (bars) or per x (lines); NaN = gap
  std::string color;           // CSS colour; empty = palette
};

struct ChartOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  int width = 900;
  int height = 360;
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

// Stacks several SVG charts vertically into one document.
std::string StackSvg(const std::vector<std::string>& charts, int width);

}  // namespace mimic

#endif  // MIMIC_COMMON_SVG_CHART_H_
