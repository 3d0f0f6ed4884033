// The declarative description of the imitation environment, kept apart from stepping: the
// observation layout with named slices, action bounds and time steps.
//
// Slice names: proprioception is "joint_angles", "joint_velocities", "actuator_activations",
// "root_height", "gravity_in_body", "end_effectors", "sensors"; the reference window adds, for
// k = 0 .. window-1 (reference frame t+1+k), "ref/<k>/root_pos", "ref/<k>/root_quat",
// "ref/<k>/joints", "ref/<k>/body_pos", "ref/<k>/end_effectors".
#ifndef MIMIC_ENVS_ENV_SPEC_H_
#define MIMIC_ENVS_ENV_SPEC_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace mimic {

struct ObservationSlice {
  std::string name;
  int offset = 0;  // first element in the flat observation
  int size = 0;
};

class ObservationSpec {
 public:
  // Appends a slice of `size` elements; names must be unique.
  void Add(const std::string& name, int size);

  int size() const { return size_; }
  const std::vector<ObservationSlice>& slices() const { return slices_; }
  absl::StatusOr<ObservationSlice> Find(const std::string& name) const;
  // Total size of the proprioceptive slices (everything before the reference window).
  int proprioception_size() const { return proprioception_size_; }
  void MarkProprioceptionEnd() { proprioception_size_ = size_; }

 private:
  std::vector<ObservationSlice> slices_;
  absl::flat_hash_map<std::string, int> index_;
  int size_ = 0;
  int proprioception_size_ = 0;
};

struct EnvSpec {
  ObservationSpec observation;
  int num_actions = 0;
  std::vector<double> action_low;   // (num_actions)
  std::vector<double> action_high;  // (num_actions)
  double physics_timestep = 0;      // seconds
  int substeps = 0;
  double control_timestep = 0;      // physics_timestep * substeps
  int reference_window = 0;
  std::vector<std::string> tracked_bodies;
  std::vector<std::string> end_effectors;

  // Human-readable layout, one slice a line.
  std::string Describe() const;
};

}  // namespace mimic

#endif  // MIMIC_ENVS_ENV_SPEC_H_
