#include "envs/rodent_env.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace mimic {

RodentEnv::RodentEnv(std::shared_ptr<const EnvContext> context, uint64_t seed)
    : context_(std::move(context)),
      physics_(context_->model(), context_->spec().substeps),
      rng_(seed),
      ctrl_(context_->model()->nu, 0.0) {
  const mjModel* m = context_->model();
  scratch_.resize(std::max(m->nq, m->nv));
}

absl::Status RodentEnv::Reset(int clip, int frame, float* observation) {
  const ReferenceLibrary& lib = context_->library();
  if (clip < 0 || clip >= lib.num_clips()) {
    return absl::OutOfRangeError(absl::StrCat("clip index ", clip, " outside [0, ", lib.num_clips(), ")"));
  }
  const ReferenceClip& ref = lib.clip(clip).clip;
  if (frame < 0 || frame >= ref.num_frames - 1) {
    return absl::OutOfRangeError(absl::StrCat("start frame ", frame, " outside [0, ",
                                              ref.num_frames - 1, ") of clip '", ref.name, "'"));
  }
  const mjModel* m = context_->model();
  const PerturbationConfig& p = context_->task().config().perturbation();
  std::vector<double> qpos(ref.qpos_at(frame), ref.qpos_at(frame) + m->nq);
  std::vector<double> qvel(ref.qvel_at(frame), ref.qvel_at(frame) + m->nv);
  // optional joint noise (the root stays on the reference)
  if (p.reset_qpos_noise() > 0 || p.reset_qvel_noise() > 0) {
    std::uniform_real_distribution<double> unit(-1.0, 1.0);
    for (int i = 7; i < m->nq; ++i) qpos[i] += p.reset_qpos_noise() * unit(rng_);
    for (int i = 6; i < m->nv; ++i) qvel[i] += p.reset_qvel_noise() * unit(rng_);
  }
  physics_.Reset(qpos.data(), qvel.data());
  std::fill(ctrl_.begin(), ctrl_.end(), 0.0);
  clip_ = clip;
  frame_ = frame;
  start_frame_ = frame;
  steps_ = 0;
  running_ = true;
  context_->task().WriteObservation(physics_.data(), lib.clip(clip), frame, observation);
  return absl::OkStatus();
}

std::vector<int> StartFrameCounts(const EnvContext& context) {
  const ReferenceLibrary& lib = context.library();
  const int margin = std::max(1, context.task().config().min_frames_after_start());
  std::vector<int> starts(lib.num_clips());
  for (int c = 0; c < lib.num_clips(); ++c) {
    // starts in [0, T - margin], never the last frame (an episode needs one step)
    starts[c] = std::max(1, std::min(lib.clip(c).clip.num_frames - margin, lib.clip(c).clip.num_frames - 1));
  }
  return starts;
}

void RodentEnv::ResetRandom(float* observation) {
  if (sampler_ != nullptr) {
    const StartSampler::Start start = sampler_->Sample(rng_);
    Reset(start.clip, start.frame, observation).IgnoreError();  // the sampler's starts are valid
    return;
  }
  const ReferenceLibrary& lib = context_->library();
  const int margin = std::max(1, context_->task().config().min_frames_after_start());
  // clips are drawn in proportion to their number of start frames
  std::vector<int> starts(lib.num_clips());
  int total = 0;
  for (int c = 0; c < lib.num_clips(); ++c) {
    starts[c] = std::max(1, lib.clip(c).clip.num_frames - margin);
    total += starts[c];
  }
  int pick = std::uniform_int_distribution<int>(0, total - 1)(rng_);
  int clip = 0;
  while (pick >= starts[clip]) pick -= starts[clip++];
  const int frame = std::min(pick, lib.clip(clip).clip.num_frames - 2);
  Reset(clip, frame, observation).IgnoreError();  // in range by construction
}

absl::StatusOr<StepResult> RodentEnv::Step(absl::Span<const float> action, float* observation) {
  const mjModel* m = context_->model();
  const EnvSpec& spec = context_->spec();
  if (static_cast<int>(action.size()) != m->nu) {
    return absl::InvalidArgumentError(
        absl::StrCat("action has ", action.size(), " values, the model has ", m->nu, " actuators"));
  }
  for (size_t i = 0; i < action.size(); ++i) {
    if (!std::isfinite(action[i])) {
      return absl::InvalidArgumentError(absl::StrCat("action[", i, "] is not finite (", action[i], ")"));
    }
  }
  if (!running_) {
    return absl::FailedPreconditionError("the episode has ended: call Reset before Step");
  }
  const PerturbationConfig& p = context_->task().config().perturbation();
  std::normal_distribution<double> noise(0.0, 1.0);
  for (int i = 0; i < m->nu; ++i) {
    double a = action[i];
    if (p.action_noise_std() > 0) a += p.action_noise_std() * noise(rng_);
    ctrl_[i] = std::clamp(a, spec.action_low[i], spec.action_high[i]);
  }
  const bool stable = physics_.Step(ctrl_.data());
  ++frame_;
  ++steps_;
  const ClipFeatures& clip = context_->library().clip(clip_);
  StepResult result;
  result.terms = context_->task().ComputeReward(physics_.data(), clip, frame_, ctrl_.data());
  result.end = stable ? context_->task().CheckTermination(result.terms) : EpisodeEnd::kUnstable;
  const int max_steps = context_->task().config().max_episode_steps();
  if (result.end == EpisodeEnd::kNone) {
    if (frame_ >= clip.clip.num_frames - 1) {
      result.end = EpisodeEnd::kClipEnd;
    } else if (max_steps > 0 && steps_ >= max_steps) {
      result.end = EpisodeEnd::kTimeLimit;
    }
  }
  result.reward = stable ? result.terms.total : 0.0;
  result.discount = IsTermination(result.end) ? 0.0 : 1.0;
  running_ = result.end == EpisodeEnd::kNone;
  context_->task().WriteObservation(physics_.data(), clip, frame_, observation);
  return result;
}

RewardTerms RodentEnv::CurrentTerms() const {
  return context_->task().ComputeReward(physics_.data(), context_->library().clip(clip_), frame_,
                                        ctrl_.data());
}

}  // namespace mimic
