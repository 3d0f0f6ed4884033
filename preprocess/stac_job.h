// One STAC job end to end (load, clean, register, build clips, write), shared by `mimic stac`,
// the preprocessing service and the benchmark.
#ifndef MIMIC_PREPROCESS_STAC_JOB_H_
#define MIMIC_PREPROCESS_STAC_JOB_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "common/path_guard.h"
#include "preprocess/keypoint_loaders.h"
#include "preprocess/stac_pipeline.h"
#include "proto/stac_config.pb.h"

namespace mimic::preprocess {

struct StacJob {
  std::string keypoints;
  std::string keypoints_name;  // as the clips record their source_file; empty: `keypoints`
  std::string config;
  std::string out;
  int threads = 0;
  int instance = 0;
  std::function<void(const StacProgress&)> on_progress;
  std::function<bool()> cancelled;
  // When set (the service), the config's model_path is opened through it too (under the data root).
  JobFiles* files = nullptr;
  // Timing of the recording (its own or the config's frame rate) and of the clips made from it.
  KeypointLimits limits;
};

struct StacOutcome {
  int frames = 0;
  int clips = 0;
  int threads = 0;
  double offset_seconds = 0;
  double pose_pass_seconds = 0;
  double pose_pass_frames_per_s = 0;
  double mean_residual_mm = 0;
  std::string table;  // per keypoint and body part
  std::string json;   // the same as one JSON document
  std::string figure; // the SVG report written beside the clips
};

absl::StatusOr<StacConfig> ReadStacConfig(const std::string& path);
absl::StatusOr<StacOutcome> RunStacJob(const StacJob& job);

// A StacJob::on_progress that draws one progress line (count, rate, ETA) per stage on stderr,
// each prefixed by `label`.
std::function<void(const StacProgress&)> StacProgressLines(const std::string& label);

}  // namespace mimic::preprocess

#endif  // MIMIC_PREPROCESS_STAC_JOB_H_
