#include "common/svg_chart.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace mimic {
namespace {

const char* const kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};
constexpr int kLeft = 70, kRight = 20, kTop = 52, kBottom = 70;

std::string Escape(const std::string& s) {
  return absl::StrReplaceAll(s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

std::string Color(const Series& s, size_t i) { return s.color.empty() ? kPalette[i % 6] : s.color; }

// A "nice" tick step for the range [0, max].
double TickStep(double max) {
  if (!(max > 0)) return 1;
  const double raw = max / 5;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * magnitude) return m * magnitude;
  }
  return 10 * magnitude;
}

// Frame, title, y axis with ticks and grid, axis labels; returns the plot's y scale.
std::string Frame(const ChartOptions& o, double y_min, double y_max, double* scale) {
  const int plot_h = o.height - kTop - kBottom;
  *scale = plot_h / std::max(1e-12, y_max - y_min);
  std::string out = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
      "font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"%d\" y=\"22\" font-size=\"14\" font-weight=\"bold\">%s</text>\n",
      o.width, o.height, kLeft, Escape(o.title));
  const double step = TickStep(y_max - y_min);
  for (double v = std::ceil(y_min / step) * step; v <= y_max + 1e-9; v += step) {
    const double y = o.height - kBottom - (v - y_min) * *scale;
    absl::StrAppendFormat(&out,
                          "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                          "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                          kLeft, o.width - kRight, y, y, kLeft - 6, y + 4, v);
  }
  absl::StrAppendFormat(&out,
                        "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"black\"/>\n"
                        "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"black\"/>\n"
                        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n"
                        "<text transform=\"translate(16,%d) rotate(-90)\" text-anchor=\"middle\">%s</text>\n",
                        kLeft, o.width - kRight, o.height - kBottom, o.height - kBottom, kLeft, kLeft, kTop,
                        o.height - kBottom, (kLeft + o.width - kRight) / 2, o.height - 8, Escape(o.x_label),
                        (kTop + o.height - kBottom) / 2, Escape(o.y_label));
  return out;
}

std::string Legend(const ChartOptions& o, const std::vector<Series>& series) {
  std::string out;
  int x = o.width - kRight - 130 * static_cast<int>(series.size());
  for (size_t i = 0; i < series.size(); ++i, x += 130) {
    absl::StrAppendFormat(&out,
                          "<rect x=\"%d\" y=\"30\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                          "<text x=\"%d\" y=\"40\">%s</text>\n",
                          x, Color(series[i], i), x + 16, Escape(series[i].name));
  }
  return out;
}

void Range(const std::vector<Series>& series, double* lo, double* hi) {
  *lo = 0;
  *hi = 0;
  for (const Series& s : series)
    for (double v : s.values)
      if (std::isfinite(v)) {
        *lo = std::min(*lo, v);
        *hi = std::max(*hi, v);
      }
  if (*hi <= *lo) *hi = *lo + 1;
  *hi += 0.05 * (*hi - *lo);
}

}  // namespace

std::string BarChartSvg(const ChartOptions& o, const std::vector<std::string>& categories,
                        const std::vector<Series>& series) {
  double lo, hi, scale;
  Range(series, &lo, &hi);
  std::string out = Frame(o, lo, hi, &scale);
  const double group_w = static_cast<double>(o.width - kLeft - kRight) / std::max<size_t>(1, categories.size());
  const double bar_w = 0.8 * group_w / std::max<size_t>(1, series.size());
  const double zero_y = o.height - kBottom - (0 - lo) * scale;
  for (size_t c = 0; c < categories.size(); ++c) {
    const double gx = kLeft + c * group_w + 0.1 * group_w;
    for (size_t s = 0; s < series.size(); ++s) {
      const double v = c < series[s].values.size() ? series[s].values[c] : std::nan("");
      if (!std::isfinite(v)) continue;
      const double y = o.height - kBottom - (v - lo) * scale;
      absl::StrAppendFormat(&out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s %s: %g</title></rect>\n",
                            gx + s * bar_w, std::min(y, zero_y), bar_w, std::abs(zero_y - y), Color(series[s], s),
                            Escape(categories[c]), Escape(series[s].name), v);
    }
    absl::StrAppendFormat(&out, "<text transform=\"translate(%.1f,%d) rotate(-45)\" text-anchor=\"end\">%s</text>\n",
                          gx + 0.4 * group_w, o.height - kBottom + 12, Escape(categories[c]));
  }
  return out + Legend(o, series) + "</svg>\n";
}

