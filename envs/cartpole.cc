#include "envs/cartpole.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace mimic {
namespace {

// The physical parameters are dm_control's cartpole.xml (RK4 at 0.01 s, contacts off).
constexpr char kCartpoleXml[] = R"(
<mujoco model="cartpole">
  <option timestep="0.01" integrator="RK4">
    <flag contact="disable" energy="enable"/>
  </option>
  <worldbody>
    <body name="cart" pos="0 0 1">
      <joint name="slider" type="slide" limited="true" axis="1 0 0" range="-1.8 1.8"
             solreflimit=".08 1" damping="5e-4"/>
      <geom name="cart" type="box" size="0.2 0.15 0.1" mass="1"/>
      <body name="pole">
        <joint name="hinge" type="hinge" axis="0 1 0" damping="2e-6"/>
        <geom name="pole" type="capsule" fromto="0 0 0 0 0 1" size="0.045" mass="0.1"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="slide" joint="slider" gear="10" ctrllimited="true" ctrlrange="-1 1"/>
  </actuator>
</mujoco>
)";

}  // namespace

double GaussianTolerance(double x, double margin) {
  const double scale = std::sqrt(-2.0 * std::log(0.1));
  const double d = std::abs(x) / margin;
  return std::exp(-0.5 * (d * scale) * (d * scale));
}

double QuadraticTolerance(double x, double margin) {
  const double d = std::abs(x) / margin;
  return d < 1.0 ? 1.0 - d * d : 0.0;
}

double CartpoleReward(double cos_angle, double cart_position, double control,
                      double angular_velocity) {
  const double upright = (cos_angle + 1.0) / 2.0;
  const double centered = (1.0 + GaussianTolerance(cart_position, 2.0)) / 2.0;
  const double small_control = (4.0 + QuadraticTolerance(control, 1.0)) / 5.0;
  const double small_velocity = (1.0 + GaussianTolerance(angular_velocity, 5.0)) / 2.0;
  return upright * centered * small_control * small_velocity;
}

absl::StatusOr<std::unique_ptr<CartpoleSwingup>> CartpoleSwingup::Create(int num_envs,
                                                                         uint64_t seed,
                                                                         int time_limit) {
  if (num_envs < 1 || time_limit < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cartpole needs num_envs >= 1 and time_limit >= 1, got ", num_envs, ", ", time_limit));
  }
  absl::StatusOr<ModelPtr> model = LoadModelFromString(kCartpoleXml, "cartpole.xml");
  if (!model.ok()) return model.status();
  return std::unique_ptr<CartpoleSwingup>(
      new CartpoleSwingup(std::move(*model), num_envs, seed, time_limit));
}

CartpoleSwingup::CartpoleSwingup(ModelPtr model, int num_envs, uint64_t seed, int time_limit)
    : model_(std::move(model)),
      num_envs_(num_envs),
      time_limit_(time_limit),
      rng_(seed),
      steps_(num_envs, 0),
      observations_(num_envs * 5),
      final_observations_(num_envs * 5, 0.f),
      rewards_(num_envs, 0.f),
      discounts_(num_envs, 1.f),
      first_(num_envs, 1) {
  for (int i = 0; i < num_envs; ++i) data_.push_back(mj_makeData(model_.get()));
}

CartpoleSwingup::~CartpoleSwingup() {
  for (mjData* d : data_) mj_deleteData(d);
}

void CartpoleSwingup::ResetOne(int i) {
  std::normal_distribution<double> noise(0.0, 0.01);
  mjData* d = data_[i];
  mj_resetData(model_.get(), d);
  d->qpos[0] = noise(rng_);
  d->qpos[1] = M_PI + noise(rng_);
  d->qvel[0] = noise(rng_);
  d->qvel[1] = noise(rng_);
  mj_forward(model_.get(), d);
  steps_[i] = 0;
  first_[i] = 1;
  Observe(i, &observations_[i * 5]);
}

void CartpoleSwingup::Observe(int i, float* obs) {
  const mjData* d = data_[i];
  obs[0] = static_cast<float>(d->qpos[0]);
  obs[1] = static_cast<float>(std::cos(d->qpos[1]));
  obs[2] = static_cast<float>(std::sin(d->qpos[1]));
  obs[3] = static_cast<float>(d->qvel[0]);
  obs[4] = static_cast<float>(d->qvel[1]);
}

absl::Status CartpoleSwingup::Reset() {
  for (int i = 0; i < num_envs_; ++i) ResetOne(i);
  return absl::OkStatus();
}

absl::Status CartpoleSwingup::Step(absl::Span<const float> actions) {
  if (actions.size() != static_cast<size_t>(num_envs_)) {
    return absl::InvalidArgumentError(absl::StrCat("cartpole expects ", num_envs_,
                                                   " actions, got ", actions.size()));
  }
  for (int i = 0; i < num_envs_; ++i) {
    if (!std::isfinite(actions[i])) {
      return absl::InvalidArgumentError(absl::StrCat("cartpole action ", i, " is not finite"));
    }
  }
  for (int i = 0; i < num_envs_; ++i) {
    mjData* d = data_[i];
    const double control = std::clamp<double>(actions[i], -1.0, 1.0);
    d->ctrl[0] = control;
    mj_step(model_.get(), d);
    rewards_[i] = static_cast<float>(
        CartpoleReward(std::cos(d->qpos[1]), d->qpos[0], control, d->qvel[1]));
    discounts_[i] = 1.f;  // the time limit truncates; nothing terminates
    first_[i] = 0;
    if (++steps_[i] >= time_limit_) {
      Observe(i, &final_observations_[i * 5]);  // truncated: learners bootstrap from this state
      ResetOne(i);
    } else {
      Observe(i, &observations_[i * 5]);
    }
  }
  return absl::OkStatus();
}

}  // namespace mimic
