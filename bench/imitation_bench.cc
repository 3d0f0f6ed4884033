// `mimic bench imitation`: how well the virtual rat imitates after a fixed budget of environment
// steps of the real distributed topology, against the untrained policy of the same run
// (bench/imitation_run does the work; this file parses flags and prints).
#include <unistd.h>

#include <cstdio>

#include "bench/benchmarks.h"
#include "bench/imitation_run.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/args.h"
#include "learner/small_batch_linear.h"

namespace mimic::bench {
namespace {

const CommandSpec& ImitationSpec() {
  static const auto* spec = new CommandSpec{
      "bench imitation",
      "train with the whole distributed topology (replay, learner, actors, evaluator over loopback gRPC) for a "
      "budget of environment steps on the bundled recording's clips (STAC'd into the run directory, one held "
      "out), then evaluate the final checkpoint and the untrained policy of the same run on every clip from its "
      "first frame; prints one line per clip and a JSON line whose ratio is untrained / trained mean keypoint "
      "error on the training clips",
      {
          {"config", FlagType::kString, "configs/imitation.pbtxt", "FILE", "the run's TrainConfig; the default is the paper's COMIC task"},
          {"run_dir", FlagType::kString, "runs/bench_imitation", "DIR", "run directory (cleared first)"},
          {"env_steps", FlagType::kInt, "3000000", "steps", "training budget, over all actors"},
          {"max_wall_s", FlagType::kDouble, "0", "s", "stop earlier after this long (0 = no limit; the run then fails)"},
          {"stochastic_episodes", FlagType::kInt, "4", "episodes", "episodes per clip with the policy's noise in the final evaluation"},
          {"eval_threads", FlagType::kInt, "2", "threads", "environment threads of the final evaluation"},
          {"jittered_starts", FlagType::kInt, "4", "episodes",
           "deterministic episodes per clip from jittered starts, beside the one from the first frame: how far "
           "one chaotic episode can be trusted (0 = none)"},
          {"start_jitter", FlagType::kDouble, "0.001", "rad", "largest change of each joint angle at a jittered start"},
          {"evaluate_only", FlagType::kBool, "", "", "skip training: evaluate the run directory's newest checkpoint"},
          {"eval_precision", FlagType::kString, "float32", "float32|bfloat16",
           "products of the final evaluation's policy passes; bfloat16 = as the actors act (where the CPU has "
           "AVX512_BF16)"},
      },
      {"./mimic bench imitation", "./mimic bench imitation --env_steps 300000 --run_dir runs/bench_imitation_300k",
       "./mimic bench imitation --config configs/imitation_track_mjx.pbtxt --env_steps 300000"},
      "",
      "Files in the run directory: eval.svg (the evaluator's curves: completion and keypoint error of training and "
      "held-out clips over the run), imitation.svg (per clip, trained vs untrained), bench_clips.csv, eval.csv, "
      "eval_clips.csv, summary.json, logs/. Exits non-zero when the run or a measurement failed.",
  };
  return *spec;
}

}  // namespace

int BenchImitation(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(ImitationSpec(), argv, &exit_code);
  if (!args) return exit_code;
  ImitationBenchOptions options;
  options.config_path = args->String("config");
  options.run_dir = args->String("run_dir");
  options.env_steps = args->Int64("env_steps");
  options.max_wall_s = args->Double("max_wall_s");
  options.stochastic_episodes_per_clip = args->Int("stochastic_episodes");
  options.eval_threads = args->Int("eval_threads");
  options.jittered_starts = args->Int("jittered_starts");
  options.start_jitter_rad = args->Double("start_jitter");
  options.on_event = [](const std::string& line) { std::fprintf(stderr, "bench imitation: %s\n", line.c_str()); };
  auto precision = ParseInferencePrecision(args->String("eval_precision"));
  if (!precision.ok()) return Fail("bench imitation", precision.status());
  SetInferencePrecision(*precision);  // this process trains nothing: the run's processes are its children
  if (*precision != InferencePrecision::kFloat32) {
    options.on_event("the final evaluation's products in " + InferencePrecisionName(ActiveInferencePrecision()));
  }
  const bool tty = isatty(STDERR_FILENO);
  options.progress_interval_s = tty ? 1.0 : 30.0;
  options.on_progress = [tty, &options](const launch::RunFigures& figures, double elapsed) {
    std::string line = launch::ProgressLine(figures, elapsed, 0);
    if (figures.env_steps_per_s > 0) {
      absl::StrAppend(&line, absl::StrFormat(" | ETA %.0fs",
                                             std::max(0.0, (options.env_steps - figures.env_steps) / figures.env_steps_per_s)));
    }
    if (tty) std::fprintf(stderr, "\r\033[K%s", line.c_str());
    else std::fprintf(stderr, "%s\n", line.c_str());
  };
  absl::StatusOr<ImitationBenchResult> result = args->Bool("evaluate_only")
                                                    ? EvaluateImitationRun(options.run_dir, options)
                                                    : RunImitationBenchmark(options);
  if (tty) std::fprintf(stderr, "\n");
  if (!result.ok()) return Fail("bench imitation", result.status());
  for (const std::string& line : ClipLines(*result)) std::printf("%s\n", line.c_str());
  std::printf("%s\n", ImitationJson(*result).c_str());
  return 0;
}

}  // namespace mimic::bench
