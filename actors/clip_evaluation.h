// Imitation measured per clip, the way the paper reports it: a policy plays every evaluation clip
// from its first frame (deterministically, or with its own noise), and for each clip we record
// the fraction completed before the first termination and, over the whole clip, the keypoint
// error in mm between the model's keypoints (the STAC markers on the simulated bodies) and the
// real rat's (mean, median and per body part, as paper Fig. 2), with the tracked-body,
// end-effector, centre-of-mass and joint-angle errors.
//
// After a termination the body is put back on the reference at the frame reached and the clip
// goes on (as the rollout recorder and the authors' rollouts do), so errors always cover every
// frame and compare fairly between a policy that falls early and one that does not; `resets`
// counts those terminations.
#ifndef MIMIC_ACTORS_CLIP_EVALUATION_H_
#define MIMIC_ACTORS_CLIP_EVALUATION_H_

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "envs/env_context.h"
#include "learner/networks.h"

namespace mimic {

struct ClipEvaluationOptions {
  bool deterministic = true;  // false: the policy's latent and action noise, as actors run it
  int episodes_per_clip = 1;  // independent episodes per clip (noise draws differ)
  int max_steps = 0;          // per clip; 0 = the whole clip
  uint64_t seed = 0;
  int threads = 1;            // environment stepping threads
  // Keep each episode's states (qpos after each step, up to this many steps of its first
  // episode, i.e. until the first termination), e.g. for videos of it; 0 = none.
  int trace_steps = 0;

  absl::Status Validate() const;
};

// One episode over one clip.
struct ClipEpisode {
  std::string clip;
  int clip_id = 0;       // index in the clips file
  bool held_out = false;
  int horizon = 0;       // steps the clip offers (its frames - 1, at most max_steps)
  int steps_before_failure = 0;  // until the first termination, or the horizon
  double completion = 0;         // steps_before_failure / horizon
  int resets = 0;                // terminations over the clip
  double first_episode_return = 0;  // rewards before the first termination
  double reward_per_step = 0;       // over every step of the clip
  // means over every step, NaN where not available
  double com_error_mm = std::nan(""), body_error_mm = std::nan(""), end_effector_error_mm = std::nan(""),
         joint_error_rad = std::nan("");
  // where the keypoint error points, over every (step, keypoint): the mean of model - real height
  // (negative: the model's keypoints sit lower) and the mean horizontal distance, in mm
  double keypoint_height_bias_mm = std::nan(""), keypoint_horizontal_error_mm = std::nan("");
  // the mean per step of each term of the reward (RewardTermFields of the task's preset; costs
  // as positive amounts), over every step of the clip
  std::map<std::string, double> reward_terms;
  // every (step, keypoint) distance in mm (missing real keypoints skipped), and by body part
  std::vector<float> keypoint_errors_mm;
  std::map<std::string, std::vector<float>> keypoint_errors_mm_by_part;
  std::string keypoint_note;  // why there are no keypoint errors, or ""
  // with options.trace_steps: the states of the first episode (T x nq, after each step), the
  // reference frame each was compared with, and why that episode ended ("" = it did not)
  std::vector<double> trace_qpos;
  std::vector<int> trace_frames;
  std::string trace_end;
};

// Aggregates over a set of episodes (clips of a split).
struct ImitationSummary {
  int episodes = 0;
  double completion = std::nan("");             // mean over episodes
  double keypoint_error_mm = std::nan("");      // mean over every (step, keypoint)
  double keypoint_error_median_mm = std::nan("");
  std::map<std::string, double> keypoint_error_median_mm_by_part;
  // over every (step, keypoint), as ClipEpisode's
  double keypoint_height_bias_mm = std::nan(""), keypoint_horizontal_error_mm = std::nan("");
  std::map<std::string, double> reward_terms;  // mean over episodes, as reward_per_step
  double body_error_mm = std::nan(""), end_effector_error_mm = std::nan(""), com_error_mm = std::nan(""),
         joint_error_rad = std::nan(""), reward_per_step = std::nan("");
  std::string keypoint_note;  // the first episode's reason when keypoint errors are missing
};

struct PolicyEvaluation {
  std::vector<ClipEpisode> episodes;  // clip-major: every episode of clip 0, then clip 1, ...
  ImitationSummary train, held_out, all;
};

// What chooses the actions: given every row's observation (rows x obs), first flag (1 at an
// episode's first step) and current frame, writes actions (rows x num_actions). Rows are
// episodes, clip-major (episodes_per_clip rows per clip).
using ActionFn = std::function<void(const std::vector<float>& obs, const std::vector<float>& first,
                                    const std::vector<int>& frames, std::vector<float>* actions)>;

absl::StatusOr<PolicyEvaluation> EvaluateClipsWith(const ActionFn& act, const EnvContext& context,
                                                   const std::vector<int>& clip_ids,
                                                   const std::vector<bool>& held_out,
                                                   const ClipEvaluationOptions& options);

// Plays `networks` over every clip of `context` (clip_ids[c] and held_out[c] describe library
// clip c; empty = file indices 0.. and nothing held out).
absl::StatusOr<PolicyEvaluation> EvaluateClips(Networks networks, const EnvContext& context,
                                               const std::vector<int>& clip_ids, const std::vector<bool>& held_out,
                                               const ClipEvaluationOptions& options);

ImitationSummary Summarize(const std::vector<const ClipEpisode*>& episodes);

// The median of the finite values (NaN when there are none).
double Median(std::vector<float> values);

}  // namespace mimic

#endif  // MIMIC_ACTORS_CLIP_EVALUATION_H_
