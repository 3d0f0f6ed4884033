#include "envs/clip_io.h"

#include <cstdlib>
#include <regex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/h5_file.h"
#include "common/status_macros.h"

namespace mimic {
namespace {

constexpr char kFormat[] = "mimic.clips";
constexpr int64_t kVersion = 2;  // 2: markers/ added; version-1 files read the same

absl::Status CheckName(const std::string& name) {
  static const std::regex kSafe("[A-Za-z0-9_.-]+");
  if (!std::regex_match(name, kSafe)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "clip name '", name, "' must use letters, digits, '_', '.' and '-' only"));
  }
  return absl::OkStatus();
}

// Reads dataset `field` of a clip and checks its rank and leading dimension.
absl::StatusOr<H5Array<double>> ReadField(const H5File& file, const std::string& group,
                                          const std::string& field, size_t rank) {
  MIMIC_ASSIGN_OR_RETURN(H5Array<double> a, file.ReadDoubles(group + "/" + field));
  if (a.shape.size() != rank) {
    return absl::InvalidArgumentError(absl::StrCat(file.path(), ": ", group, "/", field, " has rank ",
                                                   a.shape.size(), ", expected ", rank));
  }
  return a;
}

absl::StatusOr<ReferenceClip> ReadClip(const H5File& file, const std::string& name) {
  const std::string g = "/clips/" + name;
  ReferenceClip clip;
  clip.name = name;
  MIMIC_ASSIGN_OR_RETURN(H5Array<double> qpos, ReadField(file, g, "qpos", 2));
  MIMIC_ASSIGN_OR_RETURN(H5Array<double> qvel, ReadField(file, g, "qvel", 2));
  MIMIC_ASSIGN_OR_RETURN(H5Array<double> xpos, ReadField(file, g, "xpos", 3));
  MIMIC_ASSIGN_OR_RETURN(H5Array<double> xquat, ReadField(file, g, "xquat", 3));
  clip.num_frames = static_cast<int>(qpos.shape[0]);
  clip.nq = static_cast<int>(qpos.shape[1]);
  clip.nv = static_cast<int>(qvel.shape[1]);
  clip.nbody = static_cast<int>(xpos.shape[1]);
  if (qvel.shape[0] != clip.num_frames || xpos.shape[0] != clip.num_frames ||
      xquat.shape[0] != clip.num_frames || xpos.shape[2] != 3 || xquat.shape[2] != 4 ||
      xquat.shape[1] != clip.nbody) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: clip '%s' has inconsistent shapes: qpos %dx%d, qvel %dx%d, xpos %dx%dx%d, xquat "
        "%dx%dx%d",
        file.path(), name, qpos.shape[0], qpos.shape[1], qvel.shape[0], qvel.shape[1],
        xpos.shape[0], xpos.shape[1], xpos.shape[2], xquat.shape[0], xquat.shape[1],
        xquat.shape[2]));
  }
  clip.qpos = std::move(qpos.values);
  clip.qvel = std::move(qvel.values);
  clip.xpos = std::move(xpos.values);
  clip.xquat = std::move(xquat.values);
  if (file.Exists(g + "/keypoints")) {
    MIMIC_ASSIGN_OR_RETURN(H5Array<double> kp, ReadField(file, g, "keypoints", 3));
    if (kp.shape[0] != clip.num_frames || kp.shape[2] != 3) {
      return absl::InvalidArgumentError(
          absl::StrCat(file.path(), ": clip '", name, "' keypoints must be (T, K, 3)"));
    }
    clip.num_keypoints = static_cast<int>(kp.shape[1]);
    clip.keypoints = std::move(kp.values);
  }
  if (file.Exists(g + "/markers")) {
    MIMIC_ASSIGN_OR_RETURN(clip.keypoint_names, file.ReadStrings(g + "/markers/keypoint_names"));
    MIMIC_ASSIGN_OR_RETURN(clip.marker_bodies, file.ReadStrings(g + "/markers/bodies"));
    if (file.Exists(g + "/markers/groups")) {
      MIMIC_ASSIGN_OR_RETURN(clip.keypoint_groups, file.ReadStrings(g + "/markers/groups"));
    }
    MIMIC_ASSIGN_OR_RETURN(H5Array<double> offsets, ReadField(file, g, "markers/offsets", 2));
    if (offsets.shape[1] != 3) {
      return absl::InvalidArgumentError(absl::StrCat(file.path(), ": clip '", name, "' markers/offsets must be (K, 3)"));
    }
    clip.marker_offsets = std::move(offsets.values);
  }
  if (file.Exists(g + "/labels")) {
    MIMIC_ASSIGN_OR_RETURN(H5Array<int32_t> labels, file.ReadInts(g + "/labels"));
    clip.labels = std::move(labels.values);
  }
  if (file.Exists(g + "/label_names")) {
    MIMIC_ASSIGN_OR_RETURN(clip.label_names, file.ReadStrings(g + "/label_names"));
  }
  MIMIC_ASSIGN_OR_RETURN(clip.frame_rate, file.GetDoubleAttribute(g, "frame_rate"));
  if (file.HasAttribute(g, "model_name")) {
    MIMIC_ASSIGN_OR_RETURN(clip.model_name, file.GetStringAttribute(g, "model_name"));
  }
  if (file.HasAttribute(g, "model_hash")) {
    MIMIC_ASSIGN_OR_RETURN(std::string hex, file.GetStringAttribute(g, "model_hash"));
    if (!absl::SimpleHexAtoi(hex, &clip.model_hash)) {
      return absl::InvalidArgumentError(
          absl::StrCat(file.path(), ": clip '", name, "' has a malformed model_hash '", hex, "'"));
    }
  }
  if (file.HasAttribute(g, "model_scale")) {
    MIMIC_ASSIGN_OR_RETURN(clip.model_scale, file.GetDoubleAttribute(g, "model_scale"));
  }
  if (file.HasAttribute(g, "source_file")) {
    MIMIC_ASSIGN_OR_RETURN(clip.source_file, file.GetStringAttribute(g, "source_file"));
  }
  if (file.HasAttribute(g, "source_frame_start")) {
    MIMIC_ASSIGN_OR_RETURN(clip.source_frame_start, file.GetIntAttribute(g, "source_frame_start"));
    MIMIC_ASSIGN_OR_RETURN(clip.source_frame_end, file.GetIntAttribute(g, "source_frame_end"));
  }
  absl::Status valid = ValidateClip(clip);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(file.path(), ": ", valid.message()));
  }
  return clip;
}

}  // namespace

