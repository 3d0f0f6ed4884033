// Preparing loaded keypoints for registration: reorder to the config's keypoints, convert units,
// mask low-confidence points, interpolate short gaps, and refuse data that cannot be right
// (implausible scale, frames with nothing left).
#ifndef MIMIC_PREPROCESS_KEYPOINT_CLEANING_H_
#define MIMIC_PREPROCESS_KEYPOINT_CLEANING_H_

#include "absl/status/statusor.h"
#include "preprocess/keypoint_data.h"
#include "proto/stac_config.pb.h"

namespace mimic::preprocess {

struct CleaningReport {
  int masked_low_confidence = 0;  // points
  int interpolated = 0;           // points filled in short gaps
  int missing = 0;                // points still missing (excluded from the fit)
  double median_span_m = 0;       // median per-frame extent of the keypoints, metres
};

// Returns keypoints in metres, in config keypoint order, with the frame rate filled in.
absl::StatusOr<KeypointData> CleanKeypoints(const KeypointData& raw, const StacConfig& config,
                                            CleaningReport* report = nullptr);

}  // namespace mimic::preprocess

#endif  // MIMIC_PREPROCESS_KEYPOINT_CLEANING_H_
