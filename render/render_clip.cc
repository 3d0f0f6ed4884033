#include "render/render_clip.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/h5_file.h"
#include "common/status_macros.h"
#include "envs/clip_io.h"
#include "envs/imitation_task.h"
#include "envs/model_loader.h"

namespace mimic::render {
namespace {

bool Finite3(const double* p) { return std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]); }

// Bodies that move with the walker (not the world or the static floor).
std::vector<int> MovingBodies(const mjModel* m) {
  std::vector<int> bodies;
  for (int b = 1; b < m->nbody; ++b) {
    if (m->body_weldid[b] != 0) bodies.push_back(b);
  }
  return bodies;
}

const ReferenceClip* FindClip(const std::vector<ReferenceClip>& clips, const std::string& name) {
  for (const ReferenceClip& c : clips) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::vector<std::string> Names(const std::vector<ReferenceClip>& clips) {
  std::vector<std::string> names;
  for (const ReferenceClip& c : clips) names.push_back(c.name);
  return names;
}

}  // namespace

absl::StatusOr<std::string> SelectClip(const std::vector<std::string>& names, const std::string& selector,
                                       const std::string& file) {
  if (names.empty()) return absl::NotFoundError(absl::StrCat(file, " holds no clips"));
  for (const std::string& n : names) {
    if (n == selector) return n;
  }
  int index = -1;
  if (!selector.empty() && selector.find_first_not_of("0123456789") == std::string::npos && selector.size() < 9) {
    index = std::stoi(selector);
  }
  if (index >= 0 && index < static_cast<int>(names.size())) return names[index];
  std::string listed;
  for (size_t i = 0; i < names.size() && i < 8; ++i) absl::StrAppend(&listed, i ? ", " : "", names[i]);
  if (names.size() > 8) absl::StrAppend(&listed, ", ...");
  return absl::NotFoundError(absl::StrCat(file, " has no clip '", selector, "': give an index 0..",
                                          names.size() - 1, " or a name (", listed, ")"));
}

