#include "preprocess/stac_report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "common/svg_chart.h"

namespace mimic::preprocess {
namespace {

ResidualStats Stats(const std::string& name, std::vector<double> mm) {
  ResidualStats s;
  s.name = name;
  s.count = static_cast<int>(mm.size());
  if (mm.empty()) return s;
  double sum = 0;
  for (double v : mm) sum += v;
  s.mean_mm = sum / mm.size();
  std::sort(mm.begin(), mm.end());
  s.median_mm = mm[mm.size() / 2];
  s.p95_mm = mm[std::min(mm.size() - 1, static_cast<size_t>(0.95 * mm.size()))];
  return s;
}

std::string StatsJson(const ResidualStats& s) {
  return absl::StrFormat("{\"name\":\"%s\",\"n\":%d,\"mean_mm\":%.3f,\"median_mm\":%.3f,\"p95_mm\":%.3f}", s.name,
                         s.count, s.mean_mm, s.median_mm, s.p95_mm);
}

}  // namespace

StacReport Summarize(const StacModel& stac, const StacResult& result) {
  const int k_count = stac.num_keypoints();
  const int t_count = static_cast<int>(result.residuals.size() / k_count);
  StacReport report;
  std::vector<double> all;
  std::map<std::string, std::vector<double>> by_group;
  std::vector<std::string> group_order;
  for (int k = 0; k < k_count; ++k) {
    std::vector<double> mm;
    for (int t = 0; t < t_count; ++t) {
      const double r = result.residuals[static_cast<size_t>(t) * k_count + k];
      if (!std::isnan(r)) mm.push_back(1000 * r);
    }
    std::string group = stac.config().keypoints(k).group();
    if (group.empty()) group = "other";
    if (!by_group.count(group)) group_order.push_back(group);
    auto& g = by_group[group];
    g.insert(g.end(), mm.begin(), mm.end());
    all.insert(all.end(), mm.begin(), mm.end());
    report.keypoints.push_back(Stats(stac.name(k), std::move(mm)));
  }
  for (const auto& g : group_order) report.groups.push_back(Stats(g, by_group[g]));
  report.overall = Stats("all", std::move(all));
  // smoothness: joint angle changes between consecutive frames
  const mjModel* m = stac.model();
  double sum = 0;
  int64_t n = 0;
  for (int t = 1; t < t_count; ++t) {
    for (int i = 7; i < m->nq; ++i) {
      const double step = std::abs(result.qpos[static_cast<size_t>(t) * m->nq + i] - result.qpos[static_cast<size_t>(t - 1) * m->nq + i]);
      sum += step;
      ++n;
      if (step > report.max_joint_step) {
        report.max_joint_step = step;
        report.max_step_frame = t;
        for (int j = 1; j < m->njnt; ++j) {
          if (m->jnt_qposadr[j] == i) report.max_step_joint = m->names + m->name_jntadr[j];
        }
      }
    }
  }
  report.mean_joint_step = n > 0 ? sum / n : 0;
  return report;
}

std::string ReportTable(const StacReport& r) {
  std::string out = absl::StrFormat("  %-12s %8s %10s %10s %10s\n", "keypoint", "points", "mean mm", "median mm", "p95 mm");
  for (const auto& s : r.keypoints) {
    absl::StrAppendFormat(&out, "  %-12s %8d %10.2f %10.2f %10.2f\n", s.name, s.count, s.mean_mm, s.median_mm, s.p95_mm);
  }
  absl::StrAppend(&out, "  ------------\n");
  for (const auto& s : r.groups) {
    absl::StrAppendFormat(&out, "  %-12s %8d %10.2f %10.2f %10.2f\n", s.name, s.count, s.mean_mm, s.median_mm, s.p95_mm);
  }
  absl::StrAppendFormat(&out, "  %-12s %8d %10.2f %10.2f %10.2f\n", "ALL", r.overall.count, r.overall.mean_mm,
                        r.overall.median_mm, r.overall.p95_mm);
  absl::StrAppendFormat(&out, "  joint angle change between frames: mean %.4f rad, max %.3f rad (%s at frame %d)\n",
                        r.mean_joint_step, r.max_joint_step, r.max_step_joint, r.max_step_frame);
  if (r.grounded) {
    absl::StrAppendFormat(&out, "  grounded: heights shifted by %+.2f mm (body above the floor before: min %.2f, median %.2f mm)\n",
                          r.ground_shift_mm, r.floor_gap_min_mm, r.floor_gap_median_mm);
  }
  return out;
}

std::string ReportJson(const StacReport& r, const StacResult& result, int frames, int clips) {
  std::string out = absl::StrFormat(
      "{\"frames\":%d,\"clips\":%d,\"threads\":%d,\"offset_rounds_s\":%.3f,\"pose_pass_s\":%.3f,"
      "\"pose_pass_frames_per_s\":%.1f,\"mean_joint_step_rad\":%.5f,\"max_joint_step_rad\":%.4f,"
      "\"grounded\":%s,\"ground_shift_mm\":%.3f,\"floor_gap_min_mm\":%.3f,\"floor_gap_median_mm\":%.3f,"
      "\"overall\":%s,\"groups\":[",
      frames, clips, result.threads, result.offset_seconds, result.pose_pass_seconds,
      result.pose_pass_seconds > 0 ? frames / result.pose_pass_seconds : 0.0, r.mean_joint_step, r.max_joint_step,
      r.grounded ? "true" : "false", r.ground_shift_mm, r.floor_gap_min_mm, r.floor_gap_median_mm,
      StatsJson(r.overall));
  for (size_t i = 0; i < r.groups.size(); ++i) absl::StrAppend(&out, i ? "," : "", StatsJson(r.groups[i]));
  absl::StrAppend(&out, "],\"keypoints\":[");
  for (size_t i = 0; i < r.keypoints.size(); ++i) absl::StrAppend(&out, i ? "," : "", StatsJson(r.keypoints[i]));
  absl::StrAppend(&out, "]}");
  return out;
}

std::string ReportSvg(const StacReport& r, const StacResult& result, double frame_rate) {
  std::vector<std::string> names;
  Series mean{"mean", {}, "#1f77b4"}, p95{"95th percentile", {}, "#ff7f0e"};
  for (const auto& k : r.keypoints) {
    names.push_back(k.name);
    mean.values.push_back(k.mean_mm);
    p95.values.push_back(k.p95_mm);
  }
  ChartOptions bars;
  bars.title = absl::StrFormat("STAC residual per keypoint (all: mean %.2f mm, median %.2f, p95 %.2f)", r.overall.mean_mm,
                               r.overall.median_mm, r.overall.p95_mm);
  bars.y_label = "mm";
  const int k_count = static_cast<int>(r.keypoints.size());
  const int t_count = k_count > 0 ? static_cast<int>(result.residuals.size() / k_count) : 0;
  std::vector<double> time(t_count);
  Series per_frame{"mean over keypoints", std::vector<double>(t_count), "#2ca02c"};
  for (int t = 0; t < t_count; ++t) {
    time[t] = t / frame_rate;
    double sum = 0;
    int n = 0;
    for (int k = 0; k < k_count; ++k) {
      const double v = result.residuals[static_cast<size_t>(t) * k_count + k];
      if (!std::isnan(v)) {
        sum += 1000 * v;
        ++n;
      }
    }
    per_frame.values[t] = n ? sum / n : std::nan("");
  }
  ChartOptions line;
  line.title = "Residual over time";
  line.x_label = "time (s)";
  line.y_label = "mm";
  line.height = 260;
  return StackSvg({BarChartSvg(bars, names, {mean, p95}), LineChartSvg(line, time, {per_frame})}, bars.width);
}

absl::Status WriteRegistration(H5File& file, const StacModel& stac, const StacResult& result) {
  const int64_t k = stac.num_keypoints();
  const int64_t t = static_cast<int64_t>(result.residuals.size()) / k;
  std::vector<std::string> names, bodies, groups;
  for (int i = 0; i < k; ++i) {
    names.push_back(stac.name(i));
    bodies.push_back(mj_id2name(stac.model(), mjOBJ_BODY, stac.body(i)));
    groups.push_back(stac.config().keypoints(i).group());
  }
  std::vector<double> mm(result.residuals.size());
  for (size_t i = 0; i < mm.size(); ++i) mm[i] = 1000 * result.residuals[i];
  MIMIC_RETURN_IF_ERROR(file.WriteStrings("/stac/keypoint_names", names));
  // which body each offset rides on and its body part: enough to place the model's keypoints
  // (renderer, evaluation) without the STAC config
  MIMIC_RETURN_IF_ERROR(file.WriteStrings("/stac/keypoint_bodies", bodies));
  MIMIC_RETURN_IF_ERROR(file.WriteStrings("/stac/keypoint_groups", groups));
  MIMIC_RETURN_IF_ERROR(file.WriteDoubles("/stac/offsets", {k, 3}, result.offsets.data()));
  MIMIC_RETURN_IF_ERROR(file.WriteDoubles("/stac/residuals_mm", {t, k}, mm.data()));
  MIMIC_RETURN_IF_ERROR(file.WriteDoubles("/stac/qpos", {t, stac.model()->nq}, result.qpos.data()));
  MIMIC_RETURN_IF_ERROR(file.SetAttribute("/stac", "model_path", stac.config().model_path()));
  MIMIC_RETURN_IF_ERROR(file.SetAttribute("/stac", "model_scale", stac.config().model_scale()));
  MIMIC_RETURN_IF_ERROR(file.SetAttribute("/stac", "rounds", static_cast<int64_t>(stac.config().rounds())));
  return absl::OkStatus();
}

}  // namespace mimic::preprocess
