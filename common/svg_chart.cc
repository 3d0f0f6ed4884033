#include "common/svg_chart.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "common/png_image.h"

namespace mimic {
namespace {

const char* const kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};
constexpr int kLeft = 70, kRight = 20, kTop = 52;

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

// Options grown so rotated category labels fit under the plot (about 3.6 px of drop per character
// at -35 degrees), keeping the plot's own height.
ChartOptions FitCategories(const ChartOptions& o, const std::vector<std::string>& categories) {
  size_t longest = 0;
  for (const std::string& c : categories) longest = std::max(longest, c.size());
  ChartOptions fitted = o;
  fitted.bottom_margin = std::max(o.bottom_margin, 34 + static_cast<int>(3.8 * longest));
  fitted.height = o.height + fitted.bottom_margin - o.bottom_margin;
  return fitted;
}

// Frame, title, y axis with ticks and grid, axis labels; returns the plot's y scale.
std::string Frame(const ChartOptions& o, double y_min, double y_max, double* scale) {
  const int plot_h = o.height - kTop - o.bottom_margin;
  *scale = plot_h / std::max(1e-12, y_max - y_min);
  std::string out = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
      "font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"%d\" y=\"22\" font-size=\"14\" font-weight=\"bold\">%s</text>\n",
      o.width, o.height, kLeft, Escape(o.title));
  const double step = TickStep(y_max - y_min);
  for (double v = std::ceil(y_min / step) * step; v <= y_max + 1e-9; v += step) {
    const double y = o.height - o.bottom_margin - (v - y_min) * *scale;
    absl::StrAppendFormat(&out,
                          "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                          "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                          kLeft, o.width - kRight, y, y, kLeft - 6, y + 4, std::abs(v) < 1e-9 * step ? 0.0 : v);
  }
  absl::StrAppendFormat(&out,
                        "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"black\"/>\n"
                        "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"black\"/>\n"
                        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n"
                        "<text transform=\"translate(16,%d) rotate(-90)\" text-anchor=\"middle\">%s</text>\n",
                        kLeft, o.width - kRight, o.height - o.bottom_margin, o.height - o.bottom_margin, kLeft, kLeft, kTop,
                        o.height - o.bottom_margin, (kLeft + o.width - kRight) / 2, o.height - 8, Escape(o.x_label),
                        (kTop + o.height - o.bottom_margin) / 2, Escape(o.y_label));
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

double ErrorAt(const Series& s, size_t i) {
  return i < s.errors.size() && std::isfinite(s.errors[i]) ? std::abs(s.errors[i]) : 0;
}

void Range(const std::vector<Series>& series, double* lo, double* hi) {
  *lo = 0;
  *hi = 0;
  for (const Series& s : series)
    for (size_t i = 0; i < s.values.size(); ++i) {
      const double v = s.values[i];
      if (!std::isfinite(v)) continue;
      *lo = std::min(*lo, v - ErrorAt(s, i));
      *hi = std::max(*hi, v + ErrorAt(s, i));
    }
  if (*hi <= *lo) *hi = *lo + 1;
  *hi += 0.05 * (*hi - *lo);
}

// A vertical error bar with caps at x from y_a to y_b (pixels).
std::string ErrorBar(double x, double y_a, double y_b, const std::string& color) {
  return absl::StrFormat(
      "<path d=\"M%.1f,%.1f L%.1f,%.1f M%.1f,%.1f L%.1f,%.1f M%.1f,%.1f L%.1f,%.1f\" stroke=\"%s\" stroke-width=\"1.2\"/>\n",
      x, y_a, x, y_b, x - 4, y_a, x + 4, y_a, x - 4, y_b, x + 4, y_b, color);
}

// Tick labels along the x axis for the range [x0, x1] at scale xs.
std::string XTicks(const ChartOptions& o, double x0, double x1, double xs) {
  std::string out;
  const double step = TickStep(x1 - x0);
  for (double v = std::ceil(x0 / step) * step; v <= x1 + 1e-9; v += step) {
    absl::StrAppendFormat(&out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n", kLeft + (v - x0) * xs,
                          o.height - o.bottom_margin + 16, std::abs(v) < 1e-12 * step ? 0.0 : v);
  }
  return out;
}

// Short explanatory lines under the title.
std::string Notes(const std::vector<std::string>& notes) {
  std::string out;
  for (size_t i = 0; i < notes.size(); ++i) {
    absl::StrAppendFormat(&out, "<text x=\"%d\" y=\"%d\" fill=\"#444\">%s</text>\n", kLeft, 38 + 13 * static_cast<int>(i),
                          Escape(notes[i]));
  }
  return out;
}

double Percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return std::nan("");
  const double at = q * (v.size() - 1);
  const size_t i = static_cast<size_t>(std::floor(at));
  const double f = at - i;
  return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

}  // namespace

