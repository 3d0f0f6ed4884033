#include "envs/env_spec.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mimic {

void ObservationSpec::Add(const std::string& name, int size) {
  index_[name] = static_cast<int>(slices_.size());
  slices_.push_back({name, size_, size});
  size_ += size;
}

absl::StatusOr<ObservationSlice> ObservationSpec::Find(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) {
    return absl::NotFoundError(absl::StrCat("no observation slice named '", name, "'"));
  }
  return slices_[it->second];
}

std::string EnvSpec::Describe() const {
  std::string out = absl::StrFormat(
      "observation: %d floats (%d proprioceptive), actions: %d in [%.0f, %.0f], control %.4f s = "
      "%d x %.4f s physics, reference window %d\n",
      observation.size(), observation.proprioception_size(), num_actions,
      action_low.empty() ? 0.0 : action_low[0], action_high.empty() ? 0.0 : action_high[0],
      control_timestep, substeps, physics_timestep, reference_window);
  for (const ObservationSlice& s : observation.slices()) {
    absl::StrAppendFormat(&out, "  %-28s offset %5d size %4d\n", s.name, s.offset, s.size);
  }
  return out;
}

}  // namespace mimic
