// `mimic rollout`: a checkpoint over whole clips → rollouts.h5 (contract 6) for the analyses.
#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "actors/checkpoint_env.h"
#include "actors/rollout_recorder.h"
#include "cli/commands.h"
#include "common/args.h"
#include "common/progress.h"
#include "envs/clip_io.h"
#include "envs/env_context.h"
#include "learner/learner.h"

namespace mimic::cli {
namespace {

const CommandSpec& RolloutSpec() {
  static const auto* spec = new CommandSpec{
      "rollout",
      "run a trained policy over whole clips from their first frame and write rollouts.h5 (kinematics, "
      "actions, every named layer), the file the neural analyses read",
      {
          {"checkpoint", FlagType::kString, "", "DIR", "a checkpoint directory (its newest checkpoint)", true},
          {"clips", FlagType::kString, "", "FILE", "the reference clips", true},
          {"out", FlagType::kString, "", "FILE", "the rollouts file to write (HDF5)", true},
          {"config", FlagType::kString, "", "FILE", "an EnvConfig (default: the task of the checkpoint's run, CHECKPOINT/../train.pbtxt, else the bundled rat; at the clips' scale)"},
          {"latent_samples", FlagType::kInt, "0", "draws", "extra latent draws per step for the variability analyses"},
          {"noise", FlagType::kString, "standard", "standard|uniform|inverted", "shape of the latent noise"},
          {"noise_gain", FlagType::kDouble, "1", "x", "scale of the latent noise"},
          {"stochastic", FlagType::kBool, "", "", "sample actions and latents (default: their means)"},
          {"max_steps", FlagType::kInt, "0", "steps", "at most this many steps per clip (0 = whole clips)"},
          {"seed", FlagType::kInt, "0", "seed", "the noise's seed"},
      },
      {"./mimic rollout --checkpoint runs/demo/train/checkpoints --clips runs/demo/clips.h5 --out runs/rollouts.h5",
       "./mimic rollout --checkpoint runs/demo/train/checkpoints --clips runs/demo/clips.h5 --latent_samples 20 --out runs/var.h5"},
  };
  return *spec;
}

}  // namespace

int RunRollout(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(RolloutSpec(), argv, &exit_code);
  if (!args) return exit_code;
  auto clips = ReadClips(args->String("clips"));
  if (!clips.ok()) return Fail("rollout", clips.status());
  auto env = EnvForCheckpoint(args->String("config"), args->String("checkpoint"), clips->front().model_scale);
  if (!env.ok()) return Fail("rollout", env.status());
  if (!env->source.empty()) std::printf("environment: %s\n", env->source.c_str());
  auto context = EnvContext::Create(env->config, *clips);
  if (!context.ok()) return Fail("rollout", context.status());
  const EnvSpec& spec = (*context)->spec();
  const std::string dir = args->String("checkpoint");
  auto learner = Learner::FromCheckpointDir(dir, spec.observation.size(), spec.num_actions);
  if (!learner.ok()) return Fail("rollout", learner.status());

  RolloutOptions options;
  auto shape = ParseLatentNoiseShape(args->String("noise"));
  if (!shape.ok()) return Fail("rollout", shape.status());
  options.latent_samples = args->Int("latent_samples");
  options.noise_gain = args->Double("noise_gain");
  options.noise_shape = *shape;
  options.max_steps_per_clip = args->Int("max_steps");
  options.seed = args->Int("seed");
  options.stochastic = args->Bool("stochastic");
  options.checkpoint = dir;
  options.step = (*learner)->step();
  std::unique_ptr<Progress> progress;
  options.on_progress = [&](int64_t done, int64_t total) {
    if (!progress) progress = std::make_unique<Progress>("rollout", total, "steps");
    progress->Update(done);
  };
  const std::string out = args->String("out");
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
