// `mimic rollout`: a checkpoint over whole clips → rollouts.h5 (contract 6) for the analyses.
#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "actors/rollout_recorder.h"
#include "cli/commands.h"
#include "common/args.h"
#include "common/progress.h"
#include "envs/clip_io.h"
#include "envs/env_context.h"
#include "learner/learner.h"

namespace mimic::cli {

int RunRollout(const Argv& argv) {
  auto args = Args::Parse(argv,
                          {"checkpoint", "clips", "out", "config", "latent_samples", "noise",
                           "noise_gain", "stochastic", "max_steps", "seed"},
                          {"stochastic"});
  if (!args.ok()) return Fail("rollout", args.status());
  for (const char* required : {"checkpoint", "clips", "out"}) {
    if (!args->Has(required)) {
      return Fail("rollout", absl::InvalidArgumentError(absl::StrCat("--", required, " is required")));
    }
  }
  auto config = ReadEnvConfigOrDefaults(args->GetString("config", ""));
  if (!config.ok()) return Fail("rollout", config.status());
  auto clips = ReadClips(args->GetString("clips", ""));
  if (!clips.ok()) return Fail("rollout", clips.status());
  if (!args->Has("config")) config->set_model_scale(clips->front().model_scale);
  auto context = EnvContext::Create(*config, *clips);
  if (!context.ok()) return Fail("rollout", context.status());
  const EnvSpec& spec = (*context)->spec();
  const std::string dir = args->GetString("checkpoint", "");
  auto learner = Learner::FromCheckpointDir(dir, spec.observation.size(), spec.num_actions);
  if (!learner.ok()) return Fail("rollout", learner.status());

  RolloutOptions options;
  auto samples = args->GetInt("latent_samples", 0);
  auto gain = args->GetDouble("noise_gain", 1.0);
  auto max_steps = args->GetInt("max_steps", 0);
  auto seed = args->GetInt("seed", 0);
  auto shape = ParseLatentNoiseShape(args->GetString("noise", "standard"));
  for (const absl::Status& s : {samples.status(), gain.status(), max_steps.status(), seed.status(),
                                shape.status()}) {
    if (!s.ok()) return Fail("rollout", s);
  }
  options.latent_samples = *samples;
  options.noise_gain = *gain;
  options.noise_shape = *shape;
  options.max_steps_per_clip = *max_steps;
  options.seed = *seed;
  options.stochastic = args->Has("stochastic");
  options.checkpoint = dir;
  options.step = (*learner)->step();
  std::unique_ptr<Progress> progress;
  options.on_progress = [&](int64_t done, int64_t total) {
    if (!progress) progress = std::make_unique<Progress>("rollout", total, "steps");
    progress->Update(done);
  };
  const std::string out = args->GetString("out", "");
  auto summary = RecordRollouts((*learner)->acting_networks(), *context, options, out);
  if (progress) progress->Finish();
  if (!summary.ok()) return Fail("rollout", summary.status());
  std::printf("wrote %s: %d clips, %lld steps, %d terminations (reset to the reference), mean reward "
              "%.3f per step, %zu named layers, policy step %lld\n",
              out.c_str(), summary->clips, static_cast<long long>(summary->steps),
              summary->terminations, summary->mean_reward, summary->layer_names.size(),
              static_cast<long long>(options.step));
  return 0;
}

}  // namespace mimic::cli