absl::StatusOr<RenderClip> BuildRenderClip(const mjModel* model, const KeypointSites* sites, ClipParts parts) {
  const int nq = model->nq;
  if (parts.qpos.empty() || parts.qpos.size() % nq != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("clip '", parts.name, "': ", parts.qpos.size(), " pose values are not whole rows of nq = ", nq));
  }
  const int T = static_cast<int>(parts.qpos.size() / nq);
  for (double v : parts.qpos) {
    if (!std::isfinite(v)) return absl::InvalidArgumentError(absl::StrCat("clip '", parts.name, "': non-finite pose"));
  }
  if (!(parts.frame_rate > 0.1 && parts.frame_rate <= 1000)) {
    return absl::InvalidArgumentError(absl::StrCat("clip '", parts.name, "': frame rate ", parts.frame_rate));
  }
  RenderClip clip;
  clip.name = parts.name;
  clip.source = parts.source;
  clip.frame_rate = parts.frame_rate;
  clip.num_frames = T;
  clip.nq = nq;
  clip.qpos = std::move(parts.qpos);
  clip.found = std::move(parts.found);
  const ReferenceClip* ref = parts.reference;
  if (ref != nullptr && ref->nq != nq) {
    return absl::FailedPreconditionError(absl::StrCat("reference clip '", ref->name, "' has nq = ", ref->nq,
                                                      "; the model has ", nq));
  }

  // the reference frame of every step
  if (ref != nullptr) {
    if (parts.reference_frames.empty()) {
      if (T > ref->num_frames) {
        return absl::InvalidArgumentError(absl::StrCat("clip '", parts.name, "' has ", T,
                                                       " frames; its reference only ", ref->num_frames));
      }
      for (int t = 0; t < T; ++t) parts.reference_frames.push_back(t);
    }
    if (static_cast<int>(parts.reference_frames.size()) != T) {
      return absl::InvalidArgumentError(absl::StrCat("clip '", parts.name, "': ", parts.reference_frames.size(),
                                                     " reference frames for ", T, " steps"));
    }
    for (int t = 0; t < T; ++t) {
      const int f = parts.reference_frames[t];
      if (f < 0 || f >= ref->num_frames) {
        return absl::InvalidArgumentError(absl::StrCat("clip '", parts.name, "': step ", t, " tracks frame ", f,
                                                       " but the reference has frames 0..", ref->num_frames - 1));
      }
    }
    clip.reference_frames = parts.reference_frames;
  }

  // the ghost: the source's reference poses, else the reference clip's
  if (!parts.body_is_reference) {
    if (!parts.reference_qpos.empty()) {
      if (parts.reference_qpos.size() != clip.qpos.size()) {
        return absl::InvalidArgumentError(absl::StrCat("clip '", parts.name, "': reference_qpos is not (T, nq)"));
      }
      clip.ghost_qpos = std::move(parts.reference_qpos);
    } else if (ref != nullptr) {
      clip.ghost_qpos.resize(clip.qpos.size());
      for (int t = 0; t < T; ++t) {
        std::copy(ref->qpos_at(clip.reference_frames[t]), ref->qpos_at(clip.reference_frames[t]) + nq,
                  clip.ghost_qpos.begin() + static_cast<size_t>(t) * nq);
      }
    }
  }

  // the real rat's keypoints: the source's, else the reference clip's
  int K = 0;
  if (!parts.keypoints.empty()) {
    K = parts.num_keypoints;
    if (K <= 0 || parts.keypoints.size() != static_cast<size_t>(T) * K * 3) {
      return absl::InvalidArgumentError(absl::StrCat("clip '", parts.name, "': keypoints are not (T, K, 3)"));
    }
    clip.keypoints = std::move(parts.keypoints);
  } else if (ref != nullptr && ref->num_keypoints > 0) {
    K = ref->num_keypoints;
    clip.keypoints.resize(static_cast<size_t>(T) * K * 3);
    for (int t = 0; t < T; ++t) {
      const double* src = ref->keypoints.data() + static_cast<size_t>(clip.reference_frames[t]) * K * 3;
      std::copy(src, src + K * 3, clip.keypoints.begin() + static_cast<size_t>(t) * K * 3);
    }
  }

  // the model's keypoints: the source's, else placed from the STAC offsets
  mjData* data = mj_makeData(model);
  if (!parts.model_keypoints.empty()) {
    const int km = static_cast<int>(parts.model_keypoints.size() / (static_cast<size_t>(T) * 3));
    if (km <= 0 || parts.model_keypoints.size() != static_cast<size_t>(T) * km * 3 || (K > 0 && km != K)) {
      mj_deleteData(data);
      return absl::InvalidArgumentError(
          absl::StrCat("clip '", parts.name, "': model_keypoints are not (T, K, 3) with K = ", K));
    }
    K = km;
    clip.model_keypoints = std::move(parts.model_keypoints);
  } else if (sites != nullptr && (K == 0 || sites->size() == K)) {
    K = sites->size();
    clip.model_keypoints.resize(static_cast<size_t>(T) * K * 3);
    for (int t = 0; t < T; ++t) {
      std::copy(clip.qpos_at(t), clip.qpos_at(t) + nq, data->qpos);
      mj_kinematics(model, data);
      PlaceKeypoints(model, data, *sites, clip.model_keypoints.data() + static_cast<size_t>(t) * K * 3);
    }
  } else if (sites != nullptr) {
    clip.found.push_back(absl::StrCat("the registration has ", sites->size(), " keypoints but the clip ", K,
                                      ": model keypoints not drawn"));
  }
  clip.num_keypoints = K;
  if (sites != nullptr && sites->size() == K) {
    clip.keypoint_names = sites->names;
    clip.keypoint_groups = sites->groups;
  }

  // errors per frame: keypoints (model - real) and body origins (body - reference)
  if (!clip.keypoints.empty() && !clip.model_keypoints.empty()) {
    clip.keypoint_error_mm.resize(T);
    for (int t = 0; t < T; ++t) {
      double sum = 0;
      int n = 0;
      for (int k = 0; k < K; ++k) {
        const double* a = clip.keypoints.data() + (static_cast<size_t>(t) * K + k) * 3;
        const double* b = clip.model_keypoints.data() + (static_cast<size_t>(t) * K + k) * 3;
        if (!Finite3(a) || !Finite3(b)) continue;
        sum += std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
        ++n;
      }
      clip.keypoint_error_mm[t] = n > 0 ? 1000 * sum / n : std::nan("");
    }
  }
  const std::vector<int> bodies = MovingBodies(model);
  std::vector<double> body_pos(3 * bodies.size());
  clip.com.resize(static_cast<size_t>(T) * 3);
  if (!clip.ghost_qpos.empty()) clip.body_error_mm.resize(T);
  for (int t = 0; t < T; ++t) {
    std::copy(clip.qpos_at(t), clip.qpos_at(t) + nq, data->qpos);
    mj_kinematics(model, data);
    mj_comPos(model, data);
    const int root = bodies.empty() ? 0 : bodies.front();
    for (int c = 0; c < 3; ++c) clip.com[3 * t + c] = data->subtree_com[3 * root + c];
    if (clip.ghost_qpos.empty()) continue;
    for (size_t i = 0; i < bodies.size(); ++i) {
      for (int c = 0; c < 3; ++c) body_pos[3 * i + c] = data->xpos[3 * bodies[i] + c];
    }
    std::copy(clip.ghost_qpos.begin() + static_cast<size_t>(t) * nq,
              clip.ghost_qpos.begin() + static_cast<size_t>(t + 1) * nq, data->qpos);
    mj_kinematics(model, data);
    double sum = 0;
    for (size_t i = 0; i < bodies.size(); ++i) {
      const double* r = data->xpos + 3 * bodies[i];
      sum += std::sqrt((body_pos[3 * i] - r[0]) * (body_pos[3 * i] - r[0]) +
                       (body_pos[3 * i + 1] - r[1]) * (body_pos[3 * i + 1] - r[1]) +
                       (body_pos[3 * i + 2] - r[2]) * (body_pos[3 * i + 2] - r[2]));
    }
    clip.body_error_mm[t] = bodies.empty() ? 0 : 1000 * sum / bodies.size();
  }
  mj_deleteData(data);

  clip.ends = std::move(parts.ends);
  if (clip.ends.empty()) clip.ends.assign(T, "");
  if (static_cast<int>(clip.ends.size()) != T) {
    return absl::InvalidArgumentError(absl::StrCat("clip '", clip.name, "': ", clip.ends.size(), " episode ends for ",
                                                   T, " steps"));
  }
  return clip;
}