std::string BarChartSvg(const ChartOptions& options, const std::vector<std::string>& categories,
                        const std::vector<Series>& series) {
  const ChartOptions o = FitCategories(options, categories);
  double lo, hi, scale;
  Range(series, &lo, &hi);
  std::string out = Frame(o, lo, hi, &scale);
  const double group_w = static_cast<double>(o.width - kLeft - kRight) / std::max<size_t>(1, categories.size());
  const double bar_w = 0.8 * group_w / std::max<size_t>(1, series.size());
  const double zero_y = o.height - o.bottom_margin - (0 - lo) * scale;
  for (size_t c = 0; c < categories.size(); ++c) {
    const double gx = kLeft + c * group_w + 0.1 * group_w;
    for (size_t s = 0; s < series.size(); ++s) {
      const double v = c < series[s].values.size() ? series[s].values[c] : std::nan("");
      if (!std::isfinite(v)) continue;
      const double y = o.height - o.bottom_margin - (v - lo) * scale;
      absl::StrAppendFormat(&out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s %s: %g</title></rect>\n",
                            gx + s * bar_w, std::min(y, zero_y), bar_w, std::abs(zero_y - y), Color(series[s], s),
                            Escape(categories[c]), Escape(series[s].name), v);
      if (const double e = ErrorAt(series[s], c); e > 0) {
        out += ErrorBar(gx + (s + 0.5) * bar_w, y - e * scale, y + e * scale, "#222");
      }
    }
    absl::StrAppendFormat(&out, "<text transform=\"translate(%.1f,%d) rotate(-35)\" text-anchor=\"end\">%s</text>\n",
                          gx + 0.4 * group_w, o.height - o.bottom_margin + 12, Escape(categories[c]));
  }
  return out + Legend(o, series) + "</svg>\n";
}

