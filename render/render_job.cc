#include "render/render_job.h"

#include <cmath>
#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/h5_file.h"
#include "common/status_macros.h"
#include "envs/model_loader.h"
#include "render/finite_mean.h"
#include "render/tracking_figure.h"

namespace mimic::render {
namespace {

constexpr const char* kBundledModel = "data/models/rodent/rodent.xml";

// The model the clips were registered on, when the clips file says.
std::string RegisteredModel(const std::string& clips) {
  absl::StatusOr<std::unique_ptr<H5File>> file = H5File::Open(clips);
  if (!file.ok() || !(*file)->HasAttribute("/stac", "model_path")) return "";
  absl::StatusOr<std::string> path = (*file)->GetStringAttribute("/stac", "model_path");
  return path.ok() ? *path : "";
}

}  // namespace

absl::Status RenderJob::Validate() const {
  if (rollouts.empty() && clips.empty()) {
    return absl::InvalidArgumentError("give --rollouts FILE (a policy's rollout) or --clips FILE (a registration)");
  }
  if (video.out.empty() && video.stills.empty() && figure.empty()) {
    return absl::InvalidArgumentError("nothing to write: give --out (a video), --stills or --figure");
  }
  return video.render.Validate();
}

absl::StatusOr<RenderJobResult> RunRenderJob(const RenderJob& job) {
  MIMIC_RETURN_IF_ERROR(job.Validate());
  RenderJobResult result;
  // the model, at the scale the clip was made with
  std::string model_path = job.model_path;
  if (model_path.empty() && !job.clips.empty()) model_path = RegisteredModel(job.clips);
  if (model_path.empty()) model_path = kBundledModel;
  if (!job.clips.empty()) {
    MIMIC_ASSIGN_OR_RETURN(result.model_scale, ClipsModelScale(job.clips));
  } else {
    MIMIC_ASSIGN_OR_RETURN(ModelPtr unscaled, LoadModel(model_path));
    MIMIC_ASSIGN_OR_RETURN(result.model_scale, RolloutModelScale(job.rollouts, unscaled.get()));
  }
  MIMIC_ASSIGN_OR_RETURN(ModelPtr model, LoadModel(model_path, PerturbationConfig(), result.model_scale));

  RenderClip clip;
  if (!job.rollouts.empty()) {
    MIMIC_ASSIGN_OR_RETURN(clip, LoadRolloutClip(job.rollouts, job.clips, job.clip, model.get(), job.stac_config));
  } else {
    MIMIC_ASSIGN_OR_RETURN(clip, LoadStacClip(job.clips, job.clip, model.get(), job.stac_config));
  }
  result.clip = clip.name;
  result.clip_frames = clip.num_frames;
  result.found = clip.found;
  result.found.push_back(absl::StrCat("model ", model_path, " at scale ", result.model_scale));
  result.mean_keypoint_error_mm = MeanOfFinite(clip.keypoint_error_mm);
  result.mean_body_error_mm = MeanOfFinite(clip.body_error_mm);

  if (!job.figure.empty()) {
    MIMIC_ASSIGN_OR_RETURN(PartErrors errors, ErrorsByBodyPart(model.get(), clip));
    std::ofstream out(job.figure, std::ios::trunc);
    out << TrackingFigureSvg(clip, errors);
    out.close();
    if (!out.good()) return absl::PermissionDeniedError(absl::StrCat("cannot write ", job.figure));
    result.figure = job.figure;
  }
  if (job.video.out.empty() && job.video.stills.empty()) return result;
  ClipVideoOptions options = job.video;
  // --out F.png: a still (of the first frame unless --stills names one), written at F itself
  const bool png_out = absl::EndsWith(options.out, ".png");
  if (png_out) {
    if (options.stills.size() > 1) {
      return absl::InvalidArgumentError("--out F.png takes one still; for several use --stills with a video or "
                                        "--stills_prefix");
    }
    if (options.stills.empty()) options.stills.push_back(options.first_frame);
    options.stills_prefix = options.out.substr(0, options.out.size() - 4) + ".tmp";
    options.out.clear();
  }
  MIMIC_ASSIGN_OR_RETURN(result.video, RenderClipVideo(model.get(), result.model_scale, clip, options));
  if (png_out) {
    if (std::rename(result.video.stills.front().c_str(), job.video.out.c_str()) != 0) {
      return absl::PermissionDeniedError(absl::StrCat("cannot write ", job.video.out));
    }
    result.video.stills = {job.video.out};
  }
  return result;
}

}  // namespace mimic::render
