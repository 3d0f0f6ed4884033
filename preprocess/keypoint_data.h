// 3D keypoint recordings as loaded from pose-estimation files, before registration.
#ifndef MIMIC_PREPROCESS_KEYPOINT_DATA_H_
#define MIMIC_PREPROCESS_KEYPOINT_DATA_H_

#include <string>
#include <vector>

namespace mimic::preprocess {

struct KeypointData {
  std::vector<std::string> names;  // (K); empty when the file does not name its keypoints
  int num_frames = 0;              // T
  int num_keypoints = 0;           // K
  std::vector<double> xyz;         // (T x K x 3) in the file's units; NaN where missing
  std::vector<double> confidence;  // (T x K), or empty
  std::vector<int64_t> frame_ids;  // (T) source frame numbers (sampleID when present, else 0..T-1)
  double frame_rate = 0;           // frames per second; 0 when the file does not say
  std::string source;              // the file it came from

  double* at(int t, int k) { return xyz.data() + 3 * (static_cast<size_t>(t) * num_keypoints + k); }
  const double* at(int t, int k) const { return xyz.data() + 3 * (static_cast<size_t>(t) * num_keypoints + k); }
};

}  // namespace mimic::preprocess

#endif  // MIMIC_PREPROCESS_KEYPOINT_DATA_H_
