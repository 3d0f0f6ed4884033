// Grounding a registration: the recording's coordinate frame need not put its floor where the
// model's floor is, and a reference that floats above (or sinks into) the simulated floor cannot
// be tracked — the simulated rat stands on its floor, so every keypoint is off by the gap.
// Grounding shifts the whole recording (the registered poses and the real keypoints alike, so the
// registration itself is unchanged) by one vertical offset, chosen so that the body's lowest
// collision point rests on the model's floor in most frames.
#ifndef MIMIC_PREPROCESS_GROUND_ALIGNMENT_H_
#define MIMIC_PREPROCESS_GROUND_ALIGNMENT_H_

#include <vector>

#include <mujoco/mujoco.h>

#include "absl/status/statusor.h"
#include "preprocess/keypoint_data.h"
#include "preprocess/stac_pipeline.h"

namespace mimic::preprocess {

// Per frame of `qpos` (T x nq), the height of the body's lowest collision geom above the floor
// (metres; negative when it is below): the signed distance of the closest pair of a floor plane
// (a plane geom of the world) and any geom that can touch it. InvalidArgument when the model has
// no floor plane or no geom that collides with one.
absl::StatusOr<std::vector<double>> FloorGaps(const mjModel* model, const std::vector<double>& qpos, int frames);

struct Grounding {
  bool applied = false;
  double shift_m = 0;       // added to every height (root z and keypoint z)
  double min_gap_m = 0;     // before the shift
  double median_gap_m = 0;  // before the shift
};

// Shifts result->qpos's root height and every keypoint's height by minus the `percentile`-th
// percentile (0-100) of FloorGaps, so that the body touches the floor in that share of frames and
// is above it in the rest. A negative percentile leaves the recording as it is (applied = false).
// The root must be a free joint (qpos[2] its height).
absl::StatusOr<Grounding> GroundRecording(const mjModel* model, double percentile, KeypointData* keypoints,
                                          StacResult* result);

}  // namespace mimic::preprocess

#endif  // MIMIC_PREPROCESS_GROUND_ALIGNMENT_H_
