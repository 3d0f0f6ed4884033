// The figure of how well a rollout tracks its reference, per body part over time (as the paper's
// Fig. 2): the error between the model's keypoints and the real rat's, averaged within each body
// part (the STAC config's groups: head, spine, arms, legs) and over all keypoints, against time;
// and each part's median. Without keypoints it falls back to the distance between the body's and
// the reference's body origins, grouped by body name (head, trunk, tail, limbs).
#ifndef MIMIC_RENDER_TRACKING_FIGURE_H_
#define MIMIC_RENDER_TRACKING_FIGURE_H_

#include <string>
#include <vector>

#include <mujoco/mujoco.h>

#include "absl/status/statusor.h"
#include "render/render_clip.h"

namespace mimic::render {

struct PartErrors {
  std::string measure;               // "keypoint" or "body origin"
  std::vector<std::string> parts;    // body parts, then "all"
  std::vector<std::vector<double>> error_mm;  // [part][t]; NaN where nothing was measured
};

// Errors per body part and frame; FAILED_PRECONDITION when the clip has neither keypoint pairs
// nor a reference pose.
absl::StatusOr<PartErrors> ErrorsByBodyPart(const mjModel* model, const RenderClip& clip);

// The body part of a model body by name, for the body-origin fallback ("" = not counted).
std::string BodyPartOf(const std::string& body_name);

// Two charts stacked: error against time per part, and each part's median.
std::string TrackingFigureSvg(const RenderClip& clip, const PartErrors& errors);

}  // namespace mimic::render

#endif  // MIMIC_RENDER_TRACKING_FIGURE_H_
