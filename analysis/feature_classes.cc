#include "analysis/feature_classes.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analysis/rollout_features.h"
#include "common/status_macros.h"
#include "envs/clip_io.h"

namespace mimic::analysis {
namespace {

bool IsSimulatedKinematics(const std::string& name) {
  return name == "joint_angles" || name == "joint_velocities" || absl::StartsWith(name, "egocentric_");
}

std::string ClipSource(const std::string& name, const std::string& clips, const ClipFeatureOptions& o) {
  std::string source = absl::StrCat("real rat: STAC registration in ", clips);
  if (name == "clips/joint_torques") {
    absl::StrAppendFormat(&source, "; inverse dynamics (mj_inverse) on the clip's model, contacts %s, "
                                   "accelerations from velocities smoothed over %g frames",
                          o.inverse_dynamics_contacts ? "on" : "off", o.smoothing_sigma_frames);
  } else if (name == "clips/joint_accelerations") {
    absl::StrAppendFormat(&source, "; velocities smoothed over %g frames, then differentiated", o.smoothing_sigma_frames);
  }
  return source;
}

}  // namespace

ClassRole RoleOf(const std::string& name, bool real_kinematics_present) {
  if (IsClipFeatureClass(name)) return ClassRole::kRepresentational;
  if (IsSimulatedKinematics(name)) {
    return real_kinematics_present ? ClassRole::kNotCompared : ClassRole::kRepresentational;
  }
  return ClassRole::kComputational;
}

absl::StatusOr<FeatureSet> ReadFeatureClasses(const FeatureRequest& request) {
  std::vector<std::string> rollout_names, clip_names;
  for (const std::string& name : request.classes) {
    (absl::StartsWith(name, kClipClassPrefix) ? clip_names : rollout_names).push_back(name);
  }
  if (!clip_names.empty() && request.clips.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("feature class '", clip_names.front(),
                                                   "' comes from a clips file: give one (--clips)"));
  }
  if (!rollout_names.empty() && request.rollouts.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("feature class '", rollout_names.front(),
                                                   "' comes from a rollouts file: give one (--rollouts)"));
  }
  const bool all = request.classes.empty();
  FeatureSet out;
  if (!request.rollouts.empty() && (all || !rollout_names.empty())) {
    MIMIC_ASSIGN_OR_RETURN(RolloutFeatures rollout, ReadRolloutFeatures(request.rollouts, rollout_names));
    for (FeatureClass& c : rollout.classes) {
      c.source = IsSimulatedKinematics(c.name) ? absl::StrCat("simulated body: rollouts ", request.rollouts)
                                               : absl::StrCat("network layer: rollouts ", request.rollouts);
      out.classes.push_back(std::move(c));
    }
    out.clip_of_row = std::move(rollout.clip_of_row);
    out.clip_names = std::move(rollout.clip_names);
  }
  if (!request.clips.empty() && (all || !clip_names.empty())) {
    MIMIC_ASSIGN_OR_RETURN(std::vector<ReferenceClip> clips, ReadClips(request.clips));
    if (all) {
      const bool keypoints = std::all_of(clips.begin(), clips.end(), [](const ReferenceClip& c) { return c.num_keypoints > 0; });
      for (const std::string& name : ClipFeatureClassNames()) {
        if (name != "clips/keypoints" || keypoints) clip_names.push_back(name);
      }
    }
    absl::StatusOr<ClipFeatures> features =
        request.rollouts.empty() ? ComputeClipFeatures(clips, clip_names, request.clip_options)
                                 : AlignClipFeaturesToRollouts(clips, request.rollouts, clip_names, request.clip_options);
    if (!features.ok()) return features.status();
    if (!out.classes.empty() && features->clip_of_row.size() != out.clip_of_row.size()) {
      return absl::InvalidArgumentError(absl::StrCat("the rollouts have ", out.clip_of_row.size(), " rows, their frames in ",
                                                     request.clips, " ", features->clip_of_row.size()));
    }
    for (FeatureClass& c : features->classes) {
      c.source = ClipSource(c.name, request.clips, request.clip_options);
      out.classes.push_back(std::move(c));
    }
    if (out.clip_names.empty()) {
      out.clip_of_row = std::move(features->clip_of_row);
      out.clip_names = std::move(features->clip_names);
    }
  }
  // keep the order the caller asked for
  if (!all) {
    std::vector<FeatureClass> ordered;
    for (const std::string& name : request.classes) {
      auto it = std::find_if(out.classes.begin(), out.classes.end(), [&](const FeatureClass& c) { return c.name == name; });
      if (it != out.classes.end()) ordered.push_back(std::move(*it));
    }
    out.classes = std::move(ordered);
  }
  return out;
}

}  // namespace mimic::analysis
