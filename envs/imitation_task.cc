#include "envs/imitation_task.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace mimic {
namespace {

// track-mjx's tracked bodies and end effectors for the rodent.
const char* const kDefaultTrackedBodies[] = {
    "torso",     "pelvis",      "upper_leg_L", "lower_leg_L", "foot_L",      "upper_leg_R",
    "lower_leg_R", "foot_R",    "skull",       "jaw",         "scapula_L",   "upper_arm_L",
    "lower_arm_L", "finger_L",  "scapula_R",   "upper_arm_R", "lower_arm_R", "finger_R"};
const char* const kDefaultEndEffectors[] = {"foot_L", "foot_R", "hand_L", "hand_R"};
// dm_control's rat (walkers/rodent.py): end_effectors (both lower arms and feet) + the head.
const char* const kDefaultAppendages[] = {"lower_arm_R", "lower_arm_L", "foot_R", "foot_L", "skull"};

// Rotation angle in [0, pi] between two unit quaternions (w first).
double QuatAngle(const double* a, const double* b) {
  double inv_a[4], rel[4];
  mju_negQuat(inv_a, a);
  mju_mulQuat(rel, inv_a, b);
  const double v = std::sqrt(rel[1] * rel[1] + rel[2] * rel[2] + rel[3] * rel[3]);
  return 2.0 * std::atan2(v, std::abs(rel[0]));
}

double SquaredDistance3(const double* a, const double* b) {
  const double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
  return dx * dx + dy * dy + dz * dz;
}

struct BodyErrors {
  double sum_squared = 0;    // m^2, summed over the bodies
  double mean_distance = 0;  // m
};

// Distances between the bodies' positions in `d` and reference positions (bodies x 3).
BodyErrors Compare(const mjData* d, const std::vector<int>& bodies, const double* reference) {
  BodyErrors e;
  for (size_t i = 0; i < bodies.size(); ++i) {
    const double sq = SquaredDistance3(d->xpos + 3 * bodies[i], reference + 3 * i);
    e.sum_squared += sq;
    e.mean_distance += std::sqrt(sq);
  }
  if (!bodies.empty()) e.mean_distance /= bodies.size();
  return e;
}

// out[0..2] = R^T (to - from), with R the body-to-world rotation (row-major).
void Egocentric(const double* rot, const double* from, const double* to, float* out) {
  const double world[3] = {to[0] - from[0], to[1] - from[1], to[2] - from[2]};
  double local[3];
  mju_rotVecMatT(local, world, rot);
  out[0] = static_cast<float>(local[0]);
  out[1] = static_cast<float>(local[1]);
  out[2] = static_cast<float>(local[2]);
}

// dm_control's bounded quaternion distance: half the rotation angle between a and b, in [0, pi/2].
double BoundedQuatDistance(const double* a, const double* b) {
  const double dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3];
  return 0.5 * std::acos(std::clamp(2 * dot * dot - 1, -1.0, 1.0));
}

// out = a^-1 b with w >= 0 (q and -q are the same rotation).
void RelativeQuat(const double* a, const double* b, float* out) {
  double inv[4], rel[4];
  mju_negQuat(inv, a);
  mju_mulQuat(rel, inv, b);
  const double sign = rel[0] < 0 ? -1.0 : 1.0;
  for (int i = 0; i < 4; ++i) out[i] = static_cast<float>(sign * rel[i]);
}

}  // namespace

const char* EpisodeEndName(EpisodeEnd e) {
  switch (e) {
    case EpisodeEnd::kNone: return "none";
    case EpisodeEnd::kTooFar: return "too_far";
    case EpisodeEnd::kBadOrientation: return "bad_orientation";
    case EpisodeEnd::kBadPose: return "bad_pose";
    case EpisodeEnd::kFell: return "fell";
    case EpisodeEnd::kUnstable: return "unstable";
    case EpisodeEnd::kTrackingError: return "tracking_error";
    case EpisodeEnd::kClipEnd: return "clip_end";
    case EpisodeEnd::kTimeLimit: return "time_limit";
  }
  return "unknown";
}

