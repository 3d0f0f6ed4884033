#include "preprocess/keypoint_cleaning.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace mimic::preprocess {
namespace {

bool Missing(const double* p) { return std::isnan(p[0]) || std::isnan(p[1]) || std::isnan(p[2]); }

// A rat's keypoints span roughly 5-40 cm in any one frame.
constexpr double kMinPlausibleSpan = 0.02, kMaxPlausibleSpan = 2.0;

}  // namespace

absl::StatusOr<KeypointData> CleanKeypoints(const KeypointData& raw, const StacConfig& config, CleaningReport* report) {
  CleaningReport local;
  CleaningReport& r = report ? *report : local;
  const int k_count = config.keypoints_size();
  // column of the file for each config keypoint
  std::vector<int> column(k_count, -1);
  if (!raw.names.empty()) {
    std::vector<std::string> unknown;
    for (size_t i = 0; i < raw.names.size(); ++i) {
      bool found = false;
      for (int k = 0; k < k_count; ++k) {
        if (config.keypoints(k).name() == raw.names[i]) {
          column[k] = static_cast<int>(i);
          found = true;
        }
      }
      if (!found) unknown.push_back(raw.names[i]);
    }
    std::vector<std::string> absent;
    for (int k = 0; k < k_count; ++k) {
      if (column[k] < 0) absent.push_back(config.keypoints(k).name());
    }
    if (!absent.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(raw.source, ": keypoints ", absl::StrJoin(absent, ", "),
                                                     " of the mapping are not in the file",
                                                     unknown.empty() ? "" : " (the file has unmapped ",
                                                     absl::StrJoin(unknown, ", "), unknown.empty() ? "" : ")"));
    }
  } else {
    if (raw.num_keypoints != k_count) {
      return absl::InvalidArgumentError(absl::StrCat(raw.source, " has ", raw.num_keypoints,
                                                     " unnamed keypoints but the mapping has ", k_count));
    }
    for (int k = 0; k < k_count; ++k) column[k] = k;
  }
  KeypointData d;
  d.source = raw.source;
  d.num_frames = raw.num_frames;
  d.num_keypoints = k_count;
  d.frame_ids = raw.frame_ids;
  d.frame_rate = raw.frame_rate > 0 ? raw.frame_rate : config.frame_rate();
  for (const auto& kp : config.keypoints()) d.names.push_back(kp.name());
  d.xyz.resize(3 * static_cast<size_t>(d.num_frames) * k_count);
  for (int t = 0; t < d.num_frames; ++t) {
    for (int k = 0; k < k_count; ++k) {
      const double* src = raw.at(t, column[k]);
      const bool low = config.confidence_threshold() > 0 && !raw.confidence.empty() &&
                       raw.confidence[static_cast<size_t>(t) * raw.num_keypoints + column[k]] < config.confidence_threshold();
      for (int c = 0; c < 3; ++c) d.at(t, k)[c] = low ? std::nan("") : src[c] * config.unit_scale();
      if (low && !Missing(src)) ++r.masked_low_confidence;
    }
  }
  // linear interpolation over gaps of at most max_gap_frames
  for (int k = 0; k < k_count; ++k) {
    int t = 0;
    while (t < d.num_frames) {
      if (!Missing(d.at(t, k))) {
        ++t;
        continue;
      }
      int end = t;
      while (end < d.num_frames && Missing(d.at(end, k))) ++end;
      const int gap = end - t;
      if (t > 0 && end < d.num_frames && gap <= config.max_gap_frames()) {
        const double* a = d.at(t - 1, k);
        const double* b = d.at(end, k);
        for (int i = t; i < end; ++i) {
          const double w = static_cast<double>(i - t + 1) / (gap + 1);
          for (int c = 0; c < 3; ++c) d.at(i, k)[c] = (1 - w) * a[c] + w * b[c];
          ++r.interpolated;
        }
      }
      t = end;
    }
  }
  // frames with nothing to fit, and the physical scale of what is there
  std::vector<int> empty_frames;
  std::vector<double> spans;
  for (int t = 0; t < d.num_frames; ++t) {
    double lo[3] = {1e300, 1e300, 1e300}, hi[3] = {-1e300, -1e300, -1e300};
    int valid = 0;
    for (int k = 0; k < k_count; ++k) {
      const double* p = d.at(t, k);
      if (Missing(p)) {
        ++r.missing;
        continue;
      }
      ++valid;
      for (int c = 0; c < 3; ++c) {
        lo[c] = std::min(lo[c], p[c]);
        hi[c] = std::max(hi[c], p[c]);
      }
    }
    if (valid == 0) {
      empty_frames.push_back(static_cast<int>(d.frame_ids.empty() ? t : d.frame_ids[t]));
    } else if (valid >= 3) {
      spans.push_back(std::sqrt((hi[0] - lo[0]) * (hi[0] - lo[0]) + (hi[1] - lo[1]) * (hi[1] - lo[1]) +
                                (hi[2] - lo[2]) * (hi[2] - lo[2])));
    }
  }
  if (!empty_frames.empty()) {
    std::vector<int> shown(empty_frames.begin(), empty_frames.begin() + std::min<size_t>(10, empty_frames.size()));
    return absl::InvalidArgumentError(absl::StrCat(raw.source, ": ", empty_frames.size(),
                                                   " frames have no keypoint at all (all NaN beyond the ",
                                                   config.max_gap_frames(), "-frame gap limit), e.g. frames ",
                                                   absl::StrJoin(shown, ", ")));
  }
  if (spans.empty()) return absl::InvalidArgumentError(absl::StrCat(raw.source, ": no frame has 3 or more keypoints"));
  std::nth_element(spans.begin(), spans.begin() + spans.size() / 2, spans.end());
  r.median_span_m = spans[spans.size() / 2];
  if (r.median_span_m < kMinPlausibleSpan || r.median_span_m > kMaxPlausibleSpan) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: after unit_scale %g the keypoints span %.4g m per frame (median), implausible for a rat; are the "
        "values in metres while unit_scale expects millimetres (or the reverse)?",
        raw.source, config.unit_scale(), r.median_span_m));
  }
  return d;
}

}  // namespace mimic::preprocess
