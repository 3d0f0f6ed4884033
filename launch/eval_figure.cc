#include "launch/eval_figure.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/svg_chart.h"
#include "render/evaluation_videos.h"

namespace mimic::launch {
namespace {

// Survival curves of the noisy policy's episodes: the share still going after t steps, for the
// first and the last evaluated version.
std::string SurvivalChart(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::map<long, std::vector<int>> lengths;  // version -> stochastic episode lengths
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = absl::StrSplit(line, ',');
    if (cells.size() != 4 || cells[1] != "stochastic") continue;
    lengths[std::strtol(cells[0].c_str(), nullptr, 10)].push_back(std::atoi(cells[3].c_str()));
  }
  if (lengths.empty()) return "";
  int longest = 1;
  for (const auto& [v, l] : lengths) longest = std::max(longest, *std::max_element(l.begin(), l.end()));
  std::vector<double> t;
  for (int s = 0; s <= longest; s += std::max(1, longest / 100)) t.push_back(s);
  auto curve = [&](const std::vector<int>& l) {
    std::vector<double> share;
    for (double s : t) share.push_back(static_cast<double>(std::count_if(l.begin(), l.end(), [s](int x) { return x >= s; })) / l.size());
    return share;
  };
  std::vector<Series> series = {{absl::StrCat("v", lengths.begin()->first, " (first)"), curve(lengths.begin()->second), ""}};
  if (lengths.size() > 1) series.push_back({absl::StrCat("v", lengths.rbegin()->first, " (last)"), curve(lengths.rbegin()->second), ""});
  return LineChartSvg({"Survival with the policy's noise: share of episodes lasting at least t steps", "t (steps)",
                       "share", 900, 300},
                      t, series);
}

bool HasFinite(const std::vector<double>& values) {
  return std::any_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
}

}  // namespace

std::map<std::string, std::vector<double>> ReadCsvColumns(const std::string& path) {
  std::map<std::string, std::vector<double>> columns;
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return columns;
  const std::vector<std::string> names = absl::StrSplit(line, ',');
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = absl::StrSplit(line, ',');
    if (cells.size() != names.size()) continue;
    for (size_t i = 0; i < cells.size(); ++i) columns[names[i]].push_back(std::strtod(cells[i].c_str(), nullptr));
  }
  return columns;
}

void WriteEvalFigure(const RunLayout& run) {
  auto columns = ReadCsvColumns(run.eval_csv);
  if (columns["version"].empty()) return;
  const std::vector<double>& x = columns["version"];
  std::vector<std::string> charts;
  charts.push_back(LineChartSvg({"Evaluator: mean episode length", "learner update", "steps", 900, 300}, x,
                                {{"deterministic policy", columns["mean_length"], ""},
                                 {"with the policy's noise", columns["stochastic_mean_length"], ""}}));
  charts.push_back(LineChartSvg({"Imitation reward per step", "learner update", "reward / step", 900, 300}, x,
                                {{"deterministic policy", columns["reward_per_step"], ""},
                                 {"with the policy's noise", columns["stochastic_reward_per_step"], ""}}));
  charts.push_back(LineChartSvg({"Tracking error", "learner update", "mm", 900, 300}, x,
                                {{"centre of mass", columns["com_error_mm"], ""},
                                 {"tracked bodies", columns["body_error_mm"], ""},
                                 {"end effectors", columns["end_effector_error_mm"], ""}}));
  if (!columns["completion_train"].empty()) {
    // older eval.csv files lack these columns; the charts show only what exists
    std::vector<Series> completion = {{"train", columns["completion_train"], ""},
                                      {"train, noisy", columns["stochastic_completion_train"], ""}};
    std::vector<Series> keypoints = {{"train, mean", columns["keypoint_error_mm_train"], ""},
                                     {"train, median", columns["keypoint_error_median_mm_train"], ""}};
    if (HasFinite(columns["completion_held_out"])) {
      completion.push_back({"held out", columns["completion_held_out"], ""});
      completion.push_back({"held out, noisy", columns["stochastic_completion_held_out"], ""});
      keypoints.push_back({"held out, mean", columns["keypoint_error_mm_held_out"], ""});
    }
    charts.push_back(LineChartSvg({"Fraction of each clip completed from its first frame (mean over clips)",
                                   "learner update", "fraction", 900, 300},
                                  x, completion));
    if (HasFinite(columns["keypoint_error_mm_train"])) {
      charts.push_back(LineChartSvg({"Keypoint error: model vs real rat (whole clips, deterministic policy)",
                                     "learner update", "mm", 900, 300},
                                    x, keypoints));
    }
  }
  if (std::string survival = SurvivalChart(run.survival_csv); !survival.empty()) charts.push_back(survival);
  // the latest evaluations' videos: stills linked to their MP4s (paths relative to eval.svg)
  const std::string videos = std::filesystem::path(run.videos).filename().string();
  if (std::string gallery = render::EvaluationGallerySvg(run.dir, videos); !gallery.empty()) {
    charts.push_back(gallery);
  }
  std::ofstream(run.eval_svg) << StackSvg(charts, 900);
}

}  // namespace mimic::launch