std::string LineChartSvg(const ChartOptions& o, const std::vector<double>& x, const std::vector<Series>& series) {
  double lo, hi, scale;
  Range(series, &lo, &hi);
  std::string out = Frame(o, lo, hi, &scale);
  const double x0 = x.empty() ? 0 : x.front(), x1 = x.empty() ? 1 : std::max(x.back(), x0 + 1e-12);
  const double xs = (o.width - kLeft - kRight) / (x1 - x0);
  out += XTicks(o, x0, x1, xs);
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
                            o.height - o.bottom_margin - (v - lo) * scale);
      pen_down = true;
    }
    absl::StrAppendFormat(&out, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\"/>\n", path,
                          Color(series[s], s));
    if (series[s].errors.empty()) continue;
    // points with error bars where errors are given
    for (size_t i = 0; i < x.size() && i < series[s].values.size(); ++i) {
      const double v = series[s].values[i];
      if (!std::isfinite(v)) continue;
      const double px = kLeft + (x[i] - x0) * xs, py = o.height - o.bottom_margin - (v - lo) * scale;
      absl::StrAppendFormat(&out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", px, py, Color(series[s], s));
      if (const double e = ErrorAt(series[s], i); e > 0) out += ErrorBar(px, py - e * scale, py + e * scale, Color(series[s], s));
    }
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

std::string DetailedBarChartSvg(const ChartOptions& options, const std::vector<Bar>& bars, const std::vector<Band>& bands,
                                const std::vector<std::string>& notes) {
  std::vector<std::string> categories;
  for (const Bar& b : bars) categories.push_back(b.category);
  const ChartOptions o = FitCategories(options, categories);
  double lo = 0, hi = 0;
  for (const Bar& b : bars) {
    if (!std::isfinite(b.value)) continue;
    lo = std::min(lo, b.value - std::max(0.0, b.error));
    hi = std::max(hi, b.value + std::max(0.0, b.error));
    for (double p : b.points) {
      if (!std::isfinite(p)) continue;
      lo = std::min(lo, p);
      hi = std::max(hi, p);
    }
  }
  for (const Band& band : bands) {
    lo = std::min(lo, band.lo);
    hi = std::max(hi, band.hi);
  }
  if (hi <= lo) hi = lo + 1;
  hi += 0.12 * (hi - lo);  // room for the marks above the bars
  double scale;
  std::string out = Frame(o, lo, hi, &scale);
  auto y_of = [&](double v) { return o.height - o.bottom_margin - (v - lo) * scale; };
  const double plot_w = o.width - kLeft - kRight;
  for (const Band& band : bands) {
    absl::StrAppendFormat(&out,
                          "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" opacity=\"0.7\"><title>%s: %g to %g</title></rect>\n"
                          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%s</text>\n",
                          kLeft, y_of(band.hi), plot_w, std::max(1.0, y_of(band.lo) - y_of(band.hi)), band.color,
                          Escape(band.label), band.lo, band.hi, o.width - kRight - 4.0, y_of(band.hi) - 3, Escape(band.label));
  }
  const double group_w = plot_w / std::max<size_t>(1, bars.size());
  const double zero_y = y_of(0);
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double cx = kLeft + (i + 0.5) * group_w, w = 0.6 * group_w;
    const std::string color = b.color.empty() ? kPalette[0] : b.color;
    if (std::isfinite(b.value)) {
      const double y = y_of(b.value);
      absl::StrAppendFormat(&out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" opacity=\"0.85\"><title>%s: %g</title></rect>\n",
                            cx - w / 2, std::min(y, zero_y), w, std::abs(zero_y - y), color, Escape(b.category), b.value);
      if (b.error > 0) out += ErrorBar(cx, y_of(b.value - b.error), y_of(b.value + b.error), "#222");
      // individual observations, spread a little so they do not hide each other
      for (size_t k = 0; k < b.points.size(); ++k) {
        if (!std::isfinite(b.points[k])) continue;
        const double dx = b.points.size() > 1 ? (static_cast<double>(k) / (b.points.size() - 1) - 0.5) * 0.4 * w : 0;
        absl::StrAppendFormat(&out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"white\" stroke=\"#222\"/>\n", cx + dx,
                              y_of(b.points[k]));
      }
      const double top = y_of(b.value + std::max(0.0, b.error)) - 6;
      if (!b.top_mark.empty()) {
        absl::StrAppendFormat(&out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\">%s</text>\n", cx,
                              std::min(top, zero_y - 6), Escape(b.top_mark));
      }
      if (!b.base_mark.empty()) {
        absl::StrAppendFormat(&out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\">%s</text>\n", cx,
                              zero_y - 4, Escape(b.base_mark));
      }
    }
    if (!b.ceiling_mark.empty() && !bands.empty()) {
      absl::StrAppendFormat(&out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\">%s</text>\n", cx,
                            y_of(bands[0].hi) + 12, Escape(b.ceiling_mark));
    }
    absl::StrAppendFormat(&out, "<text transform=\"translate(%.1f,%d) rotate(-35)\" text-anchor=\"end\">%s</text>\n", cx + 4,
                          o.height - o.bottom_margin + 12, Escape(b.category));
  }
  return out + Notes(notes) + "</svg>\n";
}