ImitationTask::ImitationTask(const mjModel* model, EnvConfig config)
    : model_(model), config_(std::move(config)) {}

absl::StatusOr<std::unique_ptr<ImitationTask>> ImitationTask::Create(const mjModel* model,
                                                                     const EnvConfig& config) {
  std::unique_ptr<ImitationTask> task(new ImitationTask(model, config));
  MIMIC_RETURN_IF_ERROR(task->Init());
  return task;
}

absl::Status ImitationTask::Init() {
  const mjModel* m = model_;
  const PhysicsConfig& physics = config_.physics();
  if (!(physics.timestep() > 0) || physics.substeps() < 1) {
    return absl::InvalidArgumentError(absl::StrCat("physics.timestep must be > 0 and substeps >= 1, got ",
                                                   physics.timestep(), " and ", physics.substeps()));
  }
  if (config_.reference_window() < 1) {
    return absl::InvalidArgumentError("reference_window must be >= 1");
  }
  if (m->njnt < 1 || m->jnt_type[0] != mjJNT_FREE) {
    return absl::InvalidArgumentError("the model's first joint must be the free root joint");
  }
  if (m->opt.integrator != mjINT_EULER) {
    return absl::InvalidArgumentError("the environment steps with the Euler integrator only");
  }
  bodies_.root = m->jnt_bodyid[0];
  if (config_.tracked_bodies_size() == 0) {
    for (const char* name : kDefaultTrackedBodies) config_.add_tracked_bodies(name);
  }
  if (config_.end_effectors_size() == 0) {
    for (const char* name : kDefaultEndEffectors) config_.add_end_effectors(name);
  }
  auto resolve = [m](const std::string& name, std::vector<int>* ids) -> absl::Status {
    const int id = mj_name2id(m, mjOBJ_BODY, name.c_str());
    if (id < 0) return absl::InvalidArgumentError(absl::StrCat("the model has no body named '", name, "'"));
    ids->push_back(id);
    return absl::OkStatus();
  };
  for (const std::string& name : config_.tracked_bodies()) MIMIC_RETURN_IF_ERROR(resolve(name, &bodies_.tracked));
  for (const std::string& name : config_.end_effectors()) MIMIC_RETURN_IF_ERROR(resolve(name, &bodies_.end_effectors));
  comic_ = config_.preset() == COMIC;
  body_quats_observed_ = config_.has_observe_body_quaternions() ? config_.observe_body_quaternions() : comic_;
  if (config_.comic().appendages_size() == 0) {
    for (const char* name : kDefaultAppendages) config_.mutable_comic()->add_appendages(name);
  }
  for (const std::string& name : config_.comic().appendages()) MIMIC_RETURN_IF_ERROR(resolve(name, &bodies_.appendages));

  // the declarative layout
  spec_.num_actions = m->nu;
  for (int i = 0; i < m->nu; ++i) {
    const bool limited = m->actuator_ctrllimited[i];
    spec_.action_low.push_back(limited ? m->actuator_ctrlrange[2 * i] : -1.0);
    spec_.action_high.push_back(limited ? m->actuator_ctrlrange[2 * i + 1] : 1.0);
  }
  spec_.physics_timestep = physics.timestep();
  spec_.substeps = physics.substeps();
  spec_.control_timestep = physics.timestep() * physics.substeps();
  spec_.reference_window = config_.reference_window();
  spec_.tracked_bodies.assign(config_.tracked_bodies().begin(), config_.tracked_bodies().end());
  spec_.end_effectors.assign(config_.end_effectors().begin(), config_.end_effectors().end());
  const int joints = m->nq - joint_qpos_start_;
  const int ntracked = static_cast<int>(bodies_.tracked.size());
  const int nee = static_cast<int>(bodies_.end_effectors.size());
  ObservationSpec& obs = spec_.observation;
  obs.Add("joint_angles", joints);
  obs.Add("joint_velocities", m->nv - joint_qvel_start_);
  if (m->na > 0) obs.Add("actuator_activations", m->na);
  obs.Add("root_height", 1);
  obs.Add("gravity_in_body", 3);
  obs.Add("end_effectors", 3 * nee);
  if (m->nsensordata > 0) obs.Add("sensors", m->nsensordata);
  obs.MarkProprioceptionEnd();
  for (int k = 0; k < spec_.reference_window; ++k) {
    const std::string prefix = absl::StrCat("ref/", k, "/");
    obs.Add(prefix + "root_pos", 3);
    obs.Add(prefix + "root_quat", 4);
    obs.Add(prefix + "joints", joints);
    obs.Add(prefix + "body_pos", 3 * ntracked);
    obs.Add(prefix + "end_effectors", 3 * nee);
    if (body_quats_observed_) obs.Add(prefix + "body_quat", 4 * ntracked);
  }
  return absl::OkStatus();
}

