// Reference clips: registered trajectories of a real (or recorded) rat that the environment tracks.
// The on-disk layout is architecture contract 2; see clip_io.h.
#ifndef MIMIC_ENVS_REFERENCE_CLIP_H_
#define MIMIC_ENVS_REFERENCE_CLIP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "envs/model_loader.h"

namespace mimic {

struct ReferenceClip {
  std::string name;
  double frame_rate = 0;  // frames per second
  int num_frames = 0;     // T
  int nq = 0;
  int nv = 0;
  int nbody = 0;
  std::vector<double> qpos;   // (T x nq)
  std::vector<double> qvel;   // (T x nv)
  std::vector<double> xpos;   // (T x nbody x 3), world frame
  std::vector<double> xquat;  // (T x nbody x 4), world frame, w first
  int num_keypoints = 0;      // K; 0 when the clip has no registered keypoints
  std::vector<double> keypoints;  // (T x K x 3), metres
  // STAC markers (format version 2): keypoint k is the point marker_offsets[k] (body frame,
  // metres, at the clip's model scale) on body marker_bodies[k] — the model's keypoint, to be
  // compared with keypoints[t][k]. Empty for clips written without them (older files, clips not
  // registered with STAC); then keypoint errors cannot be computed.
  std::vector<std::string> keypoint_names;   // (K)
  std::vector<std::string> marker_bodies;    // (K) body names in the model
  std::vector<std::string> keypoint_groups;  // (K) body part ("head", "arm_L", ...), "" when unknown
  std::vector<double> marker_offsets;        // (K x 3)
  std::vector<int32_t> labels;    // (T) behaviour label per frame, or empty
  std::vector<std::string> label_names;  // names of the label values, or empty

  // provenance
  std::string model_name;
  uint64_t model_hash = 0;
  double model_scale = 1.0;  // the model scale the clip was made with
  std::string source_file;
  int64_t source_frame_start = 0;  // first source frame (inclusive)
  int64_t source_frame_end = 0;    // last source frame (exclusive)

  const double* qpos_at(int t) const { return qpos.data() + static_cast<size_t>(t) * nq; }
  const double* qvel_at(int t) const { return qvel.data() + static_cast<size_t>(t) * nv; }
  const double* xpos_at(int t) const { return xpos.data() + static_cast<size_t>(t) * nbody * 3; }
  const double* keypoints_at(int t) const { return keypoints.data() + static_cast<size_t>(t) * num_keypoints * 3; }
  bool has_markers() const { return !marker_bodies.empty(); }
};

// Checks array sizes against the declared dimensions, finiteness, and unit root quaternions.
absl::Status ValidateClip(const ReferenceClip& clip);

// Why the model's keypoints cannot be compared with the clip's, or "" when they can.
std::string KeypointsUnavailableReason(const ReferenceClip& clip);

// Checks that `clip` can be played on a model with `signature` at `control_rate` Hz
// (dimensions, kinematic layout hash when the clip records one, and frame rate within 0.1%).
absl::Status CheckClipMatchesModel(const ReferenceClip& clip, const ModelSignature& signature,
                                   double control_rate);

}  // namespace mimic

#endif  // MIMIC_ENVS_REFERENCE_CLIP_H_
