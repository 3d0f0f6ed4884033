// `mimic robustness`: the noise-structure robustness experiment (paper Fig. 5F-H) for a trained
// checkpoint over a clips file: episodes per latent-noise shape and gain, Welch's t-tests and
// chi-squared tests against the standard shape, results HDF5 and a figure (<out stem>.svg).
#include <cstdio>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "actors/checkpoint_env.h"
#include "actors/noise_robustness.h"
#include "analysis/robustness_report.h"
#include "cli/commands.h"
#include "common/args.h"
#include "common/progress.h"
#include "envs/clip_io.h"
#include "envs/env_context.h"
#include "learner/learner.h"

namespace mimic::cli {

namespace {

const CommandSpec& RobustnessSpec() {
  static const auto* spec = new CommandSpec{
      "robustness",
      "the noise-structure experiment (paper Fig. 5F-H): a trained policy's episodes under reshaped and scaled "
      "latent noise, tested against the standard shape; results HDF5 and a figure beside it",
      {
          {"checkpoint", FlagType::kString, "", "DIR", "a checkpoint directory (its newest checkpoint)", true},
          {"clips", FlagType::kString, "", "FILE", "the clips to track, each from its first frame", true},
          {"out", FlagType::kString, "", "FILE", "results HDF5 (the figure goes beside it as .svg)", true},
          {"config", FlagType::kString, "", "FILE", "an EnvConfig (default: the task of the checkpoint's run, CHECKPOINT/../train.pbtxt, else the bundled rat; at the clips' scale)"},
          {"shapes", FlagType::kString, "standard,uniform,inverted", "A,B", "latent noise shapes; standard first (the reference)"},
          {"gains", FlagType::kString, "0.5,1,2,4", "x,y", "scales of the latent noise"},
          {"episodes", FlagType::kInt, std::to_string(RobustnessOptions().episodes_per_clip), "episodes",
           "episodes per clip and condition"},
          {"max_steps", FlagType::kInt, "0", "steps", "at most this many steps per clip (0 = whole clips)"},
          {"seed", FlagType::kInt, "1", "seed", "the noise's seed (the same in every condition)"},
          {"sample_actions", FlagType::kBool, "", "", "add the action noise (default: action means)"},
          {"json", FlagType::kBool, "", "", "print the report as JSON"},
      },
      {"./mimic robustness --checkpoint runs/demo/train/checkpoints --clips runs/demo/clips.h5 --out runs/robustness.h5 --episodes 2 --max_steps 50"},
  };
  return *spec;
}

}  // namespace

int RunRobustness(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(RobustnessSpec(), argv, &exit_code);
  if (!args) return exit_code;
  RobustnessOptions options;
  options.shapes.clear();
  for (const auto& name : absl::StrSplit(args->String("shapes"), ',', absl::SkipEmpty())) {
    auto shape = ParseLatentNoiseShape(std::string(name));
    if (!shape.ok()) return Fail("robustness", shape.status());
    options.shapes.push_back(*shape);
  }
  if (options.shapes.empty() || options.shapes.front() != LatentNoiseShape::kStandard) {
    return Fail("robustness", absl::InvalidArgumentError("--shapes must start with standard (the reference)"));
  }
  options.gains.clear();
  for (const auto& item : absl::StrSplit(args->String("gains"), ',', absl::SkipEmpty())) {
    double g = 0;
    if (!absl::SimpleAtod(item, &g)) return Fail("robustness", absl::InvalidArgumentError(absl::StrCat("--gains: '", item, "'")));
    options.gains.push_back(g);
  }
  options.episodes_per_clip = args->Int("episodes");
  options.max_steps = args->Int("max_steps");
  options.seed = static_cast<uint64_t>(args->Int64("seed"));
  options.sample_actions = args->Bool("sample_actions");

  auto clips = ReadClips(args->String("clips"));
  if (!clips.ok()) return Fail("robustness", clips.status());
  auto env = EnvForCheckpoint(args->String("config"), args->String("checkpoint"), clips->front().model_scale);
  if (!env.ok()) return Fail("robustness", env.status());
  if (!env->source.empty()) std::printf("environment: %s\n", env->source.c_str());
  auto context = EnvContext::Create(env->config, *clips);
  if (!context.ok()) return Fail("robustness", context.status());
  const EnvSpec& spec = (*context)->spec();
  auto learner = Learner::FromCheckpointDir(args->String("checkpoint"), spec.observation.size(), spec.num_actions);
  if (!learner.ok()) return Fail("robustness", learner.status());
  std::unique_ptr<Progress> progress;
  options.on_progress = [&](int64_t done, int64_t total) {
    if (!progress) progress = std::make_unique<Progress>("robustness", total, "episodes");
    progress->Update(done);
  };
  auto conditions = RunNoiseRobustness((*learner)->acting_networks(), *context, options);
  if (progress) progress->Finish();
  if (!conditions.ok()) return Fail("robustness", conditions.status());
  const analysis::RobustnessReport report = analysis::AnalyzeRobustness(*conditions);
  const std::string out = args->String("out");
  if (absl::Status s = analysis::WriteRobustness(out, *conditions, report); !s.ok()) return Fail("robustness", s);
  if (args->Bool("json")) {
    std::printf("%s\n", analysis::RobustnessJson(report).c_str());
    return 0;
  }
  std::printf("%-10s %6s %9s %12s %13s %16s\n", "shape", "gain", "episodes", "terminated", "completion", "body error mm");
  for (const auto& c : report.conditions) {
    std::printf("%-10s %6g %9d %12d %7.3f±%.3f %10.1f±%.1f\n", c.shape.c_str(), c.gain, c.episodes, c.terminations,
                c.completion, c.completion_sem, c.error_mm, c.error_sem);
  }
  for (const auto& c : report.comparisons) {
    std::printf("gain %g, %s vs standard: Welch t = %.2f (df %.1f), p = %.3g that standard completes more; "
                "chi2 = %.2f, p = %.3g that %s terminates more\n",
                c.gain, c.shape.c_str(), c.completion.t, c.completion.df, c.completion.p, c.terminations.statistic,
                c.terminations.p, c.shape.c_str());
  }
  std::printf("wrote %s and its figure\n", out.c_str());
  return 0;
}

}  // namespace mimic::cli
