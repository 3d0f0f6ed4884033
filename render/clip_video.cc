#include "render/clip_video.h"

#include <chrono>
#include <cstdio>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "render/camera_path.h"
#include "render/png_io.h"

namespace mimic::render {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// How long a note about an episode's end stays on screen.
constexpr double kNoteSeconds = 0.8;

// The tracking camera's distance for the rat at scale 1 (a 0.25 m body fills about a third of a
// 45-degree view), scaled with the model.
constexpr double kTrackingDistance = 0.55;

std::string Stem(const std::string& path) {
  const size_t slash = path.rfind('/');
  const size_t dot = path.rfind('.');
  return dot != std::string::npos && (slash == std::string::npos || dot > slash) ? path.substr(0, dot) : path;
}

}  // namespace

std::string StillPath(const std::string& prefix, int t) { return absl::StrFormat("%s_frame%04d.png", prefix, t); }

FrameContent ClipFrame(const RenderClip& clip, int t, const std::string& title, bool side_by_side) {
  FrameContent frame;
  const int K = clip.num_keypoints;
  frame.qpos = clip.qpos_at(t);
  if (!clip.ghost_qpos.empty()) frame.ghost_qpos = clip.ghost_qpos.data() + static_cast<size_t>(t) * clip.nq;
  frame.num_keypoints = K;
  if (!clip.keypoints.empty()) frame.keypoints = clip.keypoints.data() + static_cast<size_t>(t) * K * 3;
  if (!clip.model_keypoints.empty()) frame.model_keypoints = clip.model_keypoints.data() + static_cast<size_t>(t) * K * 3;

  // top left: what and where
  std::string labels, values;
  int lines = 0;
  auto line = [&](const std::string& label, const std::string& value) {
    absl::StrAppend(&labels, lines > 0 ? "\n" : "", label);
    absl::StrAppend(&values, lines > 0 ? "\n" : "", value);
    ++lines;
  };
  if (!title.empty()) line(title, "");
  line("clip", clip.name);
  line("frame", absl::StrFormat("%d / %d  (%.2f s)", t, clip.num_frames - 1, t / clip.frame_rate));
  if (!clip.reference_frames.empty() && clip.reference_frames[t] != t) {
    line("reference frame", absl::StrCat(clip.reference_frames[t]));
  }
  if (!clip.keypoint_error_mm.empty() && std::isfinite(clip.keypoint_error_mm[t])) {
    line(clip.source == "stac" ? "registration error" : "keypoint error",
         absl::StrFormat("%.1f mm", clip.keypoint_error_mm[t]));
  }
  if (!clip.body_error_mm.empty()) line("body error", absl::StrFormat("%.1f mm", clip.body_error_mm[t]));
  frame.labels = labels;
  frame.values = values;

  // bottom left: a recent episode end, and what the colours mean
  std::string notes;
  const int hold = std::max(1, static_cast<int>(std::lround(kNoteSeconds * clip.frame_rate)));
  for (int s = t; s >= 0 && s > t - hold; --s) {
    if (clip.ends[s].empty()) continue;
    const bool truncation = clip.ends[s] == "clip_end" || clip.ends[s] == "time_limit";
    notes = absl::StrCat("episode ended at frame ", s, ": ", clip.ends[s],
                         truncation || s == clip.num_frames - 1 ? "" : " (body put back on the reference)");
    break;
  }
  std::string legend;
  if (side_by_side) {
    // left: the body with the model's keypoints; right: the reference (orange) with the real ones
    absl::StrAppend(&legend, "left: ", clip.source == "stac" ? "registered model" : "simulation",
                    frame.model_keypoints != nullptr ? ", green model keypoints" : "", "   right: ",
                    frame.ghost_qpos != nullptr ? "reference (orange)" : "real rat",
                    frame.keypoints != nullptr ? ", red real keypoints" : "");
  } else if (frame.ghost_qpos != nullptr) {
    absl::StrAppend(&legend, "orange: reference   ");
  }
  if (side_by_side) {
  } else if (frame.keypoints != nullptr && frame.model_keypoints != nullptr) {
    absl::StrAppend(&legend, "red / green: real / model keypoints");
  } else if (frame.keypoints != nullptr) {
    absl::StrAppend(&legend, "red: real keypoints");
  } else if (frame.model_keypoints != nullptr) {
    absl::StrAppend(&legend, "green: model keypoints");
  }
  if (!legend.empty()) absl::StrAppend(&notes, notes.empty() ? "" : "\n", legend);
  frame.notes = notes;
  if (clip.source == "stac") {
    frame.panel_titles[0] = "registered model";
    frame.panel_titles[1] = "real keypoints";
  }
  return frame;
}

