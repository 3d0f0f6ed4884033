#include "envs/reference_clip.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mimic {
namespace {

absl::Status CheckSize(const ReferenceClip& clip, const char* field, size_t actual,
                       size_t expected) {
  if (actual == expected) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("clip '", clip.name, "': ", field, " has ", actual,
                                                 " values, expected ", expected));
}

absl::Status CheckFinite(const ReferenceClip& clip, const char* field,
                         const std::vector<double>& values, int per_frame) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return absl::InvalidArgumentError(absl::StrCat("clip '", clip.name, "': ", field,
                                                     " is not finite (NaN or Inf) at frame ",
                                                     i / per_frame));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateClip(const ReferenceClip& clip) {
  const size_t t = clip.num_frames;
  if (clip.num_frames < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("clip '", clip.name, "' has ", clip.num_frames, " frames; at least 2 needed"));
  }
  if (!(clip.frame_rate > 0) || !std::isfinite(clip.frame_rate)) {
    return absl::InvalidArgumentError(
        absl::StrCat("clip '", clip.name, "' has invalid frame rate ", clip.frame_rate));
  }
  if (clip.nq < 7 || clip.nv < 6) {
    return absl::InvalidArgumentError(absl::StrCat(
        "clip '", clip.name, "': nq=", clip.nq, " nv=", clip.nv, " cannot hold a free root joint"));
  }
  absl::Status s;
  if (!(s = CheckSize(clip, "qpos", clip.qpos.size(), t * clip.nq)).ok()) return s;
  if (!(s = CheckSize(clip, "qvel", clip.qvel.size(), t * clip.nv)).ok()) return s;
  if (!(s = CheckSize(clip, "xpos", clip.xpos.size(), t * clip.nbody * 3)).ok()) return s;
  if (!(s = CheckSize(clip, "xquat", clip.xquat.size(), t * clip.nbody * 4)).ok()) return s;
  if (!(s = CheckSize(clip, "keypoints", clip.keypoints.size(), t * clip.num_keypoints * 3)).ok()) {
    return s;
  }
  if (!clip.labels.empty() && !(s = CheckSize(clip, "labels", clip.labels.size(), t)).ok()) return s;
  if (clip.has_markers() || !clip.marker_offsets.empty() || !clip.keypoint_names.empty()) {
    const size_t k = clip.num_keypoints;
    if (k == 0) {
      return absl::InvalidArgumentError(absl::StrCat("clip '", clip.name, "' has markers but no keypoints"));
    }
    if (!(s = CheckSize(clip, "keypoint_names", clip.keypoint_names.size(), k)).ok()) return s;
    if (!(s = CheckSize(clip, "marker_bodies", clip.marker_bodies.size(), k)).ok()) return s;
    if (!(s = CheckSize(clip, "marker_offsets", clip.marker_offsets.size(), 3 * k)).ok()) return s;
    if (!clip.keypoint_groups.empty() &&
        !(s = CheckSize(clip, "keypoint_groups", clip.keypoint_groups.size(), k)).ok()) {
      return s;
    }
    for (size_t i = 0; i < clip.marker_offsets.size(); ++i) {
      // a marker sits on its body: a metre away is a broken file, not a rat
      if (!std::isfinite(clip.marker_offsets[i]) || std::abs(clip.marker_offsets[i]) > 1.0) {
        return absl::InvalidArgumentError(absl::StrCat("clip '", clip.name, "': marker offset of keypoint '",
                                                       clip.keypoint_names[i / 3], "' is ", clip.marker_offsets[i],
                                                       " m; expected a finite value within 1 m"));
      }
    }
  }
  if (!(s = CheckFinite(clip, "qpos", clip.qpos, clip.nq)).ok()) return s;
  if (!(s = CheckFinite(clip, "qvel", clip.qvel, clip.nv)).ok()) return s;
  if (!(s = CheckFinite(clip, "xpos", clip.xpos, clip.nbody * 3)).ok()) return s;
  if (!(s = CheckFinite(clip, "xquat", clip.xquat, clip.nbody * 4)).ok()) return s;
  // keypoints may carry NaN for unregistered points; they are not used for control
  for (int f = 0; f < clip.num_frames; ++f) {
    const double* q = clip.qpos_at(f) + 3;
    const double norm = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    if (std::abs(norm - 1.0) > 1e-3) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "clip '%s': root quaternion at frame %d has norm %.4f, expected 1", clip.name, f, norm));
    }
  }
  return absl::OkStatus();
}

std::string KeypointsUnavailableReason(const ReferenceClip& clip) {
  if (clip.num_keypoints == 0) {
    return absl::StrCat("clip '", clip.name, "' has no registered keypoints (not made from keypoints with STAC)");
  }
  if (!clip.has_markers()) {
    return absl::StrCat("clip '", clip.name,
                        "' carries no STAC marker offsets (clips file written before format version 2): "
                        "register the keypoints again with `mimic stac` to get keypoint errors");
  }
  return "";
}

absl::Status CheckClipMatchesModel(const ReferenceClip& clip, const ModelSignature& model,
                                   double control_rate) {
  if (clip.nq != model.nq || clip.nv != model.nv || clip.nbody != model.nbody) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "clip '%s' does not match the model '%s': clip has nq=%d nv=%d nbody=%d, model has "
        "nq=%d nv=%d nbody=%d",
        clip.name, model.name, clip.nq, clip.nv, clip.nbody, model.nq, model.nv, model.nbody));
  }
  if (clip.model_hash != 0 && clip.model_hash != model.hash) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "clip '%s' was made for a model with a different joint layout (clip hash %016x, model "
        "'%s' hash %016x)",
        clip.name, clip.model_hash, model.name, model.hash));
  }
  if (std::abs(clip.model_scale - model.scale) > 1e-6) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "clip '%s' was made for the model at scale %.3f but the environment uses scale %.3f (set "
        "model_scale in the environment config)",
        clip.name, clip.model_scale, model.scale));
  }
  if (std::abs(clip.frame_rate - control_rate) > 1e-3 * control_rate) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "clip '%s' runs at %.3f frames/s but the environment steps at %.3f Hz; resample the clip "
        "(mimic stac resamples) or change physics.timestep/substeps",
        clip.name, clip.frame_rate, control_rate));
  }
  return absl::OkStatus();
}

}  // namespace mimic
