// Loading 3D keypoints from the formats labs use:
//   .mat  DANNCE predictions: `pred` (T, 3, K), or the dannce-pytorch layout (T, n, 3, K) with an
//         instance index; optional `sampleID` (T) frame numbers. MATLAB v5 and v7.3 (via matio).
//   .nwb  ndx-pose PoseEstimation: one PoseEstimationSeries group per keypoint with `data` (T, 3),
//         optional `confidence` (T) and `timestamps` (T) (or a `rate` attribute).
//   .h5   SLEAP-anipose: `tracks` (T, 1, K, 3), optional `node_names`.
//   .csv  one row per frame: a header of `<name>_x,<name>_y,<name>_z` triplets, optionally led by a
//         `frame` or `time` column.
// Every loader checks shapes and finiteness of what it reads and names the file and the problem.
// Sizes a file declares are checked against the read limits (common/read_limits.h) before they
// are allocated, and the recording's timing against KeypointLimits: a frame rate read from a file
// sizes every buffer resampled from it later, so an implausible one is refused here.
#ifndef MIMIC_PREPROCESS_KEYPOINT_LOADERS_H_
#define MIMIC_PREPROCESS_KEYPOINT_LOADERS_H_

#include <string>

#include "absl/status/statusor.h"
#include "preprocess/keypoint_data.h"

namespace mimic::preprocess {

// Plausible timing of a keypoint recording.
struct KeypointLimits {
  double min_frame_rate = 1;        // Hz
  double max_frame_rate = 10000;    // Hz
  double max_duration_s = 24 * 3600;
  int64_t max_frames = 10'000'000;
};

struct LoadOptions {
  int instance = 0;  // which animal in multi-instance DANNCE files
  KeypointLimits limits;
};

// Refuses a frame count or a frame rate (when known, > 0) outside `limits`, naming `source`.
absl::Status CheckTiming(const std::string& source, int64_t frames, double frame_rate, const KeypointLimits& limits);

absl::StatusOr<KeypointData> LoadKeypoints(const std::string& path, const LoadOptions& options = {});

absl::StatusOr<KeypointData> LoadDannceMat(const std::string& path, const LoadOptions& options = {});
absl::StatusOr<KeypointData> LoadNwbPose(const std::string& path, const LoadOptions& options = {});
absl::StatusOr<KeypointData> LoadSleapH5(const std::string& path, const LoadOptions& options = {});
absl::StatusOr<KeypointData> LoadKeypointCsv(const std::string& path, const LoadOptions& options = {});
// Parses CSV text (exposed for fuzzing and tests).
absl::StatusOr<KeypointData> ParseKeypointCsv(const std::string& text, const std::string& source,
                                              const LoadOptions& options = {});

}  // namespace mimic::preprocess

#endif  // MIMIC_PREPROCESS_KEYPOINT_LOADERS_H_
