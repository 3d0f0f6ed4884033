#include "render/tracking_figure.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/svg_chart.h"

namespace mimic::render {
namespace {

double Distance(const double* a, const double* b) {
  return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

double Median(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return std::nan("");
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// Per part and frame: the mean of the member distances that are finite.
PartErrors Grouped(const std::string& measure, const std::vector<std::string>& member_parts, int T,
                   const std::function<double(int t, int member)>& distance) {
  PartErrors out;
  out.measure = measure;
  std::map<std::string, int> index;
  for (const std::string& p : member_parts) {
    if (!p.empty() && !index.count(p)) {
      index[p] = static_cast<int>(out.parts.size());
      out.parts.push_back(p);
    }
  }
  const int all = static_cast<int>(out.parts.size());
  out.parts.push_back("all");
  out.error_mm.assign(out.parts.size(), std::vector<double>(T, std::nan("")));
  for (int t = 0; t < T; ++t) {
    std::vector<double> sum(out.parts.size(), 0);
    std::vector<int> n(out.parts.size(), 0);
    for (size_t m = 0; m < member_parts.size(); ++m) {
      if (member_parts[m].empty()) continue;
      const double d = distance(t, static_cast<int>(m));
      if (!std::isfinite(d)) continue;
      for (int p : {index[member_parts[m]], all}) {
        sum[p] += d;
        ++n[p];
      }
    }
    for (size_t p = 0; p < out.parts.size(); ++p) {
      if (n[p] > 0) out.error_mm[p][t] = 1000 * sum[p] / n[p];
    }
  }
  return out;
}

}  // namespace

std::string BodyPartOf(const std::string& name) {
  const bool left = absl::EndsWith(name, "_L"), right = absl::EndsWith(name, "_R");
  for (const char* arm : {"scapula", "upper_arm", "lower_arm", "hand", "finger"}) {
    if (absl::StartsWith(name, arm)) return left ? "arm_L" : right ? "arm_R" : "";
  }
  for (const char* leg : {"upper_leg", "lower_leg", "foot", "toe"}) {
    if (absl::StartsWith(name, leg)) return left ? "leg_L" : right ? "leg_R" : "";
  }
  if (name == "skull" || name == "jaw" || absl::StartsWith(name, "vertebra_cervical") || name == "vertebra_axis" ||
      name == "vertebra_atlant") {
    return "head";
  }
  if (absl::StartsWith(name, "vertebra_C")) return "tail";
  if (name == "torso" || name == "pelvis" || absl::StartsWith(name, "vertebra_")) return "trunk";
  return "";
}

absl::StatusOr<PartErrors> ErrorsByBodyPart(const mjModel* model, const RenderClip& clip) {
  const int T = clip.num_frames, K = clip.num_keypoints;
  if (!clip.keypoints.empty() && !clip.model_keypoints.empty()) {
    std::vector<std::string> groups = clip.keypoint_groups;
    if (static_cast<int>(groups.size()) != K) groups.assign(K, "keypoints");
    for (std::string& g : groups) {
      if (g.empty()) g = "other";
    }
    return Grouped("keypoint", groups, T, [&](int t, int k) {
      const double* a = clip.keypoints.data() + (static_cast<size_t>(t) * K + k) * 3;
      const double* b = clip.model_keypoints.data() + (static_cast<size_t>(t) * K + k) * 3;
      return Distance(a, b);
    });
  }
  if (clip.ghost_qpos.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "clip '", clip.name, "' has neither keypoint pairs nor a reference pose: no tracking error to plot"));
  }
  // body origins of the body and of the reference, frame by frame
  std::vector<std::string> parts(model->nbody);
  for (int b = 1; b < model->nbody; ++b) {
    if (model->body_weldid[b] != 0) parts[b] = BodyPartOf(mj_id2name(model, mjOBJ_BODY, b));
  }
  mjData* data = mj_makeData(model);
  std::vector<double> body(static_cast<size_t>(T) * model->nbody * 3), ref(body.size());
  for (int t = 0; t < T; ++t) {
    for (int which = 0; which < 2; ++which) {
      const double* q = which == 0 ? clip.qpos_at(t) : clip.ghost_qpos.data() + static_cast<size_t>(t) * clip.nq;
      std::copy(q, q + model->nq, data->qpos);
      mj_kinematics(model, data);
      std::copy(data->xpos, data->xpos + 3 * model->nbody,
                (which == 0 ? body : ref).begin() + static_cast<size_t>(t) * model->nbody * 3);
    }
  }
  mj_deleteData(data);
  const int nbody = model->nbody;
  return Grouped("body origin", parts, T, [&](int t, int b) {
    const size_t at = (static_cast<size_t>(t) * nbody + b) * 3;
    return Distance(body.data() + at, ref.data() + at);
  });
}

std::string TrackingFigureSvg(const RenderClip& clip, const PartErrors& errors) {
  std::vector<double> time(clip.num_frames);
  for (int t = 0; t < clip.num_frames; ++t) time[t] = t / clip.frame_rate;
  std::vector<Series> lines;
  std::vector<std::string> categories;
  Series medians{"median", {}, "#555"};
  for (size_t p = 0; p < errors.parts.size(); ++p) {
    const bool all = errors.parts[p] == "all";
    lines.push_back({all ? "all " + errors.measure + "s" : errors.parts[p], errors.error_mm[p], all ? "black" : ""});
    categories.push_back(errors.parts[p]);
    medians.values.push_back(Median(errors.error_mm[p]));
  }
  std::string ends;
  for (int t = 0; t < clip.num_frames; ++t) {
    if (!clip.ends[t].empty() && t + 1 < clip.num_frames) absl::StrAppendFormat(&ends, "%s%.2f s", ends.empty() ? "" : ", ", time[t]);
  }
  const std::string what = errors.measure == "keypoint" ? "model keypoints vs the real rat's"
                                                        : "body origins vs the reference pose";
  std::vector<std::string> charts;
  charts.push_back(LineChartSvg(
      {absl::StrCat("Tracking error by body part, clip ", clip.name, " (", what, ")"),
       ends.empty() ? "time (s)" : absl::StrCat("time (s); episodes ended (body reset to the reference) at ", ends),
       "error (mm)", 1000, 360},
      time, lines));
  charts.push_back(BarChartSvg({"Median error by body part", "body part", "error (mm)", 1000, 300}, categories,
                               {medians}));
  return StackSvg(charts, 1000);
}

}  // namespace mimic::render
