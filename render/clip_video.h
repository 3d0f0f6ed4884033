// A clip rendered to an MP4 at its own frame rate and to PNG stills by frame number: the camera
// path, the overlay text of each frame (clip, frame, errors in mm, why an episode ended, a legend)
// and the timing of each stage. Used by `mimic render`, the evaluator's videos, the demo and
// `mimic bench render`.
#ifndef MIMIC_RENDER_CLIP_VIDEO_H_
#define MIMIC_RENDER_CLIP_VIDEO_H_

#include <functional>
#include <string>
#include <vector>

#include <mujoco/mujoco.h>

#include "absl/status/statusor.h"
#include "render/render_clip.h"
#include "render/scene_renderer.h"
#include "render/video_writer.h"

namespace mimic::render {

struct ClipVideoOptions {
  RenderOptions render;
  VideoOptions video;
  std::string out;            // the video ("" = none: only stills)
  std::vector<int> stills;    // frame numbers (of the clip) written as PNG
  std::string stills_prefix;  // stills go to <prefix>_frame<NNNN>.png; "" = the video's path without extension
  int first_frame = 0;
  int max_frames = 0;         // 0 = to the clip's end
  std::string title;          // an extra first overlay line (e.g. "policy v120, best clip")
  std::function<void(int64_t done, int64_t total)> on_progress;
  std::function<bool()> cancelled;  // checked before each frame: true stops with CANCELLED, no file
};

struct ClipVideoResult {
  std::string video;                // "" when none was written
  std::vector<std::string> stills;  // paths, in the order asked
  int frames = 0;                   // frames in the video
  double frame_rate = 0;
  std::string codec;                // e.g. "libx264"
  std::string gl;                   // e.g. "egl (llvmpipe (LLVM 15.0.6, 256 bits))"
  double seconds = 0;               // wall time, start to finished file
  double render_seconds = 0;        // drawing and reading back frames
  double encode_seconds = 0;        // the encoder thread's busy time (overlaps drawing)
  double frames_per_second() const { return seconds > 0 ? frames / seconds : 0; }
};

// The poses, keypoints and overlay of frame t (the camera is the caller's); side by side, the
// legend names the panels.
FrameContent ClipFrame(const RenderClip& clip, int t, const std::string& title, bool side_by_side = false);

// Renders `clip` with `model` (the model at the clip's scale, whose tracking distance it sets).
absl::StatusOr<ClipVideoResult> RenderClipVideo(const mjModel* model, double model_scale, const RenderClip& clip,
                                                const ClipVideoOptions& options);

// The still's path for frame t: <prefix>_frame<tttt>.png.
std::string StillPath(const std::string& prefix, int t);

}  // namespace mimic::render

#endif  // MIMIC_RENDER_CLIP_VIDEO_H_