absl::StatusOr<double> ClipsModelScale(const std::string& clips_path) {
  MIMIC_ASSIGN_OR_RETURN(std::vector<ReferenceClip> clips, ReadClips(clips_path));
  if (clips.empty()) return absl::NotFoundError(absl::StrCat(clips_path, " holds no clips"));
  return clips.front().model_scale;
}

absl::StatusOr<double> RolloutModelScale(const std::string& rollouts_path, const mjModel* unscaled) {
  MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<H5File> file, H5File::Open(rollouts_path));
  if (!file->Exists("/clips")) return absl::InvalidArgumentError(absl::StrCat(rollouts_path, " is not a rollouts file (no /clips)"));
  MIMIC_ASSIGN_OR_RETURN(std::vector<std::string> names, file->List("/clips"));
  if (names.empty()) return absl::NotFoundError(absl::StrCat(rollouts_path, " holds no clips"));
  const std::string g = "/clips/" + names.front();
  if (!file->Exists(g + "/xpos") || !file->Exists(g + "/qpos")) return 1.0;
  MIMIC_ASSIGN_OR_RETURN(std::vector<int64_t> qshape, file->Shape(g + "/qpos"));
  MIMIC_ASSIGN_OR_RETURN(std::vector<int64_t> xshape, file->Shape(g + "/xpos"));
  if (qshape.size() != 2 || qshape[1] != unscaled->nq || xshape.size() != 3 || xshape[1] != unscaled->nbody ||
      qshape[0] < 1 || xshape[0] < 1) {
    return absl::FailedPreconditionError(absl::StrCat(rollouts_path, " was recorded with another model (nq ",
                                                      qshape.size() == 2 ? qshape[1] : -1, ", the model has ",
                                                      unscaled->nq, ")"));
  }
  MIMIC_ASSIGN_OR_RETURN(H5Array<double> qpos, file->ReadDoubles(g + "/qpos"));
  MIMIC_ASSIGN_OR_RETURN(H5Array<double> xpos, file->ReadDoubles(g + "/xpos"));
  // body positions relative to the root scale with the model: s = <recorded, model> / |model|^2
  mjData* data = mj_makeData(unscaled);
  std::copy(qpos.values.begin(), qpos.values.begin() + unscaled->nq, data->qpos);
  mj_kinematics(unscaled, data);
  const std::vector<int> bodies = MovingBodies(unscaled);
  double dot = 0, norm = 0, residual = 0;
  const int root = bodies.front();
  for (int b : bodies) {
    for (int c = 0; c < 3; ++c) {
      const double rec = xpos.values[3 * b + c] - xpos.values[3 * root + c];
      const double mod = data->xpos[3 * b + c] - data->xpos[3 * root + c];
      dot += rec * mod;
      norm += mod * mod;
    }
  }
  const double s = norm > 0 ? dot / norm : 1.0;
  double rec_norm = 0;
  for (int b : bodies) {
    for (int c = 0; c < 3; ++c) {
      const double rec = xpos.values[3 * b + c] - xpos.values[3 * root + c];
      const double mod = data->xpos[3 * b + c] - data->xpos[3 * root + c];
      residual += (rec - s * mod) * (rec - s * mod);
      rec_norm += rec * rec;
    }
  }
  mj_deleteData(data);
  if (!(s > 0.1 && s < 10) || residual > 0.0025 * rec_norm) {
    return absl::FailedPreconditionError(absl::StrCat(
        rollouts_path, ": the recorded body positions match no uniform scale of the model (another model?)"));
  }
  return std::round(s * 1000) / 1000;
}

