#include "envs/env_context.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/text_proto.h"

namespace mimic {
namespace {

absl::Status Require(bool ok, const std::string& field, double value, const char* rule) {
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, " must be ", rule, ", got ", value));
}

}  // namespace

absl::Status ValidateEnvConfig(const EnvConfig& c) {
  const PhysicsConfig& p = c.physics();
  MIMIC_RETURN_IF_ERROR(Require(p.timestep() > 0 && p.timestep() < 1, "physics.timestep", p.timestep(), "in (0, 1) s"));
  MIMIC_RETURN_IF_ERROR(Require(p.substeps() >= 1 && p.substeps() <= 1000, "physics.substeps", p.substeps(), "in [1, 1000]"));
  MIMIC_RETURN_IF_ERROR(Require(c.reference_window() >= 1 && c.reference_window() <= 100, "reference_window",
                                c.reference_window(), "in [1, 100]"));
  MIMIC_RETURN_IF_ERROR(Require(c.model_scale() > 0.1 && c.model_scale() < 10, "model_scale", c.model_scale(), "in (0.1, 10)"));
  MIMIC_RETURN_IF_ERROR(Require(c.max_episode_steps() >= 0, "max_episode_steps", c.max_episode_steps(), ">= 0"));
  MIMIC_RETURN_IF_ERROR(Require(c.min_frames_after_start() >= 1, "min_frames_after_start",
                                c.min_frames_after_start(), ">= 1"));
  const RewardConfig& r = c.reward();
  const std::pair<const char*, double> reward_fields[] = {
      {"reward.com_weight", r.com_weight()},           {"reward.com_scale", r.com_scale()},
      {"reward.root_quat_weight", r.root_quat_weight()}, {"reward.root_quat_scale", r.root_quat_scale()},
      {"reward.joint_weight", r.joint_weight()},       {"reward.joint_scale", r.joint_scale()},
      {"reward.body_pos_weight", r.body_pos_weight()}, {"reward.body_pos_scale", r.body_pos_scale()},
      {"reward.end_effector_weight", r.end_effector_weight()},
      {"reward.end_effector_scale", r.end_effector_scale()},
      {"reward.ctrl_cost_weight", r.ctrl_cost_weight()}};
  for (const auto& [field, value] : reward_fields) {
    MIMIC_RETURN_IF_ERROR(Require(std::isfinite(value) && value >= 0, field, value, "finite and >= 0"));
  }
  MIMIC_RETURN_IF_ERROR(Require(std::isfinite(r.alive_bonus()), "reward.alive_bonus", r.alive_bonus(), "finite"));
  const ComicConfig& k = c.comic();
  const std::pair<const char*, double> comic_fields[] = {
      {"comic.termination_reward_weight", k.termination_reward_weight()},
      {"comic.pose_reward_weight", k.pose_reward_weight()},
      {"comic.com_weight", k.com_weight()},                       {"comic.com_scale", k.com_scale()},
      {"comic.joint_velocity_weight", k.joint_velocity_weight()}, {"comic.joint_velocity_scale", k.joint_velocity_scale()},
      {"comic.appendages_weight", k.appendages_weight()},         {"comic.appendages_scale", k.appendages_scale()},
      {"comic.body_quat_weight", k.body_quat_weight()},           {"comic.body_quat_scale", k.body_quat_scale()},
      {"comic.actuator_force_weight", k.actuator_force_weight()},
      {"comic.body_error_multiplier", k.body_error_multiplier()}};
  for (const auto& [field, value] : comic_fields) {
    MIMIC_RETURN_IF_ERROR(Require(std::isfinite(value) && value >= 0, field, value, "finite and >= 0"));
  }
  MIMIC_RETURN_IF_ERROR(Require(std::isfinite(k.termination_error_threshold()) && k.termination_error_threshold() > 0,
                                "comic.termination_error_threshold", k.termination_error_threshold(), "finite and > 0"));
  const ClipSamplingConfig& s = c.clip_sampling();
  MIMIC_RETURN_IF_ERROR(Require(s.floor() > 0 && s.floor() <= 1, "clip_sampling.floor", s.floor(), "in (0, 1]"));
  MIMIC_RETURN_IF_ERROR(Require(s.segment_frames() >= 1, "clip_sampling.segment_frames", s.segment_frames(), ">= 1"));
  MIMIC_RETURN_IF_ERROR(Require(s.failure_rate_step() > 0 && s.failure_rate_step() <= 1, "clip_sampling.failure_rate_step",
                                s.failure_rate_step(), "in (0, 1]"));
  MIMIC_RETURN_IF_ERROR(Require(s.initial_failure_rate() >= 0 && s.initial_failure_rate() <= 1,
                                "clip_sampling.initial_failure_rate", s.initial_failure_rate(), "in [0, 1]"));
  const PerturbationConfig& q = c.perturbation();
  MIMIC_RETURN_IF_ERROR(Require(q.action_noise_std() >= 0 && std::isfinite(q.action_noise_std()),
                                "perturbation.action_noise_std", q.action_noise_std(), "finite and >= 0"));
  MIMIC_RETURN_IF_ERROR(Require(q.reset_qpos_noise() >= 0, "perturbation.reset_qpos_noise", q.reset_qpos_noise(), ">= 0"));
  MIMIC_RETURN_IF_ERROR(Require(q.reset_qvel_noise() >= 0, "perturbation.reset_qvel_noise", q.reset_qvel_noise(), ">= 0"));
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const EnvContext>> EnvContext::Create(
    const EnvConfig& config, std::vector<ReferenceClip> clips) {
  MIMIC_RETURN_IF_ERROR(ValidateEnvConfig(config));
  auto context = std::shared_ptr<EnvContext>(new EnvContext());
  MIMIC_ASSIGN_OR_RETURN(context->model_, LoadModel(config.model_path(), config.perturbation(), config.model_scale()));
  // the model's own time step is replaced by the configured one
  context->model_->opt.timestep = config.physics().timestep();
  MIMIC_ASSIGN_OR_RETURN(context->task_, ImitationTask::Create(context->model_.get(), config));
  MIMIC_ASSIGN_OR_RETURN(context->library_,
                         ReferenceLibrary::Build(context->model_.get(),
                                                 SignatureOf(context->model_.get(), config.model_scale()),
                                                 context->task_->bodies(),
                                                 context->task_->control_rate(), std::move(clips)));
  return std::shared_ptr<const EnvContext>(std::move(context));
}

absl::StatusOr<EnvConfig> ReadEnvConfig(const std::string& path) {
  MIMIC_ASSIGN_OR_RETURN(EnvConfig config, ReadTextProto<EnvConfig>(path));
  absl::Status valid = ValidateEnvConfig(config);
  if (!valid.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", valid.message()));
  return config;
}

absl::StatusOr<EnvConfig> ReadEnvConfigOrDefaults(const std::string& path) {
  if (path.empty()) return EnvConfig();
  return ReadEnvConfig(path);
}

}  // namespace mimic
