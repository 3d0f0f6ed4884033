// The feature classes a job asks for by name, gathered from where each lives and labelled with its
// source: network layers and simulated-body kinematics from a rollouts file (rollout_features),
// the real rat's kinematics and inverse dynamics from a clips file (`clips/...`, clip_features),
// row-aligned with the rollouts when both are given. Also the role each class plays in the
// computational-vs-representational comparison.
#ifndef MIMIC_ANALYSIS_FEATURE_CLASSES_H_
#define MIMIC_ANALYSIS_FEATURE_CLASSES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analysis/clip_features.h"
#include "analysis/encoding.h"

namespace mimic::analysis {

struct FeatureRequest {
  std::string rollouts;              // empty: none
  std::string clips;                 // empty: none
  // Class names; `clips/...` come from the clips file, the rest from the rollouts. Empty: every
  // class of the rollouts, and every clips class the clips can give (keypoints only when registered).
  std::vector<std::string> classes;
  ClipFeatureOptions clip_options;
};

struct FeatureSet {
  std::vector<FeatureClass> classes;  // each with its `source`
  std::vector<int> clip_of_row;       // rows' clips (rollouts' order, or the clips file's without rollouts)
  std::vector<std::string> clip_names;
};

absl::StatusOr<FeatureSet> ReadFeatureClasses(const FeatureRequest& request);

enum class ClassRole { kComputational, kRepresentational, kNotCompared };

// Network layers and other non-kinematic classes are computational; the real rat's `clips/...`
// classes are representational. The simulated body's kinematics (joint_angles, egocentric_*) are
// representational only when no real-rat class is present (the paper compares the network with
// the real animal's movement; the simulated body is a stand-in when the clips are not given).
ClassRole RoleOf(const std::string& name, bool real_kinematics_present);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_FEATURE_CLASSES_H_