void ImitationTask::WriteObservation(const mjData* d, const ClipFeatures& f, int frame,
                                     float* out) const {
  const mjModel* m = model_;
  const int root = bodies_.root;
  const double* rot = d->xmat + 9 * root;
  const double* root_pos = d->xpos + 3 * root;
  const double* root_quat = d->qpos + 3;
  float* o = out;
  // proprioception
  for (int i = joint_qpos_start_; i < m->nq; ++i) *o++ = static_cast<float>(d->qpos[i]);
  for (int i = joint_qvel_start_; i < m->nv; ++i) *o++ = static_cast<float>(d->qvel[i]);
  for (int i = 0; i < m->na; ++i) *o++ = static_cast<float>(d->act[i]);
  *o++ = static_cast<float>(root_pos[2]);
  const double down[3] = {0, 0, -1};
  double gravity[3];
  mju_rotVecMatT(gravity, down, rot);
  for (double g : gravity) *o++ = static_cast<float>(g);
  for (int b : bodies_.end_effectors) {
    Egocentric(rot, root_pos, d->xpos + 3 * b, o);
    o += 3;
  }
  for (int i = 0; i < m->nsensordata; ++i) *o++ = static_cast<float>(d->sensordata[i]);
  // reference window: differences to future frames, in the body frame
  const ReferenceClip& clip = f.clip;
  const int ntracked = static_cast<int>(bodies_.tracked.size());
  const int nee = static_cast<int>(bodies_.end_effectors.size());
  double inv_quat[4];
  mju_negQuat(inv_quat, root_quat);
  for (int k = 0; k < spec_.reference_window; ++k) {
    const int t = std::min(frame + 1 + k, clip.num_frames - 1);
    const double* ref_q = clip.qpos_at(t);
    Egocentric(rot, root_pos, ref_q, o);
    o += 3;
    double rel[4];
    mju_mulQuat(rel, inv_quat, ref_q + 3);
    const double sign = rel[0] < 0 ? -1.0 : 1.0;  // q and -q are the same rotation
    for (double v : rel) *o++ = static_cast<float>(sign * v);
    for (int i = joint_qpos_start_; i < m->nq; ++i) {
      *o++ = static_cast<float>(ref_q[i] - d->qpos[i]);
    }
    const double* ref_body = f.body_pos.data() + 3 * static_cast<size_t>(t) * ntracked;
    for (int i = 0; i < ntracked; ++i) {
      Egocentric(rot, d->xpos + 3 * bodies_.tracked[i], ref_body + 3 * i, o);
      o += 3;
    }
    const double* ref_ee = f.end_effectors.data() + 3 * static_cast<size_t>(t) * nee;
    for (int i = 0; i < nee; ++i) {
      Egocentric(rot, d->xpos + 3 * bodies_.end_effectors[i], ref_ee + 3 * i, o);
      o += 3;
    }
    if (body_quats_observed_) {
      const double* ref_quat = f.body_quat_at(t);
      for (int i = 0; i < ntracked; ++i) {
        RelativeQuat(d->xquat + 4 * bodies_.tracked[i], ref_quat + 4 * i, o);
        o += 4;
      }
    }
  }
}