absl::Status WriteClips(const std::string& path, const std::vector<ReferenceClip>& clips,
                        const std::function<absl::Status(H5File&)>& extra) {
  for (const ReferenceClip& clip : clips) {
    MIMIC_RETURN_IF_ERROR(CheckName(clip.name));
    MIMIC_RETURN_IF_ERROR(ValidateClip(clip));
  }
  MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<H5File> file, H5File::Create(path));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "format", std::string(kFormat)));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "version", kVersion));
  MIMIC_RETURN_IF_ERROR(file->CreateGroup("/clips"));
  for (const ReferenceClip& c : clips) {
    const std::string g = "/clips/" + c.name;
    const int64_t t = c.num_frames;
    MIMIC_RETURN_IF_ERROR(file->WriteDoubles(g + "/qpos", {t, c.nq}, c.qpos.data()));
    MIMIC_RETURN_IF_ERROR(file->WriteDoubles(g + "/qvel", {t, c.nv}, c.qvel.data()));
    MIMIC_RETURN_IF_ERROR(file->WriteDoubles(g + "/xpos", {t, c.nbody, 3}, c.xpos.data()));
    MIMIC_RETURN_IF_ERROR(file->WriteDoubles(g + "/xquat", {t, c.nbody, 4}, c.xquat.data()));
    if (c.num_keypoints > 0) {
      MIMIC_RETURN_IF_ERROR(
          file->WriteDoubles(g + "/keypoints", {t, c.num_keypoints, 3}, c.keypoints.data()));
    }
    if (c.has_markers()) {
      MIMIC_RETURN_IF_ERROR(file->CreateGroup(g + "/markers"));
      MIMIC_RETURN_IF_ERROR(file->WriteStrings(g + "/markers/keypoint_names", c.keypoint_names));
      MIMIC_RETURN_IF_ERROR(file->WriteStrings(g + "/markers/bodies", c.marker_bodies));
      if (!c.keypoint_groups.empty()) MIMIC_RETURN_IF_ERROR(file->WriteStrings(g + "/markers/groups", c.keypoint_groups));
      MIMIC_RETURN_IF_ERROR(file->WriteDoubles(g + "/markers/offsets", {c.num_keypoints, 3}, c.marker_offsets.data()));
    }
    if (!c.labels.empty()) {
      MIMIC_RETURN_IF_ERROR(file->WriteInts(g + "/labels", {t}, c.labels.data()));
    }
    if (!c.label_names.empty()) {
      MIMIC_RETURN_IF_ERROR(file->WriteStrings(g + "/label_names", c.label_names));
    }
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "frame_rate", c.frame_rate));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "model_name", c.model_name));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "model_scale", c.model_scale));
    MIMIC_RETURN_IF_ERROR(
        file->SetAttribute(g, "model_hash", absl::StrFormat("%016x", c.model_hash)));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "source_file", c.source_file));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "source_frame_start", c.source_frame_start));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "source_frame_end", c.source_frame_end));
  }
  if (extra) MIMIC_RETURN_IF_ERROR(extra(*file));
  return file->Finish();
}

absl::StatusOr<std::vector<ReferenceClip>> ReadClips(const std::string& path) {
  MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<H5File> file, H5File::Open(path));
  if (!file->Exists("/clips")) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " holds no /clips group: not a MIMIC reference-clip file"));
  }
  MIMIC_ASSIGN_OR_RETURN(std::vector<std::string> names, file->List("/clips"));
  if (names.empty()) return absl::InvalidArgumentError(absl::StrCat(path, " holds no clips"));
  std::vector<ReferenceClip> clips;
  clips.reserve(names.size());
  for (const std::string& name : names) {
    MIMIC_ASSIGN_OR_RETURN(ReferenceClip clip, ReadClip(*file, name));
    clips.push_back(std::move(clip));
  }
  return clips;
}

}  // namespace mimic
