// One clip as the renderer draws it, frame by frame: the body's pose, the reference pose (the
// ghost), the real rat's keypoints and the model's, errors in mm and why episodes ended. Built
// from a rollouts file (the simulated rat) with the clips file it was made from, from a clips
// file alone (a STAC registration), or from episodes an evaluator has just run.
//
// Rollouts files (actors/rollout_recorder) give, per clip, qpos [T,nq] (required: the states),
// frame [T] (the reference frame each step tracked), termination [T] and, when recorded,
// episode_end [T] (EpisodeEnd codes). The reader also takes, when present, keypoints [T,K,3] (the
// real rat's, as the step saw them), model_keypoints [T,K,3] and reference_qpos [T,nq]; without
// them the ghost and the real keypoints come from the clips file (at `frame`), and the model's
// keypoints are placed from the clips file's STAC offsets.
#ifndef MIMIC_RENDER_RENDER_CLIP_H_
#define MIMIC_RENDER_RENDER_CLIP_H_

#include <string>
#include <vector>

#include <mujoco/mujoco.h>

#include "absl/status/statusor.h"
#include "envs/reference_clip.h"
#include "render/keypoint_sites.h"

namespace mimic::render {

struct RenderClip {
  std::string name;
  std::string source;  // "rollout", "stac" or "evaluation"
  double frame_rate = 50;
  int num_frames = 0;  // T
  int nq = 0;
  std::vector<double> qpos;        // (T x nq) the body drawn: simulated, or registered
  std::vector<double> ghost_qpos;  // (T x nq) the reference pose, or empty
  std::vector<int> reference_frames;  // (T) the reference clip's frame shown, or empty
  int num_keypoints = 0;              // K
  std::vector<std::string> keypoint_names, keypoint_groups;  // (K), may be empty
  std::vector<double> keypoints;        // (T x K x 3) the real rat's, or empty; NaN = missing
  std::vector<double> model_keypoints;  // (T x K x 3) or empty
  std::vector<double> keypoint_error_mm;  // (T) mean distance model - real, or empty
  std::vector<double> body_error_mm;      // (T) mean body-origin distance body - reference, or empty
  std::vector<double> com;                // (T x 3) the body's centre of mass (camera target)
  std::vector<std::string> ends;          // (T) why an episode ended at this step; "" = it did not
  std::vector<std::string> found;         // what the inputs held, one note each (for the user)

  const double* qpos_at(int t) const { return qpos.data() + static_cast<size_t>(t) * nq; }
};

// What a clip is made of before the derived fields are computed.
struct ClipParts {
  std::string name, source;
  double frame_rate = 50;
  std::vector<double> qpos;                  // (T x nq), required
  const ReferenceClip* reference = nullptr;  // ghost and real keypoints come from it when given
  std::vector<int> reference_frames;         // (T) frames of `reference`; empty = t
  bool body_is_reference = false;            // STAC: the body is the registration; no ghost
  int num_keypoints = 0;
  std::vector<double> keypoints, model_keypoints;  // (T x K x 3) from the source, or empty
  std::vector<double> reference_qpos;              // (T x nq) from the source, or empty
  std::vector<std::string> ends;                   // (T) or empty
  std::vector<std::string> found;
};

// Fills the ghost, keypoints, model keypoints (placed with `sites` when the parts lack them),
// errors and the centre-of-mass path. `model` must be the model at the clip's scale.
absl::StatusOr<RenderClip> BuildRenderClip(const mjModel* model, const KeypointSites* sites, ClipParts parts);

// Picks a clip by index in file order ("0") or by name; the error lists what there is.
absl::StatusOr<std::string> SelectClip(const std::vector<std::string>& names, const std::string& selector,
                                       const std::string& file);

// The scale of the model a clips file's clips play on (its clips' model_scale; 1 when absent).
absl::StatusOr<double> ClipsModelScale(const std::string& clips_path);

// The scale of the model a rollouts file was recorded with, from the body positions it recorded
// (xpos) against `unscaled` (the model at scale 1); 1 when it recorded none.
absl::StatusOr<double> RolloutModelScale(const std::string& rollouts_path, const mjModel* unscaled);

// A STAC registration: the clip's registered pose with the measured keypoints and the model's.
absl::StatusOr<RenderClip> LoadStacClip(const std::string& clips_path, const std::string& selector,
                                        const mjModel* model, const std::string& stac_config);

// A rollout: the simulated rat; with `clips_path` ("" = none), the reference it tracked.
absl::StatusOr<RenderClip> LoadRolloutClip(const std::string& rollouts_path, const std::string& clips_path,
                                           const std::string& selector, const mjModel* model,
                                           const std::string& stac_config);

}  // namespace mimic::render

#endif  // MIMIC_RENDER_RENDER_CLIP_H_
