// Cartpole swing-up, following dm_control's definition (a classic control task for proving the
// learner learns): the pole starts hanging down; reward per step in [0, 1] is
// upright · centred · small_control · small_velocity; 1000 steps of 0.01 s; no termination.
// Observation (5): cart position, cos and sin of the pole angle, cart and pole velocities.
// Action (1): motor force in [-1, 1] (gear 10).
#ifndef MIMIC_ENVS_CARTPOLE_H_
#define MIMIC_ENVS_CARTPOLE_H_

#include <memory>
#include <random>
#include <vector>

#include <mujoco/mujoco.h>

#include "absl/status/statusor.h"
#include "envs/model_loader.h"
#include "envs/vector_env.h"

namespace mimic {

// dm_control's tolerance(x, bounds=(0,0), margin) with its gaussian (value 0.1 at the margin)
// and quadratic (value 0 at the margin) sigmoids. Exposed for tests.
double GaussianTolerance(double x, double margin);
double QuadraticTolerance(double x, double margin);

// The per-step reward from pole angle cosine, cart position, control and pole angular velocity.
double CartpoleReward(double cos_angle, double cart_position, double control,
                      double angular_velocity);

class CartpoleSwingup : public VectorEnv {
 public:
  static absl::StatusOr<std::unique_ptr<CartpoleSwingup>> Create(int num_envs, uint64_t seed,
                                                                 int time_limit = 1000);
  ~CartpoleSwingup() override;

  int num_envs() const override { return num_envs_; }
  int obs_size() const override { return 5; }
  int num_actions() const override { return 1; }
  absl::Status Reset() override;
  absl::Status Step(absl::Span<const float> actions) override;
  const float* observations() const override { return observations_.data(); }
  const float* final_observations() const override { return final_observations_.data(); }
  const float* rewards() const override { return rewards_.data(); }
  const float* discounts() const override { return discounts_.data(); }
  const uint8_t* first() const override { return first_.data(); }

 private:
  CartpoleSwingup(ModelPtr model, int num_envs, uint64_t seed, int time_limit);
  void ResetOne(int i);
  void Observe(int i, float* out);

  ModelPtr model_;
  std::vector<mjData*> data_;
  int num_envs_, time_limit_;
  std::mt19937_64 rng_;
  std::vector<int> steps_;
  std::vector<float> observations_, final_observations_, rewards_, discounts_;
  std::vector<uint8_t> first_;
};

}  // namespace mimic

#endif  // MIMIC_ENVS_CARTPOLE_H_
