// The noise-structure robustness experiment (the paper's Fig. 5F-H): a trained policy tracks each
// clip from its first frame, repeatedly, with its latent noise reshaped (standard, uniform,
// inverted: learner/policy_network.h) and scaled by each gain; an episode ends at a termination or
// the clip's end. The latent is sampled with the shaped noise and the action mean is applied
// (`sample_actions` adds the policy's action noise too), so only the latent's noise structure
// differs between conditions. Statistics and figure: analysis/robustness_report.
#ifndef MIMIC_ACTORS_NOISE_ROBUSTNESS_H_
#define MIMIC_ACTORS_NOISE_ROBUSTNESS_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "analysis/robustness_report.h"
#include "envs/env_context.h"
#include "learner/networks.h"
#include "learner/policy_network.h"

namespace mimic {

struct RobustnessOptions {
  std::vector<LatentNoiseShape> shapes = {LatentNoiseShape::kStandard, LatentNoiseShape::kUniform,
                                          LatentNoiseShape::kInverted};
  std::vector<double> gains = {0.5, 1, 2, 4};
  int episodes_per_clip = 4;
  int max_steps = 0;            // per episode; 0 = the whole clip
  bool sample_actions = false;  // also sample the action noise
  uint64_t seed = 1;
  std::function<void(int64_t done, int64_t total)> on_progress;  // episodes

  absl::Status Validate() const;
};

std::string LatentNoiseShapeName(LatentNoiseShape shape);

// One condition per (shape, gain), in that order; the networks' noise is restored afterwards.
absl::StatusOr<std::vector<analysis::RobustnessCondition>> RunNoiseRobustness(
    Networks networks, std::shared_ptr<const EnvContext> context, const RobustnessOptions& options);

}  // namespace mimic

#endif  // MIMIC_ACTORS_NOISE_ROBUSTNESS_H_
