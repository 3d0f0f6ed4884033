// Short videos of what the evaluator saw: for each evaluation, its best and worst episode (by
// reward per step) rendered from the states the evaluator kept, with the reference as a ghost and
// the keypoints where the clips file has a registration, into <dir>/v<version>_<kind>.mp4 with a
// PNG still of the frame where the error was largest; <dir>/index.csv lists them, and
// EvaluationGallerySvg shows the latest stills, each linked to its video, for eval.svg.
#ifndef MIMIC_RENDER_EVALUATION_VIDEOS_H_
#define MIMIC_RENDER_EVALUATION_VIDEOS_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "envs/env_context.h"
#include "render/keypoint_sites.h"
#include "render/scene_renderer.h"
#include "render/video_writer.h"

namespace mimic::render {

struct EvaluationVideoOptions {
  std::string dir;          // where the videos go (created)
  std::string clips_path;   // the clips file, for its STAC offsets ("" = no model keypoints)
  std::string stac_config = "configs/stac_rodent.pbtxt";
  int width = 480;
  int height = 360;
  int max_frames = 150;     // a short video: the first 3 s of the episode at 50 Hz
  // Evaluations closer than this to the last filmed one are not filmed (the first always is): a
  // smoke run evaluating every few seconds would otherwise spend its time filming.
  double min_interval_s = 60;
  GlBackend backend = GlBackend::kAuto;
  std::function<bool()> cancelled;  // e.g. the process is stopping: the video is abandoned

  absl::Status Validate() const;
};

struct EvaluationEpisode {
  int clip = 0;                // index in the context's reference library
  std::vector<double> qpos;    // (T x nq)
  std::vector<int> frames;     // (T) reference frames
  std::string end;             // why it ended ("" = it did not)
  double reward_per_step = 0;
};

struct EvaluationVideoRow {
  int64_t version = 0;
  std::string kind;   // "best" or "worst"
  std::string clip;
  int frames = 0;
  double reward_per_step = 0;
  double error_mm = 0;  // mean keypoint error, else mean body error
  std::string video, still;  // relative to the index's directory
};

class EvaluationVideos {
 public:
  static absl::StatusOr<std::unique_ptr<EvaluationVideos>> Create(std::shared_ptr<const EnvContext> context,
                                                                  const EvaluationVideoOptions& options);
  // Renders `episode` of policy `version` as v<version>_<kind>.mp4 and .png; appends to index.csv.
  absl::StatusOr<EvaluationVideoRow> Write(int64_t version, const std::string& kind, const EvaluationEpisode& episode);

  // One evaluation: its best and worst episode, when min_interval_s has passed since the last
  // filmed evaluation; only "best" when the two are the same episode (same clip and reward).
  // Returns the rows written (none when it was not time).
  absl::StatusOr<std::vector<EvaluationVideoRow>> WriteEvaluation(int64_t version, const EvaluationEpisode& best,
                                                                   const EvaluationEpisode& worst);

 private:
  EvaluationVideos() = default;
  std::optional<std::chrono::steady_clock::time_point> last_filmed_;
  std::shared_ptr<const EnvContext> context_;
  EvaluationVideoOptions options_;
  std::optional<KeypointSites> sites_;
  double model_scale_ = 1;
};

// The rows of <dir>/index.csv, oldest first (empty when there is none).
std::vector<EvaluationVideoRow> ReadEvaluationVideoIndex(const std::string& dir);

// A panel of the latest `evaluations` evaluations' stills (best and worst side by side), each a link
// to its video; paths relative to `run_dir` (the SVG's own folder). "" when there are no videos.
std::string EvaluationGallerySvg(const std::string& run_dir, const std::string& videos_subdir = "videos",
                                 int evaluations = 3, int width = 900);

}  // namespace mimic::render

#endif  // MIMIC_RENDER_EVALUATION_VIDEOS_H_
