#include "envs/physics.h"

#include <algorithm>

namespace mimic {

Physics::Physics(const mjModel* model, int substeps)
    : model_(model), data_(mj_makeData(model)), substeps_(substeps) {
  mj_forward(model_, data_.get());
}

void Physics::Reset(const double* qpos, const double* qvel) {
  mjData* d = data_.get();
  mj_resetData(model_, d);
  std::copy(qpos, qpos + model_->nq, d->qpos);
  std::copy(qvel, qvel + model_->nv, d->qvel);
  mj_forward(model_, d);
}

bool Physics::Step(const double* ctrl) {
  mjData* d = data_.get();
  std::copy(ctrl, ctrl + model_->nu, d->ctrl);
  const int bad_before = d->warning[mjWARN_BADQACC].number + d->warning[mjWARN_BADQPOS].number +
                         d->warning[mjWARN_BADQVEL].number;
  for (int i = 0; i < substeps_; ++i) {
    // step2 integrates from the state that the previous step1 (or mj_forward) evaluated;
    // step1 then evaluates positions and velocities of the new state
    mj_step2(model_, d);
    mj_step1(model_, d);
  }
  const int bad_after = d->warning[mjWARN_BADQACC].number + d->warning[mjWARN_BADQPOS].number +
                        d->warning[mjWARN_BADQVEL].number;
  return bad_after == bad_before;
}

}  // namespace mimic
