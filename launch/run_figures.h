// The live figures of a local run, gathered from its processes' status files, and the progress
// line the launcher prints from them.
#ifndef MIMIC_LAUNCH_RUN_FIGURES_H_
#define MIMIC_LAUNCH_RUN_FIGURES_H_

#include <cmath>
#include <string>

#include "launch/run_layout.h"

namespace mimic::launch {

struct RunFigures {
  double env_steps = 0, env_steps_per_s = 0, episode_return = std::nan(""), updates = 0, updates_per_s = 0,
         policy_lag = std::nan(""), eval_length = std::nan(""), eval_body_error_mm = std::nan(""),
         eval_reward_per_step = std::nan(""), eval_noisy_length = std::nan(""),
         // rodent, per-clip evaluation: training clips unless said
         eval_completion = std::nan(""), eval_noisy_completion = std::nan(""), eval_completion_held_out = std::nan(""),
         eval_keypoint_error_mm = std::nan(""), eval_keypoint_error_mm_held_out = std::nan("");
};

// Sums the actors' figures and reads the learner's and the evaluator's; what is not there yet
// stays 0 (counts) or NaN (means).
RunFigures GatherRunFigures(const RunLayout& run, int actors);

// "train 120s | 1e5 env steps 830/s | 420 updates 3.5/s | return 45.1 | ... | ETA 60s"
std::string ProgressLine(const RunFigures& figures, double elapsed_s, double max_wall_s);

}  // namespace mimic::launch

#endif  // MIMIC_LAUNCH_RUN_FIGURES_H_
