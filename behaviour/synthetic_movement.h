// Synthetic movement with planted behaviours, for testing behaviour maps: clips of a body with a
// free root and J hinge joints, cut into bouts (1.5-4 s) of four behaviours whose kinematics the
// coarse rules can tell apart:
//   still — the rest posture with small noise
//   walk  — the root moves forward at 0.15 m/s; hind limbs (joints 0-3) swing at 4 Hz, forelimbs
//           (4-7) at 4 Hz with half the amplitude
//   rear  — the root 6 cm higher, the spine (12-15) bent and forelimbs raised, a slow 0.5 Hz sway
//   groom — forelimbs and head (4-11) move fast (7 Hz) about a hunched posture
// Bouts cross-fade over 0.2 s. Labels use behaviour::CoarseBehaviourNames' indices.
#ifndef MIMIC_BEHAVIOUR_SYNTHETIC_MOVEMENT_H_
#define MIMIC_BEHAVIOUR_SYNTHETIC_MOVEMENT_H_

#include <cstdint>
#include <vector>

#include "envs/reference_clip.h"

namespace mimic::behaviour {

struct SyntheticMovementOptions {
  int clips = 4;
  int frames_per_clip = 1500;
  double frame_rate = 50;
  int joints = 20;  // at least 16
  double min_bout_s = 1.5, max_bout_s = 4.0;
  double noise = 0.01;  // rad, AR(1) joint noise
  uint64_t seed = 1;
};

struct SyntheticMovement {
  std::vector<ReferenceClip> clips;  // valid clips (qpos, qvel, root-only xpos/xquat), nq = 7 + joints
  std::vector<int> planted;          // per frame over all clips in order: the bout's behaviour
};

SyntheticMovement MakeSyntheticMovement(const SyntheticMovementOptions& options);

}  // namespace mimic::behaviour

#endif  // MIMIC_BEHAVIOUR_SYNTHETIC_MOVEMENT_H_
