// The imitation benchmark as a library (`./mimic bench imitation` and its CI-sized test): a whole
// training run through the launcher (replay, learner, actors, evaluator as separate processes)
// for a fixed budget of environment steps on the clips the config names (the bundled recording
// STAC'd into the run directory, one clip held out), then the final checkpoint and the untrained
// policy of the same run (the learner's initial parameters: same config, same seed, version 0)
// evaluated on every clip, deterministically and with the policy's noise.
#ifndef MIMIC_BENCH_IMITATION_RUN_H_
#define MIMIC_BENCH_IMITATION_RUN_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "actors/clip_evaluation.h"
#include "launch/local_run.h"

namespace mimic::bench {

struct ImitationBenchOptions {
  std::string config_path = "configs/imitation.pbtxt";
  std::string run_dir = "runs/bench_imitation";
  bool fresh = true;             // remove an earlier run directory first (no resuming)
  int64_t env_steps = 3000000;   // the training budget, over all actors
  double max_wall_s = 0;         // a safety net (0 = none)
  std::string binary;            // the `mimic` binary the processes run ("" = this process's own)
  int stochastic_episodes_per_clip = 4;  // noisy episodes per clip in the final evaluation
  // How much one deterministic episode from a clip's first frame can be trusted: the closed loop
  // is chaotic (a change of 1e-6 in the actions moves a clip's error by millimetres), so the
  // trained policy also plays this many deterministic episodes per clip from starts whose joint
  // angles are jittered by up to start_jitter_rad (0 = none). Reported beside the headline figure.
  int jittered_starts = 4;
  double start_jitter_rad = 1e-3;
  int eval_threads = 2;
  uint64_t eval_seed = 7;
  std::function<void(const std::string&)> on_event;
  std::function<void(const launch::RunFigures&, double elapsed_s)> on_progress;
  double progress_interval_s = 30;

  absl::Status Validate() const;
};

struct ImitationBenchResult {
  launch::RunSummary run;
  std::string run_dir;
  int64_t final_step = 0;  // the learner update of the evaluated checkpoint
  PolicyEvaluation trained, trained_noisy, untrained, untrained_noisy;
  int stochastic_episodes_per_clip = 1;
  // the trained policy from jittered starts (jittered_starts consecutive episodes per clip; empty
  // when none were asked for), and the training clips' mean keypoint error of each repeat
  PolicyEvaluation trained_jittered;
  int jittered_starts = 0;
  double start_jitter_rad = 0;
  std::vector<double> jittered_keypoint_error_mm_train;
  // untrained ÷ trained mean keypoint error on the training clips (deterministic policies)
  double ratio = std::nan("");
};

absl::StatusOr<ImitationBenchResult> RunImitationBenchmark(const ImitationBenchOptions& options);

// Only the evaluation half, on an existing run directory (its completed train.pbtxt and its
// checkpoints): what the benchmark does after training.
absl::StatusOr<ImitationBenchResult> EvaluateImitationRun(const std::string& run_dir,
                                                          const ImitationBenchOptions& options);

// One line per clip: split, completion (deterministic, noisy) and keypoint error, trained vs untrained.
std::vector<std::string> ClipLines(const ImitationBenchResult& result);
// The benchmark's JSON line, ratio last.
std::string ImitationJson(const ImitationBenchResult& result);

}  // namespace mimic::bench

#endif  // MIMIC_BENCH_IMITATION_RUN_H_
