// One STAC job end to end (load, clean, register, build clips, write), shared by `mimic stac`,
// the preprocessing service and the benchmark.
#ifndef MIMIC_CLI_STAC_RUNNER_H_
#define MIMIC_CLI_STAC_RUNNER_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "preprocess/stac_pipeline.h"

namespace mimic::cli {

struct StacJob {
  std::string keypoints;
  std::string config;
  std::string out;
  int threads = 0;
  int instance = 0;
  std::function<void(const preprocess::StacProgress&)> on_progress;
  std::function<bool()> cancelled;
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
};

absl::StatusOr<StacOutcome> RunStacJob(const StacJob& job);

}  // namespace mimic::cli

#endif  // MIMIC_CLI_STAC_RUNNER_H_
