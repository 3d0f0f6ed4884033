#include "envs/reference_library.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace mimic {

void RootRelativePositions(const mjData* d, int root, const std::vector<int>& bodies, double* out) {
  const double* rot = d->xmat + 9 * root;
  const double* origin = d->xpos + 3 * root;
  for (size_t i = 0; i < bodies.size(); ++i) {
    const double* p = d->xpos + 3 * bodies[i];
    const double world[3] = {p[0] - origin[0], p[1] - origin[1], p[2] - origin[2]};
    mju_rotVecMatT(out + 3 * i, world, rot);
  }
}

absl::StatusOr<std::shared_ptr<const ReferenceLibrary>> ReferenceLibrary::Build(
    const mjModel* model, const ModelSignature& signature, const TrackedBodies& bodies, double control_rate,
    std::vector<ReferenceClip> clips) {
  if (clips.empty()) return absl::InvalidArgumentError("no reference clips given");
  auto library = std::make_shared<ReferenceLibrary>();
  library->num_tracked_ = static_cast<int>(bodies.tracked.size());
  library->num_end_effectors_ = static_cast<int>(bodies.end_effectors.size());
  DataPtr scratch(mj_makeData(model));
  mjData* d = scratch.get();
  for (ReferenceClip& clip : clips) {
    MIMIC_RETURN_IF_ERROR(ValidateClip(clip));
    MIMIC_RETURN_IF_ERROR(CheckClipMatchesModel(clip, signature, control_rate));
    ClipFeatures f;
    for (const std::string& body : clip.marker_bodies) {
      const int id = mj_name2id(model, mjOBJ_BODY, body.c_str());
      if (id < 0) {
        return absl::InvalidArgumentError(absl::StrCat("clip '", clip.name, "' places a keypoint marker on body '",
                                                       body, "', which the model does not have"));
      }
      f.marker_body_ids.push_back(id);
    }
    const int t_count = clip.num_frames;
    f.com.resize(3 * t_count);
    f.body_pos.resize(3 * t_count * bodies.tracked.size());
    f.end_effectors.resize(3 * t_count * bodies.end_effectors.size());
    f.num_tracked = static_cast<int>(bodies.tracked.size());
    f.num_appendages = static_cast<int>(bodies.appendages.size());
    f.body_quat.resize(4 * t_count * bodies.tracked.size());
    f.appendages.resize(3 * t_count * bodies.appendages.size());
    for (int t = 0; t < t_count; ++t) {
      // forward kinematics of the reference pose with this model
      std::copy(clip.qpos_at(t), clip.qpos_at(t) + model->nq, d->qpos);
      mj_kinematics(model, d);
      mj_comPos(model, d);
      std::copy(d->subtree_com + 3 * bodies.root, d->subtree_com + 3 * bodies.root + 3,
                f.com.begin() + 3 * t);
      for (size_t i = 0; i < bodies.tracked.size(); ++i) {
        const double* p = d->xpos + 3 * bodies.tracked[i];
        std::copy(p, p + 3, f.body_pos.begin() + 3 * (t * bodies.tracked.size() + i));
        const double* q = d->xquat + 4 * bodies.tracked[i];
        std::copy(q, q + 4, f.body_quat.begin() + 4 * (t * bodies.tracked.size() + i));
      }
      RootRelativePositions(d, bodies.root, bodies.appendages,
                            f.appendages.data() + 3 * static_cast<size_t>(t) * bodies.appendages.size());
      for (size_t i = 0; i < bodies.end_effectors.size(); ++i) {
        const double* p = d->xpos + 3 * bodies.end_effectors[i];
        std::copy(p, p + 3, f.end_effectors.begin() + 3 * (t * bodies.end_effectors.size() + i));
      }
    }
    f.clip = std::move(clip);
    library->clips_.push_back(std::move(f));
  }
  return std::shared_ptr<const ReferenceLibrary>(std::move(library));
}

}  // namespace mimic
