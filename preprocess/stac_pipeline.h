// STAC registration of a whole recording: alternating per-frame pose fits and closed-form marker
// offset fits on sampled frames for `rounds` rounds, then a final pose pass over every frame,
// split into contiguous chunks that run on all cores (each chunk warm-starts frame to frame).
#ifndef MIMIC_PREPROCESS_STAC_PIPELINE_H_
#define MIMIC_PREPROCESS_STAC_PIPELINE_H_

#include <atomic>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "preprocess/keypoint_data.h"
#include "preprocess/stac_model.h"

namespace mimic::preprocess {

struct StacProgress {
  std::string stage;  // "offsets round i/n" or "pose pass"
  int64_t done = 0;
  int64_t total = 0;
};

struct StacOptions {
  int threads = 0;  // 0: every core
  std::function<void(const StacProgress&)> on_progress;  // called from the calling thread
  std::function<bool()> cancelled;                       // polled between frames
};

struct StacResult {
  std::vector<double> qpos;       // (T x nq) fitted poses at the source frame rate
  std::vector<double> offsets;    // (K x 3) fitted marker offsets, body frames, metres
  std::vector<double> residuals;  // (T x K) marker-to-keypoint distances, metres; NaN where missing
  double offset_seconds = 0;      // time in the pose/offset rounds
  double pose_pass_seconds = 0;   // time in the final pose pass
  int threads = 1;
};

absl::StatusOr<StacResult> RunStac(const StacModel& stac, const KeypointData& keypoints, const StacOptions& options);

// Fits marker offsets given poses and keypoints at frames `frames` (closed form, regularised).
std::vector<double> FitOffsets(const StacModel& stac, const KeypointData& keypoints, const std::vector<int>& frames,
                               const std::vector<double>& qpos, const std::vector<double>& previous_offsets);

}  // namespace mimic::preprocess

#endif  // MIMIC_PREPROCESS_STAC_PIPELINE_H_
