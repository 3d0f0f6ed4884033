// One simulated rodent: per-instance MuJoCo state over a shared, immutable model.
//
// Step() runs each substep as mj_step2 followed by mj_step1 (Euler only), so that after a control
// step the positions, velocities, sensors and centre of mass in mjData describe the *new* state
// at the cost of plain mj_step. Accelerometer readings lag by one substep.
#ifndef MIMIC_ENVS_PHYSICS_H_
#define MIMIC_ENVS_PHYSICS_H_

#include <mujoco/mujoco.h>

#include "envs/model_loader.h"

namespace mimic {

class Physics {
 public:
  // `model` must outlive this object.
  Physics(const mjModel* model, int substeps);

  // Sets the state (qpos (nq), qvel (nv)); activations and warm starts are cleared.
  void Reset(const double* qpos, const double* qvel);

  // Applies `ctrl` (nu) for `substeps` physics steps. Returns false if MuJoCo found the state
  // unstable (and reset it) during the step.
  bool Step(const double* ctrl);

  const mjModel* model() const { return model_; }
  mjData* data() { return data_.get(); }
  const mjData* data() const { return data_.get(); }
  int substeps() const { return substeps_; }

 private:
  const mjModel* model_;
  DataPtr data_;
  int substeps_;
};

}  // namespace mimic

#endif  // MIMIC_ENVS_PHYSICS_H_
