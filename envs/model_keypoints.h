// The model's keypoints: where the STAC markers a clip carries sit on the simulated body (like
// MuJoCo sites: body position + body rotation x offset), and their distances to the real rat's
// keypoints — the paper's measure of imitation (Fig. 2), in millimetres once reported.
#ifndef MIMIC_ENVS_MODEL_KEYPOINTS_H_
#define MIMIC_ENVS_MODEL_KEYPOINTS_H_

#include <mujoco/mujoco.h>

#include "envs/reference_library.h"

namespace mimic {

// out (K x 3, world frame, metres): keypoint k at xpos[b_k] + xmat[b_k] * offset_k for the state
// in `d` (kinematics computed). Requires clip.clip.has_markers().
void ModelKeypoints(const mjData* d, const ClipFeatures& clip, double* out);

// out (K x 3, world frame, metres): model keypoint k minus the clip's keypoint k at `frame`; NaN
// where the clip's keypoint is missing (NaN in the recording).
void KeypointOffsets(const mjData* d, const ClipFeatures& clip, int frame, double* out);

// out (K): distance in metres between the model's keypoint k and the clip's keypoint k at
// `frame` (the norm of its offset); NaN where the clip's keypoint is missing.
void KeypointErrors(const mjData* d, const ClipFeatures& clip, int frame, double* out);

}  // namespace mimic

#endif  // MIMIC_ENVS_MODEL_KEYPOINTS_H_
