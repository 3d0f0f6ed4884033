// Turns registered poses into reference clips (architecture contract 2): resampled to the
// environment's control rate (linear for positions and joints, slerp for the root orientation),
// velocities by central differences over the output frame period (the root's angular velocity
// from quaternion differences, in the body frame as MuJoCo's free joint expects), body poses by
// forward kinematics, and split into clips of a fixed length.
#ifndef MIMIC_PREPROCESS_CLIP_BUILDER_H_
#define MIMIC_PREPROCESS_CLIP_BUILDER_H_

#include <vector>

#include "envs/reference_clip.h"
#include "preprocess/keypoint_data.h"
#include "preprocess/stac_model.h"
#include "preprocess/stac_pipeline.h"

namespace mimic::preprocess {

// Clips shorter than this at the end of a recording are dropped.
constexpr int kMinClipFrames = 10;

std::vector<ReferenceClip> BuildClips(const StacModel& stac, const KeypointData& keypoints, const StacResult& result);

}  // namespace mimic::preprocess

#endif  // MIMIC_PREPROCESS_CLIP_BUILDER_H_
