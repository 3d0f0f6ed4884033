// The registration problem for one model and keypoint mapping, shared read-only by every
// fitting thread: the scaled model, which body each keypoint rides on, initial offsets, and the
// degrees of freedom of the root, trunk and part passes.
#ifndef MIMIC_PREPROCESS_STAC_MODEL_H_
#define MIMIC_PREPROCESS_STAC_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "envs/model_loader.h"
#include "proto/stac_config.pb.h"

namespace mimic::preprocess {

struct PartPass {
  std::string name;
  std::vector<int> dofs;  // indices into qvel
};

class StacModel {
 public:
  // Validates the config against the model (every mapped body must exist).
  static absl::StatusOr<std::unique_ptr<StacModel>> Create(const StacConfig& config);

  const mjModel* model() const { return model_.get(); }
  const StacConfig& config() const { return config_; }
  int num_keypoints() const { return static_cast<int>(bodies_.size()); }
  int body(int k) const { return bodies_[k]; }
  const std::vector<double>& initial_offsets() const { return initial_offsets_; }  // (K x 3), scaled
  bool regularized(int k) const { return regularized_[k]; }
  const std::vector<int>& trunk_keypoints() const { return trunk_; }
  const std::vector<int>& root_dofs() const { return root_dofs_; }
  const std::vector<int>& all_dofs() const { return all_dofs_; }
  const std::vector<PartPass>& parts() const { return parts_; }
  const std::string& name(int k) const { return config_.keypoints(k).name(); }
  int Index(const std::string& keypoint) const;  // -1 if unknown

 private:
  StacConfig config_;
  ModelPtr model_;
  std::vector<int> bodies_;
  std::vector<double> initial_offsets_;
  std::vector<bool> regularized_;
  std::vector<int> trunk_;
  std::vector<int> root_dofs_, all_dofs_;
  std::vector<PartPass> parts_;
};

}  // namespace mimic::preprocess

#endif  // MIMIC_PREPROCESS_STAC_MODEL_H_