absl::StatusOr<RenderClip> LoadStacClip(const std::string& clips_path, const std::string& selector,
                                        const mjModel* model, const std::string& stac_config) {
  MIMIC_ASSIGN_OR_RETURN(std::vector<ReferenceClip> clips, ReadClips(clips_path));
  MIMIC_ASSIGN_OR_RETURN(std::string name, SelectClip(Names(clips), selector, clips_path));
  const ReferenceClip& clip = *FindClip(clips, name);
  if (clip.nq != model->nq) {
    return absl::FailedPreconditionError(
        absl::StrCat(clips_path, ": clip '", name, "' has nq = ", clip.nq, "; the model has ", model->nq));
  }
  MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<H5File> file, H5File::Open(clips_path));
  MIMIC_ASSIGN_OR_RETURN(std::optional<KeypointSites> sites, ReadKeypointSites(*file, model, stac_config));
  ClipParts parts;
  parts.name = name;
  parts.source = "stac";
  parts.frame_rate = clip.frame_rate;
  parts.qpos = clip.qpos;
  parts.reference = &clip;
  parts.body_is_reference = true;
  parts.found.push_back(absl::StrFormat("%s: clip '%s', %d frames at %g Hz, model scale %g", clips_path, name,
                                        clip.num_frames, clip.frame_rate, clip.model_scale));
  parts.found.push_back(clip.num_keypoints > 0
                            ? absl::StrCat(clip.num_keypoints, " measured keypoints per frame")
                            : std::string("no measured keypoints (a clip recorded from the model?)"));
  parts.found.push_back(sites.has_value()
                            ? absl::StrCat("STAC offsets for ", sites->size(), " keypoints: model keypoints placed from them")
                            : std::string("no /stac registration: no model keypoints"));
  return BuildRenderClip(model, sites.has_value() ? &*sites : nullptr, std::move(parts));
}

