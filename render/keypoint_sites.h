// The model's keypoints: STAC's marker offsets, each fixed in the frame of the body it rides on,
// so a pose of the model places them (xpos[b] + xmat[b] * offset). Read from a clips file's
// /stac group, which holds the offsets of the registration that made its clips.
#ifndef MIMIC_RENDER_KEYPOINT_SITES_H_
#define MIMIC_RENDER_KEYPOINT_SITES_H_

#include <optional>
#include <string>
#include <vector>

#include <mujoco/mujoco.h>

#include "absl/status/statusor.h"
#include "common/h5_file.h"

namespace mimic::render {

struct KeypointSites {
  std::vector<std::string> names;   // (K) as the keypoint file names them
  std::vector<std::string> groups;  // (K) body part (head, spine, arm_L, ...); "" when unknown
  std::vector<int> bodies;          // (K) body ids in the model
  std::vector<double> offsets;      // (K x 3) metres, body frame of the registered (scaled) model
  int size() const { return static_cast<int>(names.size()); }
};

// The sites of a clips file's registration, with bodies looked up in `model` (which must be the
// model at the registration's scale). The bodies and groups come from /stac/keypoint_bodies and
// /stac/keypoint_groups; files written before those existed are matched by keypoint name against
// the STAC config at `stac_config` (e.g. configs/stac_rodent.pbtxt). nullopt when the file has no
// /stac group (clips recorded from the model, not registered).
absl::StatusOr<std::optional<KeypointSites>> ReadKeypointSites(const H5File& clips, const mjModel* model,
                                                                const std::string& stac_config);

// The K model keypoints (K x 3, world frame) of the pose whose kinematics `data` holds.
void PlaceKeypoints(const mjModel* model, const mjData* data, const KeypointSites& sites, double* out);

}  // namespace mimic::render

#endif  // MIMIC_RENDER_KEYPOINT_SITES_H_