absl::StatusOr<ClipVideoResult> RenderClipVideo(const mjModel* model, double model_scale, const RenderClip& clip,
                                                const ClipVideoOptions& options) {
  const auto start = Clock::now();
  if (clip.nq != model->nq) {
    return absl::FailedPreconditionError(absl::StrCat("clip '", clip.name, "' has nq = ", clip.nq, "; the model ", model->nq));
  }
  if (options.first_frame < 0 || options.first_frame >= clip.num_frames) {
    return absl::OutOfRangeError(absl::StrCat("first frame ", options.first_frame, " is outside clip '", clip.name,
                                              "' (frames 0..", clip.num_frames - 1, ")"));
  }
  if (options.max_frames < 0) return absl::InvalidArgumentError("max_frames must be >= 0");
  const int end = options.max_frames > 0 ? std::min(clip.num_frames, options.first_frame + options.max_frames)
                                         : clip.num_frames;
  for (int s : options.stills) {
    if (s < options.first_frame || s >= end) {
      return absl::OutOfRangeError(absl::StrCat("still frame ", s, " is outside the frames rendered (",
                                                options.first_frame, "..", end - 1, ")"));
    }
  }
  if (options.out.empty() && options.stills.empty()) return absl::InvalidArgumentError("nothing to write: no video and no stills");
  const std::string prefix = !options.stills_prefix.empty() ? options.stills_prefix : Stem(options.out);

  // the video is opened first, so an unwritable path fails before any drawing
  std::unique_ptr<VideoWriter> video;
  if (!options.out.empty()) {
    MIMIC_ASSIGN_OR_RETURN(video, VideoWriter::Open(options.out, options.render.width, options.render.height,
                                                    clip.frame_rate, options.video));
  }
  MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<SceneRenderer> renderer, SceneRenderer::Create(model, options.render));

  const double distance = kTrackingDistance * model_scale;
  const std::vector<CameraTarget> path = options.render.camera.kind == CameraKind::kFixed
                                             ? FixedPath(clip.com, distance)
                                             : TrackingPath(clip.com, clip.frame_rate, distance);
  ClipVideoResult result;
  // stills already written go if the video fails (cancelled, encoder error): no orphans
  struct StillCleanup {
    std::vector<std::string>* written;
    bool keep = false;
    ~StillCleanup() {
      if (keep) return;
      for (const std::string& p : *written) std::remove(p.c_str());
    }
  } cleanup{&result.stills};
  result.frame_rate = clip.frame_rate;
  result.gl = renderer->gl().Describe();
  const std::set<int> stills(options.stills.begin(), options.stills.end());
  const int total = video != nullptr ? end - options.first_frame : static_cast<int>(stills.size());
  int done = 0;
  Image image;
  for (int t = options.first_frame; t < end; ++t) {
    const bool still = stills.count(t) > 0;
    if (video == nullptr && !still) continue;
    if (options.cancelled && options.cancelled()) {
      return absl::CancelledError(absl::StrCat("stopped while rendering clip '", clip.name, "'"));
    }
    FrameContent frame = ClipFrame(clip, t, options.title, options.render.side_by_side);
    frame.lookat = path[t].lookat;
    frame.distance_m = path[t].distance_m;
    const auto drawn = Clock::now();
    MIMIC_RETURN_IF_ERROR(renderer->Render(frame, &image));
    result.render_seconds += Since(drawn);
    if (still) {
      const std::string png = StillPath(prefix, t);
      MIMIC_RETURN_IF_ERROR(WritePng(png, image));
      result.stills.push_back(png);
    }
    if (video != nullptr) {
      MIMIC_RETURN_IF_ERROR(video->Write(image));
      ++result.frames;
    }
    ++done;
    if (options.on_progress) options.on_progress(done, total);
  }
  if (video != nullptr) {
    MIMIC_RETURN_IF_ERROR(video->Finish());
    result.video = options.out;
    result.codec = video->codec();
    result.encode_seconds = video->encode_seconds();
  }
  cleanup.keep = true;
  // stills in the order asked
  std::vector<std::string> ordered;
  for (int s : options.stills) ordered.push_back(StillPath(prefix, s));
  result.stills = ordered;
  result.seconds = Since(start);
  return result;
}

}  // namespace mimic::render