absl::StatusOr<RenderClip> LoadRolloutClip(const std::string& rollouts_path, const std::string& clips_path,
                                           const std::string& selector, const mjModel* model,
                                           const std::string& stac_config) {
  MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<H5File> file, H5File::Open(rollouts_path));
  if (file->HasAttribute("/", "format")) {
    MIMIC_ASSIGN_OR_RETURN(std::string format, file->GetStringAttribute("/", "format"));
    if (format != "mimic.rollouts") {
      return absl::InvalidArgumentError(
          absl::StrCat(rollouts_path, " is a '", format, "' file, not rollouts (use --clips for a clips file)"));
    }
  }
  if (!file->Exists("/clips")) {
    return absl::InvalidArgumentError(absl::StrCat(rollouts_path, " is not a rollouts file (no /clips group)"));
  }
  MIMIC_ASSIGN_OR_RETURN(std::vector<std::string> names, file->List("/clips"));
  MIMIC_ASSIGN_OR_RETURN(std::string name, SelectClip(names, selector, rollouts_path));
  const std::string g = "/clips/" + name;
  if (!file->Exists(g + "/qpos")) {
    return absl::InvalidArgumentError(absl::StrCat(rollouts_path, ": clip '", name,
                                                   "' has no recorded states (qpos); nothing to render"));
  }
  ClipParts parts;
  parts.name = name;
  parts.source = "rollout";
  MIMIC_ASSIGN_OR_RETURN(H5Array<double> qpos, file->ReadDoubles(g + "/qpos"));
  if (qpos.shape.size() != 2 || qpos.shape[1] != model->nq || qpos.shape[0] < 1) {
    return absl::FailedPreconditionError(absl::StrCat(rollouts_path, ": clip '", name, "' qpos is not (T, ",
                                                      model->nq, ") for this model"));
  }
  const int64_t T = qpos.shape[0];
  parts.qpos = std::move(qpos.values);
  parts.frame_rate = 50;
  if (file->HasAttribute(g, "frame_rate")) {
    MIMIC_ASSIGN_OR_RETURN(parts.frame_rate, file->GetDoubleAttribute(g, "frame_rate"));
  } else if (file->HasAttribute("/", "control_timestep")) {
    MIMIC_ASSIGN_OR_RETURN(double dt, file->GetDoubleAttribute("/", "control_timestep"));
    if (dt > 0) parts.frame_rate = 1 / dt;
  }
  std::vector<std::string> held = {"qpos"};
  auto read_ints = [&](const std::string& dataset, std::vector<int32_t>* out) -> absl::Status {
    if (!file->Exists(g + "/" + dataset)) return absl::OkStatus();
    MIMIC_ASSIGN_OR_RETURN(H5Array<int32_t> a, file->ReadInts(g + "/" + dataset));
    if (static_cast<int64_t>(a.values.size()) != T) {
      return absl::InvalidArgumentError(absl::StrCat(rollouts_path, ": clip '", name, "' ", dataset, " has ",
                                                     a.values.size(), " values for ", T, " steps"));
    }
    *out = std::move(a.values);
    held.push_back(dataset);
    return absl::OkStatus();
  };
  auto read_points = [&](const std::string& dataset, std::vector<double>* out, int* k) -> absl::Status {
    if (!file->Exists(g + "/" + dataset)) return absl::OkStatus();
    MIMIC_ASSIGN_OR_RETURN(H5Array<double> a, file->ReadDoubles(g + "/" + dataset));
    if (a.shape.size() != 3 || a.shape[0] != T || a.shape[2] != 3) {
      return absl::InvalidArgumentError(absl::StrCat(rollouts_path, ": clip '", name, "' ", dataset, " is not (T, K, 3)"));
    }
    if (k != nullptr) *k = static_cast<int>(a.shape[1]);
    *out = std::move(a.values);
    held.push_back(dataset);
    return absl::OkStatus();
  };
  std::vector<int32_t> frames, termination, episode_end;
  MIMIC_RETURN_IF_ERROR(read_ints("frame", &frames));
  MIMIC_RETURN_IF_ERROR(read_ints("termination", &termination));
  MIMIC_RETURN_IF_ERROR(read_ints("episode_end", &episode_end));
  MIMIC_RETURN_IF_ERROR(read_points("keypoints", &parts.keypoints, &parts.num_keypoints));
  MIMIC_RETURN_IF_ERROR(read_points("model_keypoints", &parts.model_keypoints, nullptr));
  if (file->Exists(g + "/reference_qpos")) {
    MIMIC_ASSIGN_OR_RETURN(H5Array<double> ref, file->ReadDoubles(g + "/reference_qpos"));
    if (ref.shape.size() != 2 || ref.shape[0] != T || ref.shape[1] != model->nq) {
      return absl::InvalidArgumentError(absl::StrCat(rollouts_path, ": clip '", name, "' reference_qpos is not (T, nq)"));
    }
    parts.reference_qpos = std::move(ref.values);
    held.push_back("reference_qpos");
  }
  parts.reference_frames.assign(frames.begin(), frames.end());
  parts.ends.assign(T, "");
  for (int64_t t = 0; t < T; ++t) {
    const int code = episode_end.empty() ? 0 : episode_end[t];
    if (code != 0) {
      parts.ends[t] = EpisodeEndName(static_cast<EpisodeEnd>(code));
    } else if (!termination.empty() && termination[t] != 0) {
      parts.ends[t] = "terminated";
    }
  }
  parts.found.push_back(absl::StrFormat("%s: clip '%s', %d steps at %g Hz, with %s", rollouts_path, name, T,
                                        parts.frame_rate, absl::StrJoin(held, ", ")));

  std::vector<ReferenceClip> clips;
  const ReferenceClip* reference = nullptr;
  std::optional<KeypointSites> sites;
  if (!clips_path.empty()) {
    MIMIC_ASSIGN_OR_RETURN(clips, ReadClips(clips_path));
    reference = FindClip(clips, name);
    if (reference == nullptr) {
      return absl::NotFoundError(absl::StrCat(clips_path, " has no clip '", name,
                                              "' (was the rollout made from another clips file?)"));
    }
    MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<H5File> clips_file, H5File::Open(clips_path));
    MIMIC_ASSIGN_OR_RETURN(sites, ReadKeypointSites(*clips_file, model, stac_config));
    if (frames.empty()) parts.found.push_back("no reference frame per step (frame): step t shows frame t");
    parts.reference = reference;
    parts.found.push_back(absl::StrCat(
        clips_path, ": the reference pose (ghost)",
        parts.keypoints.empty() && reference->num_keypoints > 0 ? ", the real keypoints" : "",
        sites.has_value() && parts.model_keypoints.empty() ? ", STAC offsets (model keypoints placed from them)" : ""));
  } else if (parts.reference_qpos.empty()) {
    parts.found.push_back("no clips file: no reference ghost or real keypoints (give --clips)");
  }
  return BuildRenderClip(model, sites.has_value() ? &*sites : nullptr, std::move(parts));
}

}  // namespace mimic::render
