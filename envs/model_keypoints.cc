#include "envs/model_keypoints.h"

#include <cmath>
#include <vector>

namespace mimic {

void ModelKeypoints(const mjData* d, const ClipFeatures& f, double* out) {
  const std::vector<double>& offsets = f.clip.marker_offsets;
  for (size_t k = 0; k < f.marker_body_ids.size(); ++k) {
    const int b = f.marker_body_ids[k];
    mju_rotVecMat(out + 3 * k, offsets.data() + 3 * k, d->xmat + 9 * b);
    for (int c = 0; c < 3; ++c) out[3 * k + c] += d->xpos[3 * b + c];
  }
}

void KeypointOffsets(const mjData* d, const ClipFeatures& f, int frame, double* out) {
  ModelKeypoints(d, f, out);
  const double* real = f.clip.keypoints_at(frame);
  for (size_t i = 0; i < 3 * f.marker_body_ids.size(); ++i) out[i] -= real[i];  // NaN where one is missing
}

void KeypointErrors(const mjData* d, const ClipFeatures& f, int frame, double* out) {
  const int K = static_cast<int>(f.marker_body_ids.size());
  std::vector<double> offsets(3 * static_cast<size_t>(K));
  KeypointOffsets(d, f, frame, offsets.data());
  for (int k = 0; k < K; ++k) {
    const double* e = &offsets[3 * k];
    out[k] = std::sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]);  // NaN propagates from a missing keypoint
  }
}

}  // namespace mimic
