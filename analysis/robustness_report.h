// The noise-structure robustness experiment's statistics and figure (the paper's Fig. 5G-H):
// episodes of a policy whose latent noise was reshaped (standard, uniform, inverted; see
// learner/policy_network.h LatentNoiseShape) and scaled by a gain. Per condition: the share of
// the clip each episode completed before a termination, the termination count and the mean
// tracking error. At each gain, every other shape is compared with the reference shape
// ("standard"): Welch's t-test that the reference completes more (one-sided), a chi-squared test
// that the other shape terminates more often (one-sided, 2 x 2 table), and Welch's t-test that
// its tracking error is larger.
#ifndef MIMIC_ANALYSIS_ROBUSTNESS_REPORT_H_
#define MIMIC_ANALYSIS_ROBUSTNESS_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "analysis/statistics.h"

namespace mimic::analysis {

struct RobustnessEpisode {
  int clip = 0;
  int steps = 0;        // control steps survived
  int clip_steps = 0;   // steps the whole clip offers
  bool terminated = false;
  double body_error_mm = 0;  // mean tracked-body position error over the episode
};

struct RobustnessCondition {
  std::string shape;
  double gain = 1;
  std::vector<RobustnessEpisode> episodes;
};

struct ConditionSummary {
  std::string shape;
  double gain = 1;
  int episodes = 0, terminations = 0;
  double completion = 0, completion_sem = 0;  // mean share of the clip completed
  double error_mm = 0, error_sem = 0;
};

struct ShapeComparison {
  double gain = 1;
  std::string shape;               // compared with the reference shape at this gain
  TTest completion;                // reference > shape
  ChiSquaredTest terminations;     // shape terminates more often
  TTest error;                     // shape's error > reference's
};

struct RobustnessReport {
  std::string reference = "standard";
  std::vector<ConditionSummary> conditions;
  std::vector<ShapeComparison> comparisons;
};

RobustnessReport AnalyzeRobustness(const std::vector<RobustnessCondition>& conditions,
                                   const std::string& reference = "standard");

// Results HDF5 (per episode and per condition, the tests) and an SVG beside it (<stem>.svg):
// completion, termination rate and tracking error against the gain, one line per shape with SEM
// error bars, and stars where the shape differs from the reference (p < 0.05).
absl::Status WriteRobustness(const std::string& path, const std::vector<RobustnessCondition>& conditions,
                             const RobustnessReport& report);
std::string RobustnessSvg(const RobustnessReport& report);
std::string RobustnessJson(const RobustnessReport& report);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_ROBUSTNESS_REPORT_H_
