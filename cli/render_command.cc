// `mimic render`: a rollout (the simulated rat with its reference as a ghost and the keypoints)
// or a STAC registration to MP4, PNG stills and the tracking-error figure. Argument parsing and
// printing only; the work is render/render_job.
#include <cmath>
#include <cstdio>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/commands.h"
#include "common/args.h"
#include "common/progress.h"
#include "render/render_job.h"

namespace mimic::cli {
namespace {

const CommandSpec& RenderSpec() {
  static const auto* spec = new CommandSpec{
      "render",
      "render a rollout (the simulated rat, the reference pose as a translucent ghost, the real and the model's "
      "keypoints, errors in mm, why episodes ended) or a STAC registration to MP4, PNG stills and an SVG of the "
      "tracking error per body part; offscreen, no display needed",
      {
          {"rollouts", FlagType::kString, "", "FILE", "a policy's rollout (mimic rollout); with --clips, the clips "
                                                      "file it was made from gives the ghost and the real keypoints"},
          {"clips", FlagType::kString, "", "FILE", "the clips file; alone, its STAC registration is rendered"},
          {"clip", FlagType::kString, "0", "N|NAME", "the clip: index in file order or name"},
          {"out", FlagType::kString, "", "FILE", "the video (.mp4) at the clip's frame rate; a .png writes one still"},
          {"stills", FlagType::kString, "", "FRAMES", "frame numbers also written as PNG, e.g. 0,120 "
                                                      "(<out>_frame0120.png)"},
          {"stills_prefix", FlagType::kString, "", "PATH", "stills go to PATH_frameNNNN.png (default: the video's "
                                                          "path without its extension)"},
          {"figure", FlagType::kString, "", "FILE", "an SVG of the tracking error per body part against time"},
          {"width", FlagType::kInt, "640", "px", "frame width (even)"},
          {"height", FlagType::kInt, "480", "px", "frame height (even)"},
          {"camera", FlagType::kString, "tracking", "MODE", "tracking (follows the rat), fixed (one view of the "
                                                            "whole clip) or a model camera: close_profile, back, side, "
                                                            "side_alt, top, egocentric"},
          {"distance", FlagType::kDouble, "0", "m", "camera distance (0: 0.55 m x model scale; fixed adds the "
                                                   "clip's extent)"},
          {"azimuth", FlagType::kDouble, "135", "deg", "camera azimuth"},
          {"elevation", FlagType::kDouble, "-20", "deg", "camera elevation (negative looks down)"},
          {"ghost_opacity", FlagType::kDouble, "0.35", "0-1", "opacity of the reference ghost, in (0, 1]"},
          {"layers", FlagType::kString, "all", "LIST", "all, or body,ghost,keypoints,model_keypoints,text,floor; "
                                                      "'-ghost' leaves one out"},
          {"side_by_side", FlagType::kBool, "", "", "simulation left, reference (with the real keypoints) right"},
          {"shadows", FlagType::kInt, "-1", "-1|0|1", "the light's shadow: -1 only with a GPU (it doubles a "
                                                      "software frame's cost)"},
          {"shadow_size", FlagType::kInt, "1024", "px", "the shadow's depth map"},
          {"multisamples", FlagType::kInt, "0", "samples", "anti-aliasing samples (4 doubles a software frame's cost)"},
          {"codec", FlagType::kString, "auto", "auto|h264|mpeg4", "auto: H.264, MPEG-4 part 2 where it is absent"},
          {"crf", FlagType::kInt, "23", "0-51", "H.264 constant quality (lower: better and bigger)"},
          {"first_frame", FlagType::kInt, "0", "frame", "the first frame rendered"},
          {"max_frames", FlagType::kInt, "0", "frames", "at most this many frames (0: to the clip's end)"},
          {"gl", FlagType::kString, "auto", "auto|egl|osmesa", "offscreen OpenGL (auto: MIMIC_GL if set, else EGL, "
                                                               "else OSMesa)"},
          {"model", FlagType::kString, "", "FILE", "the MJCF (default: the registration's, else "
                                                   "data/models/rodent/rodent.xml)"},
          {"stac_config", FlagType::kString, "configs/stac_rodent.pbtxt", "FILE",
           "keypoint bodies for clips files that do not record them"},
      },
      {"./mimic render --rollouts runs/demo/rollouts.h5 --clips runs/demo/clips.h5 --clip 0 --out clip.mp4 "
       "--stills 0,120 --figure clip_error.svg",
       "./mimic render --clips runs/demo/clips.h5 --clip 1 --out stac.mp4 --side_by_side",
       "./mimic render --clips runs/demo/clips.h5 --out frame.png --first_frame 60 --camera close_profile"},
  };
  return *spec;
}

absl::StatusOr<std::vector<int>> ParseFrames(const std::string& list) {
  std::vector<int> frames;
  for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    int f = 0;
    if (!absl::SimpleAtoi(item, &f) || f < 0) {
      return absl::InvalidArgumentError(absl::StrCat("--stills: '", item, "' is not a frame number"));
    }
    frames.push_back(f);
  }
  return frames;
}

}  // namespace

