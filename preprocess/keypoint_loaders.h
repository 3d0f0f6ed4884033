// Loading 3D keypoints from the formats labs use:
//   .mat  DANNCE predictions: `pred` (T, 3, K), or the dannce-pytorch layout (T, n, 3, K) with an
//         instance index; optional `sampleID` (T) frame numbers. MATLAB v5 and v7.3 (via matio).
//   .nwb  ndx-pose PoseEstimation: one PoseEstimationSeries group per keypoint with `data` (T, 3),
//         optional `confidence` (T) and `timestamps` (T) (or a `rate` attribute).
//   .h5   SLEAP-anipose: `tracks` (T, 1, K, 3), optional `node_names`.
//   .csv  one row per frame: a header of `<name>_x,<name>_y,<name>_z` triplets, optionally led by a
//         `frame` or `time` column.
// Every loader checks shapes and finiteness of what it reads and names the file and the problem.
#ifndef MIMIC_PREPROCESS_KEYPOINT_LOADERS_H_
#define MIMIC_PREPROCESS_KEYPOINT_LOADERS_H_

#include <string>

#include "absl/status/statusor.h"
#include "preprocess/keypoint_data.h"

namespace mimic::preprocess {

struct LoadOptions {
  int instance = 0;  // which animal in multi-instance DANNCE files
};

absl::StatusOr<KeypointData> LoadKeypoints(const std::string& path, const LoadOptions& options = {});

absl::StatusOr<KeypointData> LoadDannceMat(const std::string& path, const LoadOptions& options = {});
absl::StatusOr<KeypointData> LoadNwbPose(const std::string& path);
absl::StatusOr<KeypointData> LoadSleapH5(const std::string& path);
absl::StatusOr<KeypointData> LoadKeypointCsv(const std::string& path);
// Parses CSV text (exposed for fuzzing and tests).
absl::StatusOr<KeypointData> ParseKeypointCsv(const std::string& text, const std::string& source);

}  // namespace mimic::preprocess

#endif  // MIMIC_PREPROCESS_KEYPOINT_LOADERS_H_