std::string LineChartSvg(const ChartOptions& o, const std::vector<double>& x, const std::vector<Series>& series) {
  double lo, hi, scale;
  Range(series, &lo, &hi);
  std::string out = Frame(o, lo, hi, &scale);
  const double x0 = x.empty() ? 0 : x.front(), x1 = x.empty() ? 1 : std::max(x.back(), x0 + 1e-12);
  const double xs = (o.width - kLeft - kRight) / (x1 - x0);
  const double step = TickStep(x1 - x0);
  for (double v = std::ceil(x0 / step) * step; v <= x1 + 1e-9; v += step) {
    absl::StrAppendFormat(&out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n", kLeft + (v - x0) * xs,
                          o.height - kBottom + 16, v);
  }
  for (size_t s = 0; s < series.size(); ++s) {
    std::string path;
    bool pen_down = false;
    for (size_t i = 0; i < x.size() && i < series[s].values.size(); ++i) {
      const double v = series[s].values[i];
      if (!std::isfinite(v)) {
        pen_down = false;
        continue;
      }
      absl::StrAppendFormat(&path, "%s%.1f,%.1f ", pen_down ? "L" : "M", kLeft + (x[i] - x0) * xs,
                            o.height - kBottom - (v - lo) * scale);
      pen_down = true;
    }
    absl::StrAppendFormat(&out, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\"/>\n", path,
                          Color(series[s], s));
  }
  return out + Legend(o, series) + "</svg>\n";
}

std::string HeatmapSvg(const ChartOptions& o, const std::vector<std::string>& labels,
                       const std::vector<std::vector<double>>& values) {
  double lo = 1e300, hi = -1e300;
  for (const auto& row : values) {
    for (double v : row) {
      if (std::isnan(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (lo > hi) lo = hi = 0;
  const int n = static_cast<int>(values.size());
  const int margin = 110, top = 40;
  const int cell = std::max(4, std::min((o.width - margin - 10) / std::max(1, n), (o.height - top - 10) / std::max(1, n)));
  std::string out = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
      "font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"%d\" y=\"22\" font-size=\"14\" font-weight=\"bold\">%s (%.3g to %.3g)</text>\n",
      o.width, o.height, margin, Escape(o.title), lo, hi);
  for (int i = 0; i < n; ++i) {
    const std::string label = i < static_cast<int>(labels.size()) ? labels[i] : "";
    absl::StrAppendFormat(&out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", margin - 4,
                          top + i * cell + cell / 2 + 4, Escape(label));
    for (int j = 0; j < static_cast<int>(values[i].size()); ++j) {
      const double v = values[i][j];
      std::string fill = "#bbbbbb";
      if (!std::isnan(v)) {
        const double t = hi > lo ? (v - lo) / (hi - lo) : 0;
        fill = absl::StrFormat("rgb(%d,%d,%d)", static_cast<int>(255 - 225 * t), static_cast<int>(255 - 185 * t),
                               static_cast<int>(255 - 95 * t));
      }
      absl::StrAppendFormat(&out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
                            margin + j * cell, top + i * cell, cell, cell, fill);
    }
  }
  return out + "</svg>\n";
}

std::string StackSvg(const std::vector<std::string>& charts, int width) {
  std::string body;
  int y = 0;
  for (const std::string& c : charts) {
    int h = 360;
    const size_t at = c.find("height=\"");
    if (at != std::string::npos) h = std::atoi(c.c_str() + at + 8);
    absl::StrAppendFormat(&body, "<g transform=\"translate(0,%d)\">\n%s</g>\n", y, c);
    y += h;
  }
  return absl::StrFormat("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">\n%s</svg>\n", width, y,
                         body);
}

}  // namespace mimic