const std::vector<RewardTermField>& RewardTermFields(TaskPreset preset) {
  static const auto* comic = new std::vector<RewardTermField>{
      {"tracking", &RewardTerms::tracking, 1},         {"com", &RewardTerms::com, 1},
      {"joint_velocities", &RewardTerms::joint_velocities, 1}, {"appendages", &RewardTerms::appendages, 1},
      {"body_quats", &RewardTerms::body_quats, 1},     {"actuator_force", &RewardTerms::actuator_force, -1}};
  static const auto* track_mjx = new std::vector<RewardTermField>{
      {"com", &RewardTerms::com, 1},           {"root_quat", &RewardTerms::root_quat, 1},
      {"joints", &RewardTerms::joints, 1},     {"body_pos", &RewardTerms::body_pos, 1},
      {"end_effectors", &RewardTerms::end_effectors, 1}, {"ctrl_cost", &RewardTerms::ctrl_cost, -1}};
  return preset == COMIC ? *comic : *track_mjx;
}

RewardTerms ImitationTask::ComputeReward(const mjData* d, const ClipFeatures& f, int frame,
                                         const double* ctrl) const {
  const mjModel* m = model_;
  const RewardConfig& w = config_.reward();
  const ReferenceClip& clip = f.clip;
  const double* ref_q = clip.qpos_at(frame);
  RewardTerms r;
  const double com_sq = SquaredDistance3(d->subtree_com + 3 * bodies_.root, f.com_at(frame));
  r.com_distance = std::sqrt(com_sq);
  r.root_angle = QuatAngle(d->qpos + 3, ref_q + 3);
  double joint_sq = 0, joint_abs = 0;
  for (int i = joint_qpos_start_; i < m->nq; ++i) {
    const double e = d->qpos[i] - ref_q[i];
    joint_sq += e * e;
    joint_abs += std::abs(e);
  }
  r.joint_distance = std::sqrt(joint_sq);
  if (m->nq > joint_qpos_start_) r.mean_joint_error = joint_abs / (m->nq - joint_qpos_start_);
  const size_t ntracked = bodies_.tracked.size(), nee = bodies_.end_effectors.size();
  const BodyErrors body = Compare(d, bodies_.tracked, f.body_pos.data() + 3 * static_cast<size_t>(frame) * ntracked);
  const BodyErrors ee = Compare(d, bodies_.end_effectors, f.end_effectors.data() + 3 * static_cast<size_t>(frame) * nee);
  const double body_sq = body.sum_squared, ee_sq = ee.sum_squared;
  r.mean_body_error = body.mean_distance;
  r.mean_end_effector_error = ee.mean_distance;
  r.root_height = d->qpos[2];
  r.root_height_deficit = ref_q[2] - d->qpos[2];
  if (comic_) return ComputeComicReward(d, f, frame, r);
  double ctrl_sq = 0;
  for (int i = 0; i < m->nu; ++i) ctrl_sq += ctrl[i] * ctrl[i];

  r.com = w.com_weight() * std::exp(-w.com_scale() * com_sq);
  r.root_quat = w.root_quat_weight() * std::exp(-w.root_quat_scale() * r.root_angle * r.root_angle);
  r.joints = w.joint_weight() * std::exp(-w.joint_scale() * joint_sq);
  r.body_pos = w.body_pos_weight() * std::exp(-w.body_pos_scale() * body_sq);
  r.end_effectors = w.end_effector_weight() * std::exp(-w.end_effector_scale() * ee_sq);
  r.ctrl_cost = m->nu > 0 ? w.ctrl_cost_weight() * ctrl_sq / m->nu : 0;
  r.total = r.com + r.root_quat + r.joints + r.body_pos + r.end_effectors + w.alive_bonus() -
            r.ctrl_cost;
  return r;
}

