#include "envs/clip_recorder.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "envs/env_context.h"
#include "envs/model_loader.h"
#include "envs/physics.h"

namespace mimic {

absl::Status RecordOptions::Validate() const {
  if (num_frames < 2) return absl::InvalidArgumentError("num_frames must be >= 2");
  if (settle_seconds < 0) return absl::InvalidArgumentError("settle_seconds must be >= 0");
  if (!(action_smoothing >= 0 && action_smoothing < 1)) {
    return absl::InvalidArgumentError("action_smoothing must be in [0, 1)");
  }
  return absl::OkStatus();
}

absl::StatusOr<RecordedClip> RecordClip(const EnvConfig& config, const RecordOptions& options) {
  MIMIC_RETURN_IF_ERROR(options.Validate());
  MIMIC_RETURN_IF_ERROR(ValidateEnvConfig(config));
  MIMIC_ASSIGN_OR_RETURN(ModelPtr model, LoadModel(config.model_path(), config.perturbation(), config.model_scale()));
  model->opt.timestep = config.physics().timestep();
  const mjModel* m = model.get();
  const int substeps = config.physics().substeps();
  Physics physics(m, substeps);
  mjData* d = physics.data();

  // let the body settle on the floor from its default pose
  std::vector<double> zero(m->nu, 0.0);
  const int settle_steps = static_cast<int>(options.settle_seconds / (m->opt.timestep * substeps));
  for (int i = 0; i < settle_steps; ++i) physics.Step(zero.data());
  // restart from the settled state the way environments reset, so replays match exactly
  std::vector<double> qpos(d->qpos, d->qpos + m->nq), qvel(d->qvel, d->qvel + m->nv);
  physics.Reset(qpos.data(), qvel.data());

  RecordedClip out;
  ReferenceClip& c = out.clip;
  c.name = options.name;
  c.frame_rate = 1.0 / (m->opt.timestep * substeps);
  c.num_frames = options.num_frames;
  c.nq = m->nq;
  c.nv = m->nv;
  c.nbody = m->nbody;
  const ModelSignature signature = SignatureOf(m, config.model_scale());
  c.model_name = signature.name;
  c.model_hash = signature.hash;
  c.model_scale = config.model_scale();
  c.source_file = absl::StrCat("self-recorded:", config.model_path(), ":seed=", options.seed);
  c.source_frame_start = 0;
  c.source_frame_end = options.num_frames;
  out.num_actions = m->nu;

  std::mt19937_64 rng(options.seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  const double rho = options.action_smoothing;
  const double innovation = options.action_scale * std::sqrt(1 - rho * rho);
  std::vector<double> state(m->nu, 0.0), action(m->nu, 0.0);
  for (int t = 0; t < options.num_frames; ++t) {
    c.qpos.insert(c.qpos.end(), d->qpos, d->qpos + m->nq);
    c.qvel.insert(c.qvel.end(), d->qvel, d->qvel + m->nv);
    c.xpos.insert(c.xpos.end(), d->xpos, d->xpos + 3 * m->nbody);
    c.xquat.insert(c.xquat.end(), d->xquat, d->xquat + 4 * m->nbody);
    if (t + 1 == options.num_frames) break;
    for (int i = 0; i < m->nu; ++i) {
      // actions travel as float: apply exactly the value that is recorded
      const float a = static_cast<float>(std::clamp(rho * state[i] + innovation * normal(rng), -1.0, 1.0));
      state[i] = a;
      action[i] = a;
      out.actions.push_back(a);
    }
    if (!physics.Step(action.data())) {
      return absl::InternalError(absl::StrCat("the simulation diverged while recording frame ", t + 1));
    }
  }
  MIMIC_RETURN_IF_ERROR(ValidateClip(c));
  return out;
}

}  // namespace mimic
