#include "preprocess/stac_model.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace mimic::preprocess {

absl::StatusOr<std::unique_ptr<StacModel>> StacModel::Create(const StacConfig& config) {
  if (config.keypoints().empty()) return absl::InvalidArgumentError("the STAC config maps no keypoints");
  if (config.rounds() < 0 || config.max_iterations() < 1 || config.offset_sample_frames() < 1 ||
      config.clip_length() < 2 || !(config.output_rate() > 0) || !(config.frame_rate() > 0) ||
      !(config.unit_scale() > 0)) {
    return absl::InvalidArgumentError(
        "STAC config: rounds >= 0, max_iterations >= 1, offset_sample_frames >= 1, clip_length >= 2 and "
        "positive rates and unit_scale are required");
  }
  auto s = std::unique_ptr<StacModel>(new StacModel());
  s->config_ = config;
  MIMIC_ASSIGN_OR_RETURN(s->model_, LoadModel(config.model_path(), PerturbationConfig(), config.model_scale()));
  const mjModel* m = s->model_.get();
  if (m->njnt < 1 || m->jnt_type[0] != mjJNT_FREE) {
    return absl::InvalidArgumentError("STAC needs a model whose first joint is a free root joint");
  }
  for (const KeypointSite& site : config.keypoints()) {
    const int body = mj_name2id(m, mjOBJ_BODY, site.body().c_str());
    if (body < 0) {
      return absl::InvalidArgumentError(absl::StrCat("keypoint '", site.name(), "' is mapped to body '", site.body(),
                                                     "', which the model ", config.model_path(), " lacks"));
    }
    if (site.initial_offset_size() != 0 && site.initial_offset_size() != 3) {
      return absl::InvalidArgumentError(absl::StrCat("keypoint '", site.name(), "': initial_offset needs 3 values"));
    }
    s->bodies_.push_back(body);
    for (int c = 0; c < 3; ++c) {
      s->initial_offsets_.push_back(site.initial_offset_size() == 3 ? site.initial_offset(c) * config.model_scale() : 0.0);
    }
    s->regularized_.push_back(site.regularize());
  }
  for (const std::string& name : config.trunk_keypoints()) {
    const int k = s->Index(name);
    if (k < 0) return absl::InvalidArgumentError(absl::StrCat("trunk keypoint '", name, "' is not in the mapping"));
    s->trunk_.push_back(k);
  }
  if (s->trunk_.empty()) {
    for (int k = 0; k < s->num_keypoints(); ++k) s->trunk_.push_back(k);
  }
  for (int i = 0; i < 6; ++i) s->root_dofs_.push_back(i);
  for (int i = 0; i < m->nv; ++i) s->all_dofs_.push_back(i);
  for (const BodyPart& part : config.parts()) {
    PartPass pass{part.name(), {}};
    for (int j = 1; j < m->njnt; ++j) {
      const char* jname = m->names + m->name_jntadr[j];
      for (const std::string& pattern : part.joint_patterns()) {
        if (absl::StrContains(jname, pattern)) {
          pass.dofs.push_back(m->jnt_dofadr[j]);
          break;
        }
      }
    }
    if (pass.dofs.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("body part '", part.name(), "' matches no joint of the model"));
    }
    s->parts_.push_back(std::move(pass));
  }
  return s;
}

int StacModel::Index(const std::string& keypoint) const {
  for (int k = 0; k < config_.keypoints_size(); ++k) {
    if (config_.keypoints(k).name() == keypoint) return k;
  }
  return -1;
}

}  // namespace mimic::preprocess