RewardTerms ImitationTask::ComputeComicReward(const mjData* d, const ClipFeatures& f, int frame,
                                              RewardTerms r) const {
  const mjModel* m = model_;
  const ComicConfig& c = config_.comic();
  const ReferenceClip& clip = f.clip;
  // E: half the body error (mean absolute coordinate difference, scaled) and half the joint error
  const size_t ntracked = bodies_.tracked.size();
  const double* ref_body = f.body_pos.data() + 3 * static_cast<size_t>(frame) * ntracked;
  double body_abs = 0;
  for (size_t i = 0; i < ntracked; ++i) {
    for (int k = 0; k < 3; ++k) body_abs += std::abs(d->xpos[3 * bodies_.tracked[i] + k] - ref_body[3 * i + k]);
  }
  const double body_error = ntracked > 0 ? body_abs / (3.0 * ntracked) : 0.0;
  r.termination_error = 0.5 * c.body_error_multiplier() * body_error + 0.5 * r.mean_joint_error;
  r.tracking = c.termination_reward_weight() * (1.0 - r.termination_error / c.termination_error_threshold());
  // pose terms: joint velocities
  const double* ref_qvel = clip.qvel_at(frame);
  double qvel_sq = 0;
  for (int i = joint_qvel_start_; i < m->nv; ++i) {
    const double e = d->qvel[i] - ref_qvel[i];
    qvel_sq += e * e;
  }
  // appendages relative to the root, in its frame, against the reference's
  const double* rot = d->xmat + 9 * bodies_.root;
  const double* origin = d->xpos + 3 * bodies_.root;
  const double* ref_app = f.appendages_at(frame);
  double app_sq = 0;
  for (size_t i = 0; i < bodies_.appendages.size(); ++i) {
    const double* p = d->xpos + 3 * bodies_.appendages[i];
    const double world[3] = {p[0] - origin[0], p[1] - origin[1], p[2] - origin[2]};
    double local[3];
    mju_rotVecMatT(local, world, rot);
    app_sq += SquaredDistance3(local, ref_app + 3 * i);
  }
  // tracked bodies' orientations
  double quat_sq = 0;
  const double* ref_quat = f.body_quat_at(frame);
  for (size_t i = 0; i < ntracked; ++i) {
    const double dist = BoundedQuatDistance(d->xquat + 4 * bodies_.tracked[i], ref_quat + 4 * i);
    quat_sq += dist * dist;
  }
  const double com_sq = r.com_distance * r.com_distance;
  const double w = c.pose_reward_weight();
  r.com = w * c.com_weight() * std::exp(-c.com_scale() * com_sq);
  r.joint_velocities = w * c.joint_velocity_weight() * std::exp(-c.joint_velocity_scale() * qvel_sq);
  r.appendages = w * c.appendages_weight() * std::exp(-c.appendages_scale() * app_sq);
  r.body_quats = w * c.body_quat_weight() * std::exp(-c.body_quat_scale() * quat_sq);
  double force_sq = 0;
  for (int i = 0; i < m->nu; ++i) force_sq += d->actuator_force[i] * d->actuator_force[i];
  r.actuator_force = m->nu > 0 ? c.actuator_force_weight() * force_sq / m->nu : 0.0;
  r.total = r.tracking + r.com + r.joint_velocities + r.appendages + r.body_quats - r.actuator_force;
  return r;
}

EpisodeEnd ImitationTask::CheckTermination(const RewardTerms& r) const {
  if (comic_) {
    return r.termination_error > config_.comic().termination_error_threshold() ? EpisodeEnd::kTrackingError
                                                                               : EpisodeEnd::kNone;
  }
  const TerminationConfig& t = config_.termination();
  if (r.com_distance > t.max_com_distance()) return EpisodeEnd::kTooFar;
  if (r.root_angle > t.max_root_angle()) return EpisodeEnd::kBadOrientation;
  if (r.joint_distance > t.max_joint_distance()) return EpisodeEnd::kBadPose;
  if (r.root_height_deficit > t.max_fall_below_reference()) return EpisodeEnd::kFell;
  if (t.min_root_height() > 0 && r.root_height < t.min_root_height()) return EpisodeEnd::kFell;
  return EpisodeEnd::kNone;
}

}  // namespace mimic
