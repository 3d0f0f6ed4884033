#include "envs/start_sampler.h"

#include <algorithm>

namespace mimic {

StartSampler::StartSampler(std::vector<int> start_frames, const ClipSamplingConfig& config)
    : config_(config), num_clips_(static_cast<int>(start_frames.size())) {
  const int length = std::max(1, config.segment_frames());
  for (int c = 0; c < num_clips_; ++c) {
    first_segment_.push_back(static_cast<int>(segments_.size()));
    const int frames = std::max(1, start_frames[c]);
    for (int first = 0; first < frames; first += length) {
      segments_.push_back({c, first, std::min(length, frames - first)});
    }
  }
  first_segment_.push_back(static_cast<int>(segments_.size()));
  absl::MutexLock lock(&mu_);
  failure_rate_.assign(segments_.size(), config.adaptive() ? config.initial_failure_rate() : 1.0);
  RebuildLocked();
}

void StartSampler::RebuildLocked() {
  cumulative_.resize(segments_.size());
  double total = 0;
  for (size_t s = 0; s < segments_.size(); ++s) {
    total += segments_[s].frames * std::max(failure_rate_[s], config_.floor());
    cumulative_[s] = total;
  }
}

StartSampler::Start StartSampler::Sample(std::mt19937_64& rng) const {
  size_t s;
  {
    absl::ReaderMutexLock lock(&mu_);
    const double u = std::uniform_real_distribution<double>(0.0, cumulative_.back())(rng);
    s = std::upper_bound(cumulative_.begin(), cumulative_.end(), u) - cumulative_.begin();
    s = std::min(s, segments_.size() - 1);  // u == total only through rounding
  }
  const Segment& segment = segments_[s];
  const int offset = std::uniform_int_distribution<int>(0, segment.frames - 1)(rng);
  return {segment.clip, segment.first_frame + offset};
}

void StartSampler::Record(int clip, int frame, bool failed) {
  if (!config_.adaptive() || clip < 0 || clip >= num_clips_) return;
  const int length = std::max(1, config_.segment_frames());
  const int s = std::min(first_segment_[clip] + frame / length, first_segment_[clip + 1] - 1);
  absl::MutexLock lock(&mu_);
  failure_rate_[s] += config_.failure_rate_step() * ((failed ? 1.0 : 0.0) - failure_rate_[s]);
  RebuildLocked();
}

std::vector<double> StartSampler::SegmentWeights() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<double> weights(segments_.size());
  double previous = 0;
  for (size_t s = 0; s < segments_.size(); ++s) {
    weights[s] = (cumulative_[s] - previous) / cumulative_.back();
    previous = cumulative_[s];
  }
  return weights;
}

std::vector<double> StartSampler::ClipWeights() const {
  const std::vector<double> segments = SegmentWeights();
  std::vector<double> clips(num_clips_, 0.0);
  for (size_t s = 0; s < segments.size(); ++s) clips[segments_[s].clip] += segments[s];
  return clips;
}

}  // namespace mimic
