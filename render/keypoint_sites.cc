#include "render/keypoint_sites.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "proto/stac_config.pb.h"

namespace mimic::render {

absl::StatusOr<std::optional<KeypointSites>> ReadKeypointSites(const H5File& clips, const mjModel* model,
                                                                const std::string& stac_config) {
  if (!clips.Exists("/stac/offsets") || !clips.Exists("/stac/keypoint_names")) return std::nullopt;
  KeypointSites sites;
  MIMIC_ASSIGN_OR_RETURN(sites.names, clips.ReadStrings("/stac/keypoint_names"));
  MIMIC_ASSIGN_OR_RETURN(H5Array<double> offsets, clips.ReadDoubles("/stac/offsets"));
  const int k = sites.size();
  if (offsets.shape.size() != 2 || offsets.shape[0] != k || offsets.shape[1] != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat(clips.path(), ": /stac/offsets must be (", k, ", 3) for its ", k, " keypoint names"));
  }
  sites.offsets = std::move(offsets.values);
  std::vector<std::string> body_names;
  if (clips.Exists("/stac/keypoint_bodies")) {
    MIMIC_ASSIGN_OR_RETURN(body_names, clips.ReadStrings("/stac/keypoint_bodies"));
    if (clips.Exists("/stac/keypoint_groups")) {
      MIMIC_ASSIGN_OR_RETURN(sites.groups, clips.ReadStrings("/stac/keypoint_groups"));
    }
  } else {
    // an older file: the STAC config maps names to bodies
    absl::StatusOr<StacConfig> config = ReadTextProto<StacConfig>(stac_config);
    if (!config.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          clips.path(), " does not say which body each keypoint rides on, and the STAC config ", stac_config,
          " could not be read: ", config.status().message()));
    }
    std::map<std::string, const KeypointSite*> by_name;
    for (const KeypointSite& site : config->keypoints()) by_name[site.name()] = &site;
    for (const std::string& name : sites.names) {
      auto it = by_name.find(name);
      if (it == by_name.end()) {
        return absl::FailedPreconditionError(
            absl::StrCat(clips.path(), ": keypoint '", name, "' is not in the STAC config ", stac_config));
      }
      body_names.push_back(it->second->body());
      sites.groups.push_back(it->second->group());
    }
  }
  if (static_cast<int>(body_names.size()) != k) {
    return absl::InvalidArgumentError(absl::StrCat(clips.path(), ": ", body_names.size(), " keypoint bodies for ",
                                                   k, " keypoints"));
  }
  sites.groups.resize(k);
  for (const std::string& body : body_names) {
    const int id = mj_name2id(model, mjOBJ_BODY, body.c_str());
    if (id < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(clips.path(), ": keypoint body '", body, "' is not in the model"));
    }
    sites.bodies.push_back(id);
  }
  return sites;
}

void PlaceKeypoints(const mjModel* model, const mjData* data, const KeypointSites& sites, double* out) {
  (void)model;
  for (int k = 0; k < sites.size(); ++k) {
    const int b = sites.bodies[k];
    mju_rotVecMat(out + 3 * k, sites.offsets.data() + 3 * k, data->xmat + 9 * b);
    for (int c = 0; c < 3; ++c) out[3 * k + c] += data->xpos[3 * b + c];
  }
}

}  // namespace mimic::render