std::string BoxPlotSvg(const ChartOptions& options, const std::vector<std::string>& categories,
                       const std::vector<std::vector<double>>& samples, const std::vector<std::string>& notes) {
  const ChartOptions o = FitCategories(options, categories);
  double lo = 0, hi = 0;
  std::vector<std::vector<double>> finite(samples.size());
  for (size_t c = 0; c < samples.size(); ++c) {
    for (double v : samples[c])
      if (std::isfinite(v)) finite[c].push_back(v);
    if (finite[c].empty()) continue;
    lo = std::min(lo, Percentile(finite[c], 0.1));
    hi = std::max(hi, Percentile(finite[c], 0.9));
  }
  if (hi <= lo) hi = lo + 1;
  const double pad = 0.08 * (hi - lo);
  lo -= lo < 0 ? pad : 0;
  hi += pad;
  double scale;
  std::string out = Frame(o, lo, hi, &scale);
  auto y_of = [&](double v) { return o.height - o.bottom_margin - (v - lo) * scale; };
  const double group_w = static_cast<double>(o.width - kLeft - kRight) / std::max<size_t>(1, categories.size());
  if (lo < 0) {
    absl::StrAppendFormat(&out, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" stroke-dasharray=\"4,3\"/>\n",
                          kLeft, o.width - kRight, y_of(0), y_of(0));
  }
  for (size_t c = 0; c < categories.size(); ++c) {
    const double cx = kLeft + (c + 0.5) * group_w, w = std::min(60.0, 0.5 * group_w);
    const std::string color = kPalette[c % 6];
    if (c < finite.size() && !finite[c].empty()) {
      const double p10 = Percentile(finite[c], 0.1), q1 = Percentile(finite[c], 0.25), med = Percentile(finite[c], 0.5),
                   q3 = Percentile(finite[c], 0.75), p90 = Percentile(finite[c], 0.9);
      absl::StrAppendFormat(&out,
                            "<path d=\"M%.1f,%.1f L%.1f,%.1f M%.1f,%.1f L%.1f,%.1f M%.1f,%.1f L%.1f,%.1f M%.1f,%.1f L%.1f,%.1f\" stroke=\"#333\"/>\n"
                            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" opacity=\"0.75\" stroke=\"#333\">"
                            "<title>%s: median %g, IQR %g to %g, 10-90%% %g to %g, n %zu</title></rect>\n"
                            "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"white\" stroke-width=\"2.5\"/>\n",
                            cx, y_of(p90), cx, y_of(q3), cx, y_of(q1), cx, y_of(p10), cx - w / 4, y_of(p90), cx + w / 4,
                            y_of(p90), cx - w / 4, y_of(p10), cx + w / 4, y_of(p10), cx - w / 2, y_of(q3), w,
                            std::max(1.0, y_of(q1) - y_of(q3)), color, Escape(categories[c]), med, q1, q3, p10, p90,
                            finite[c].size(), cx - w / 2, cx + w / 2, y_of(med), y_of(med));
    }
    absl::StrAppendFormat(&out,
                          "<text transform=\"translate(%.1f,%d) rotate(-35)\" text-anchor=\"end\">%s</text>\n"
                          "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">n=%zu</text>\n",
                          cx + 4, o.height - o.bottom_margin + 24, Escape(categories[c]), cx, o.height - o.bottom_margin + 12,
                          c < finite.size() ? finite[c].size() : 0);
  }
  return out + Notes(notes) + "</svg>\n";
}

std::string ScatterSvg(const ChartOptions& o, const std::vector<double>& x, const std::vector<double>& y,
                       const std::vector<std::string>& labels, bool identity_line, const std::vector<std::string>& notes) {
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    x0 = std::min(x0, x[i]);
    x1 = std::max(x1, x[i]);
    y0 = std::min(y0, y[i]);
    y1 = std::max(y1, y[i]);
  }
  if (x0 > x1) x0 = y0 = 0, x1 = y1 = 1;
  if (identity_line) x0 = y0 = std::min(x0, y0), x1 = y1 = std::max(x1, y1);
  const double px = 0.06 * std::max(1e-12, x1 - x0), py = 0.06 * std::max(1e-12, y1 - y0);
  x0 -= px, x1 += px, y0 -= py, y1 += py;
  double scale;
  std::string out = Frame(o, y0, y1, &scale);
  const double xs = (o.width - kLeft - kRight) / (x1 - x0);
  out += XTicks(o, x0, x1, xs);
  auto sx = [&](double v) { return kLeft + (v - x0) * xs; };
  auto sy = [&](double v) { return o.height - o.bottom_margin - (v - y0) * scale; };
  if (identity_line) {
    absl::StrAppendFormat(&out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" stroke-dasharray=\"5,4\"/>\n",
                          sx(x0), sy(x0), sx(x1), sy(x1));
  }
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    const std::string label = i < labels.size() ? labels[i] : "";
    absl::StrAppendFormat(&out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" opacity=\"0.75\"><title>%s (%g, %g)</title></circle>\n",
                          sx(x[i]), sy(y[i]), kPalette[0], Escape(label), x[i], y[i]);
    if (!label.empty() && labels.size() <= 30) {
      absl::StrAppendFormat(&out, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", sx(x[i]) + 5, sy(y[i]) - 4, Escape(label));
    }
  }
  return out + Notes(notes) + "</svg>\n";
}

