// Where training episodes start: adaptive clip and start-frame sampling. Each clip's start frames
// are split into segments of `segment_frames`; each segment keeps a running failure rate of the
// episodes that started in it (terminations, not truncations), and segments are drawn in
// proportion to (start frames in it) x max(failure rate, floor). Clips and passages the policy
// fails more are practised more; `floor` keeps every one in play. With adaptive sampling off,
// every start frame is equally likely.
//
// Thread safety: Sample may be called from many threads at once (environments resetting in a
// pool); Record from one thread at a time. BatchedEnv records episode ends after each parallel
// step in environment order, so trajectories depend only on the seed, never on the threads.
#ifndef MIMIC_ENVS_START_SAMPLER_H_
#define MIMIC_ENVS_START_SAMPLER_H_

#include <random>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "proto/env_config.pb.h"

namespace mimic {

class StartSampler {
 public:
  // start_frames[c] = valid start frames of clip c (frames 0 .. start_frames[c] - 1), each >= 1.
  // The config must have passed ValidateEnvConfig.
  StartSampler(std::vector<int> start_frames, const ClipSamplingConfig& config);

  struct Start {
    int clip = 0;
    int frame = 0;
  };
  Start Sample(std::mt19937_64& rng) const;

  // An episode that started at (clip, frame) ended; failed = it terminated.
  void Record(int clip, int frame, bool failed);

  // The probability of drawing each clip (sums to 1), and of each segment in clip order.
  std::vector<double> ClipWeights() const;
  std::vector<double> SegmentWeights() const;
  int num_segments() const { return static_cast<int>(segments_.size()); }

 private:
  struct Segment {
    int clip = 0;
    int first_frame = 0;
    int frames = 0;
  };
  void RebuildLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ClipSamplingConfig config_;
  int num_clips_ = 0;
  std::vector<Segment> segments_;
  std::vector<int> first_segment_;  // (clips + 1) segment index of each clip's first segment
  mutable absl::Mutex mu_;
  std::vector<double> failure_rate_ ABSL_GUARDED_BY(mu_);  // (segments)
  std::vector<double> cumulative_ ABSL_GUARDED_BY(mu_);    // (segments) running sum of weights
};

}  // namespace mimic

#endif  // MIMIC_ENVS_START_SAMPLER_H_
