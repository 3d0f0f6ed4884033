// What `mimic render` does, end to end: read a rollouts file (with the clips file it was made
// from) or a clips file alone (a STAC registration), load the model at the clip's scale, and
// write the clip's video, PNG stills and, on request, the tracking-error figure.
#ifndef MIMIC_RENDER_RENDER_JOB_H_
#define MIMIC_RENDER_RENDER_JOB_H_

#include <cmath>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "render/clip_video.h"

namespace mimic::render {

struct RenderJob {
  std::string rollouts;  // the simulated rat; with `clips`, the reference it tracked
  std::string clips;     // alone: the STAC registration of its clips
  std::string clip = "0";  // index in file order or name
  // "" = the registration's model (the clips file's /stac model_path) or the bundled rat
  std::string model_path;
  std::string stac_config = "configs/stac_rodent.pbtxt";  // keypoint bodies for older clips files
  std::string figure;  // tracking error per body part (SVG); "" = none
  ClipVideoOptions video;  // out, stills, resolution, camera, layers, ...

  absl::Status Validate() const;
};

struct RenderJobResult {
  std::string clip;       // the clip's name
  int clip_frames = 0;
  double model_scale = 1;
  ClipVideoResult video;  // empty when only the figure was asked for
  std::string figure;
  double mean_keypoint_error_mm = std::nan("");
  double mean_body_error_mm = std::nan("");
  std::vector<std::string> found;  // what the inputs held
};

absl::StatusOr<RenderJobResult> RunRenderJob(const RenderJob& job);

}  // namespace mimic::render

#endif  // MIMIC_RENDER_RENDER_JOB_H_
