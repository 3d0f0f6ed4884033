#include "actors/noise_robustness.h"

#include <cmath>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "envs/rodent_env.h"
#include "learner/policy_actor.h"

namespace mimic {

absl::Status RobustnessOptions::Validate() const {
  if (shapes.empty() || gains.empty()) return absl::InvalidArgumentError("give at least one noise shape and one gain");
  for (double g : gains) {
    if (!(g >= 0) || !std::isfinite(g)) return absl::InvalidArgumentError(absl::StrCat("noise gain ", g, " must be >= 0"));
  }
  if (episodes_per_clip < 1) return absl::InvalidArgumentError("episodes_per_clip must be >= 1");
  if (max_steps < 0) return absl::InvalidArgumentError("max_steps must be >= 0");
  return absl::OkStatus();
}

std::string LatentNoiseShapeName(LatentNoiseShape shape) {
  switch (shape) {
    case LatentNoiseShape::kUniform:
      return "uniform";
    case LatentNoiseShape::kInverted:
      return "inverted";
    default:
      return "standard";
  }
}

absl::StatusOr<std::vector<analysis::RobustnessCondition>> RunNoiseRobustness(
    Networks networks, std::shared_ptr<const EnvContext> context, const RobustnessOptions& options) {
  MIMIC_RETURN_IF_ERROR(options.Validate());
  torch::NoGradGuard no_grad;
  const EnvSpec& spec = context->spec();
  if (networks->obs_size() != spec.observation.size() || networks->num_actions() != spec.num_actions) {
    return absl::FailedPreconditionError(absl::StrCat("the policy expects ", networks->obs_size(), " observations and ",
                                                      networks->num_actions(), " actions; the environment has ",
                                                      spec.observation.size(), " and ", spec.num_actions));
  }
  // the networks are shared: restore the standard noise however this returns
  absl::Cleanup restore = [&networks] { networks->policy->SetLatentNoise(LatentNoiseShape::kStandard, 1.0); };
  const ReferenceLibrary& library = context->library();
  const int clips = library.num_clips();
  const int64_t total = static_cast<int64_t>(options.shapes.size()) * options.gains.size() * clips * options.episodes_per_clip;
  int64_t done = 0;
  std::vector<float> obs(spec.observation.size());
  std::vector<analysis::RobustnessCondition> out;
  for (LatentNoiseShape shape : options.shapes) {
    for (double gain : options.gains) {
      networks->policy->SetLatentNoise(shape, gain);
      analysis::RobustnessCondition condition;
      condition.shape = LatentNoiseShapeName(shape);
      condition.gain = gain;
      for (int c = 0; c < clips; ++c) {
        const int clip_steps = library.clip(c).clip.num_frames - 1;
        const int limit = options.max_steps > 0 ? std::min(clip_steps, options.max_steps) : clip_steps;
        for (int e = 0; e < options.episodes_per_clip; ++e) {
          // the same seeds in every condition: differences come from the noise's shape and gain
          const uint64_t seed = options.seed + 1000003ull * c + e;
          RodentEnv env(context, seed);
          PolicyActor actor(networks, 1, seed, /*deterministic=*/false);
          MIMIC_RETURN_IF_ERROR(env.Reset(c, 0, obs.data()));
          analysis::RobustnessEpisode episode;
          episode.clip = c;
          episode.clip_steps = limit;
          double error = 0;
          float first = 1.f;
          while (episode.steps < limit) {
            torch::Tensor o = torch::from_blob(obs.data(), {1, spec.observation.size()}).clone();
            ActionBatch act = actor.Act(o, torch::full({1}, first));
            first = 0.f;
            torch::Tensor action = (options.sample_actions ? act.action : act.mean).clamp(-1.0, 1.0).contiguous();
            MIMIC_ASSIGN_OR_RETURN(StepResult step,
                                   env.Step(absl::MakeConstSpan(action.data_ptr<float>(), action.numel()), obs.data()));
            ++episode.steps;
            error += step.terms.mean_body_error;
            if (IsTermination(step.end)) {
              episode.terminated = true;
              break;
            }
            if (step.end != EpisodeEnd::kNone) break;  // the clip ended
          }
          episode.body_error_mm = episode.steps > 0 ? 1000 * error / episode.steps : std::nan("");
          condition.episodes.push_back(episode);
          if (options.on_progress) options.on_progress(++done, total);
        }
      }
      out.push_back(std::move(condition));
    }
  }
  return out;
}

}  // namespace mimic