namespace {

// A perceptually ordered dark-blue → teal → yellow ramp (after viridis' end points).
void Ramp(double t, uint8_t* rgb) {
  static const double stops[5][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  t = std::clamp(t, 0.0, 1.0) * 4;
  const int i = std::min(3, static_cast<int>(t));
  const double f = t - i;
  for (int k = 0; k < 3; ++k) rgb[k] = static_cast<uint8_t>(stops[i][k] * (1 - f) + stops[i + 1][k] * f + 0.5);
}

}  // namespace

std::string DensityMapSvg(const ChartOptions& o, const std::vector<std::vector<double>>& density,
                          const std::vector<std::vector<int>>& regions, double x_min, double x_max, double y_min,
                          double y_max, const std::vector<MapLabel>& labels) {
  const int rows = static_cast<int>(density.size()), cols = rows > 0 ? static_cast<int>(density[0].size()) : 0;
  const int top = 40, side = std::max(50, std::min(o.width - 40, o.height - top - 20));
  std::string out = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
      "font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"20\" y=\"22\" font-size=\"14\" font-weight=\"bold\">%s</text>\n",
      o.width, o.height, Escape(o.title));
  if (rows == 0 || cols == 0) return out + "</svg>\n";
  double hi = 0;
  for (const auto& row : density)
    for (double v : row)
      if (std::isfinite(v)) hi = std::max(hi, v);
  // image rows run top (y_max) to bottom (y_min); a square-root scale shows the sparse valleys
  std::vector<uint8_t> rgb(static_cast<size_t>(rows) * cols * 3);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const double v = c < static_cast<int>(density[rows - 1 - r].size()) ? density[rows - 1 - r][c] : 0;
      Ramp(hi > 0 && std::isfinite(v) ? std::sqrt(std::max(0.0, v) / hi) : 0, &rgb[(static_cast<size_t>(r) * cols + c) * 3]);
    }
  const int x_off = 20;
  absl::StrAppendFormat(&out,
                        "<image x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" preserveAspectRatio=\"none\" "
                        "style=\"image-rendering:pixelated\" href=\"data:image/png;base64,%s\"/>\n",
                        x_off, top, side, side, Base64(EncodePng(cols, rows, rgb)));
  // region borders: cell edges whose two sides belong to different regions
  const double cw = static_cast<double>(side) / cols, ch = static_cast<double>(side) / rows;
  auto region = [&](int r, int c) { return r < static_cast<int>(regions.size()) && c < static_cast<int>(regions[r].size()) ? regions[r][c] : -1; };
  std::string path;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      // grid row r is at y = y_min + ...; screen row = rows - 1 - r
      const double sx = x_off + c * cw, sy = top + (rows - 1 - r) * ch;
      if (c + 1 < cols && region(r, c) != region(r, c + 1)) absl::StrAppendFormat(&path, "M%.1f,%.1fv%.1f", sx + cw, sy, ch);
      if (r + 1 < rows && region(r, c) != region(r + 1, c)) absl::StrAppendFormat(&path, "M%.1f,%.1fh%.1f", sx, sy, cw);
    }
  absl::StrAppendFormat(&out, "<path d=\"%s\" stroke=\"white\" stroke-width=\"1\" fill=\"none\" opacity=\"0.8\"/>\n", path);
  for (const MapLabel& l : labels) {
    const double sx = x_off + (l.x - x_min) / std::max(1e-12, x_max - x_min) * side;
    const double sy = top + (1 - (l.y - y_min) / std::max(1e-12, y_max - y_min)) * side;
    absl::StrAppendFormat(&out,
                          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-weight=\"bold\" stroke=\"black\" "
                          "stroke-width=\"3\" paint-order=\"stroke\" fill=\"white\">%s</text>\n",
                          sx, sy, Escape(l.text));
  }
  absl::StrAppendFormat(&out, "<text x=\"%d\" y=\"%d\" fill=\"#444\">density (square-root colour scale), white lines: watershed borders</text>\n",
                        x_off, top + side + 14);
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