int RunRender(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(RenderSpec(), argv, &exit_code);
  if (!args) return exit_code;
  render::RenderJob job;
  job.rollouts = args->String("rollouts");
  job.clips = args->String("clips");
  job.clip = args->String("clip");
  job.figure = args->String("figure");
  job.model_path = args->String("model");
  job.stac_config = args->String("stac_config");
  render::ClipVideoOptions& video = job.video;
  video.out = args->String("out");
  video.stills_prefix = args->String("stills_prefix");
  render::RenderOptions& r = video.render;
  r.width = args->Int("width");
  r.height = args->Int("height");
  r.camera.distance_m = args->Double("distance");
  r.camera.azimuth_deg = args->Double("azimuth");
  r.camera.elevation_deg = args->Double("elevation");
  const std::string camera = args->String("camera");
  if (camera == "tracking") {
    r.camera.kind = render::CameraKind::kTracking;
  } else if (camera == "fixed") {
    r.camera.kind = render::CameraKind::kFixed;
  } else {
    r.camera.kind = render::CameraKind::kModel;
    r.camera.model_camera = camera;
  }
  r.ghost_alpha = args->Double("ghost_opacity");
  r.side_by_side = args->Bool("side_by_side");
  const int shadows = args->Int("shadows");
  r.shadows = shadows < 0 ? -1 : shadows > 0 ? 1 : 0;
  r.shadow_size = args->Int("shadow_size");
  r.multisamples = args->Int("multisamples");
  video.video.codec = args->String("codec");
  video.video.crf = args->Int("crf");
  video.first_frame = args->Int("first_frame");
  video.max_frames = args->Int("max_frames");
  auto layers = render::ParseLayers(args->String("layers"));
  if (!layers.ok()) return Fail("render", layers.status());
  r.layers = *layers;
  auto backend = render::ParseGlBackend(args->String("gl"));
  if (!backend.ok()) return Fail("render", backend.status());
  r.backend = *backend;
  auto stills = ParseFrames(args->String("stills"));
  if (!stills.ok()) return Fail("render", stills.status());
  video.stills = *stills;
  std::unique_ptr<Progress> progress;
  video.on_progress = [&](int64_t done, int64_t total) {
    if (!progress) progress = std::make_unique<Progress>("render", total, "frames");
    progress->Update(done);
  };

  absl::StatusOr<render::RenderJobResult> result = render::RunRenderJob(job);
  if (progress) progress->Finish();
  if (!result.ok()) return Fail("render", result.status());
  for (const std::string& note : result->found) std::printf("render: found %s\n", note.c_str());
  const render::ClipVideoResult& v = result->video;
  if (!v.video.empty()) {
    std::printf("render: wrote %s: %d frames, %dx%d at %g frames/s, %s; %.1f s = %.1f frames/s (drawing %.1f s, "
                "encoding %.1f s on its own thread) on %s\n",
                v.video.c_str(), v.frames, r.width, r.height, v.frame_rate, v.codec.c_str(), v.seconds,
                v.frames_per_second(), v.render_seconds, v.encode_seconds, v.gl.c_str());
  }
  for (const std::string& still : v.stills) std::printf("render: wrote %s\n", still.c_str());
  if (!result->figure.empty()) std::printf("render: wrote %s (tracking error per body part)\n", result->figure.c_str());
  if (std::isfinite(result->mean_keypoint_error_mm)) {
    std::printf("render: clip '%s' mean keypoint error %.1f mm\n", result->clip.c_str(), result->mean_keypoint_error_mm);
  }
  if (std::isfinite(result->mean_body_error_mm)) {
    std::printf("render: clip '%s' mean body error %.1f mm (body origins vs the reference)\n", result->clip.c_str(),
                result->mean_body_error_mm);
  }
  return 0;
}

}  // namespace mimic::cli
