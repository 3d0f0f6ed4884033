// One rodent imitation environment: resets onto a reference clip, steps the physics under the
// policy's action and reports reward, discount and why the episode ended.
//
// Semantics: after Reset the observation describes the reference pose at the start frame; each
// Step advances one control period and one reference frame. An episode ends by termination
// (tracking failed: discount 0) or truncation (clip end or time limit: discount 1). Step after
// the end is an error until the next Reset. Not thread-safe; distinct instances are independent.
#ifndef MIMIC_ENVS_RODENT_ENV_H_
#define MIMIC_ENVS_RODENT_ENV_H_

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "envs/env_context.h"
#include "envs/physics.h"
#include "envs/start_sampler.h"

namespace mimic {

struct StepResult {
  double reward = 0;
  double discount = 1;
  EpisodeEnd end = EpisodeEnd::kNone;
  RewardTerms terms;
};

// Valid start frames per clip of `context` (frames 0 .. n - 1): everything but the last
// min_frames_after_start frames, and at least frame 0.
std::vector<int> StartFrameCounts(const EnvContext& context);

class RodentEnv {
 public:
  RodentEnv(std::shared_ptr<const EnvContext> context, uint64_t seed);

  const EnvSpec& spec() const { return context_->spec(); }

  // Starts an episode at (clip, frame) and writes the first observation into `observation`.
  absl::Status Reset(int clip, int frame, float* observation);
  // Starts an episode at a sampled clip and frame: from `sampler` when one is set (shared by a
  // batch of environments, it must outlive this one), else every valid start frame alike.
  void ResetRandom(float* observation);
  void set_start_sampler(const StartSampler* sampler) { sampler_ = sampler; }

  // Applies `action` (num_actions, finite) and writes the next observation.
  absl::StatusOr<StepResult> Step(absl::Span<const float> action, float* observation);

  // Reward terms of the current state against the current reference frame.
  RewardTerms CurrentTerms() const;

  int clip() const { return clip_; }
  int frame() const { return frame_; }
  int start_frame() const { return start_frame_; }  // where the current episode began
  int episode_steps() const { return steps_; }
  const Physics& physics() const { return physics_; }
  Physics& mutable_physics() { return physics_; }

 private:
  std::shared_ptr<const EnvContext> context_;
  Physics physics_;
  std::mt19937_64 rng_;
  std::vector<double> ctrl_;     // (nu) last applied control
  std::vector<double> scratch_;  // (max(nq, nv)) reset noise
  int clip_ = 0;
  int frame_ = 0;
  int start_frame_ = 0;
  int steps_ = 0;
  const StartSampler* sampler_ = nullptr;
  bool running_ = false;
};

}  // namespace mimic

#endif  // MIMIC_ENVS_RODENT_ENV_H_
