// Reference clips prepared for one model: the per-frame quantities the imitation task compares
// against (centre of mass, tracked body and end-effector positions), computed once with the
// environment's own model and shared read-only by every environment instance.
#ifndef MIMIC_ENVS_REFERENCE_LIBRARY_H_
#define MIMIC_ENVS_REFERENCE_LIBRARY_H_

#include <memory>
#include <vector>

#include <mujoco/mujoco.h>

#include "absl/status/statusor.h"
#include "envs/reference_clip.h"

namespace mimic {

// Indices of the bodies the task looks at.
struct TrackedBodies {
  int root = 0;                    // body of the free joint
  std::vector<int> tracked;        // bodies in the body-position reward and observation
  std::vector<int> end_effectors;  // end-effector bodies
  std::vector<int> appendages;     // bodies of COMIC's appendages term (root-relative positions)
};

// out (bodies x 3) = each body's position relative to the root body, in the root's frame.
void RootRelativePositions(const mjData* d, int root, const std::vector<int>& bodies, double* out);

struct ClipFeatures {
  ReferenceClip clip;
  std::vector<double> com;            // (T x 3) centre of mass of the root's subtree
  std::vector<double> body_pos;       // (T x tracked x 3)
  std::vector<double> end_effectors;  // (T x end_effectors x 3)
  std::vector<double> body_quat;      // (T x tracked x 4) world orientations of the tracked bodies
  std::vector<double> appendages;     // (T x appendages x 3) relative to the root, in its frame

  const double* com_at(int t) const { return com.data() + 3 * static_cast<size_t>(t); }
  const double* body_quat_at(int t) const { return body_quat.data() + 4 * static_cast<size_t>(t) * num_tracked; }
  const double* appendages_at(int t) const {
    return appendages.data() + 3 * static_cast<size_t>(t) * num_appendages;
  }
  int num_tracked = 0;
  int num_appendages = 0;
  // the body of each STAC marker (clip.marker_bodies resolved in this model); empty when the
  // clip carries no markers
  std::vector<int> marker_body_ids;
};

class ReferenceLibrary {
 public:
  // Checks every clip against the model and control rate, then computes its features.
  static absl::StatusOr<std::shared_ptr<const ReferenceLibrary>> Build(
      const mjModel* model, const ModelSignature& signature, const TrackedBodies& bodies, double control_rate,
      std::vector<ReferenceClip> clips);

  int num_clips() const { return static_cast<int>(clips_.size()); }
  const ClipFeatures& clip(int i) const { return clips_[i]; }
  int num_tracked() const { return num_tracked_; }
  int num_end_effectors() const { return num_end_effectors_; }

 private:
  std::vector<ClipFeatures> clips_;
  int num_tracked_ = 0;
  int num_end_effectors_ = 0;
};

}  // namespace mimic

#endif  // MIMIC_ENVS_REFERENCE_LIBRARY_H_
