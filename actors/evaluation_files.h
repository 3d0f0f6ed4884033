// The evaluator's per-clip results as CSV rows (RUN/eval_clips.csv; benchmarks write the same
// format): one row per clip and policy mode, with completion, the keypoint error (and its
// vertical bias and horizontal part), body, end-effector, centre-of-mass and joint errors, the
// reward's terms, and the median keypoint error per body part.
#ifndef MIMIC_ACTORS_EVALUATION_FILES_H_
#define MIMIC_ACTORS_EVALUATION_FILES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "actors/clip_evaluation.h"

namespace mimic {

// One evaluation of one policy, labelled for the rows.
struct LabelledEvaluation {
  std::string policy;              // "deterministic", "stochastic", "untrained", ...
  const PolicyEvaluation* result = nullptr;
  int episodes_per_clip = 1;
};

// Appends one row per clip of each evaluation to `path` (writing the header first when the file
// is new: wall_s,version,clip,clip_id,split,policy,episodes,completion,resets,reward_per_step,
// keypoint_error_mm,keypoint_error_median_mm,keypoint_height_bias_mm,keypoint_horizontal_error_mm,
// body_error_mm,end_effector_error_mm,com_error_mm,joint_error_rad, then reward_<term> for every
// term of the reward, then keypoint_error_median_mm_<part> for every body part). Rows follow an
// existing file's columns; a file whose header this version does not write (an older run's) is
// kept as PATH.old (or PATH.old.N) and a new file begun, so no row lands under the wrong column.
absl::Status AppendClipRows(const std::string& path, double wall_s, int64_t version,
                            const std::vector<LabelledEvaluation>& evaluations);

// The episodes of each clip, grouped (evaluations hold episodes_per_clip consecutive episodes per clip).
std::vector<std::vector<const ClipEpisode*>> EpisodesByClip(const PolicyEvaluation& result, int episodes_per_clip);

}  // namespace mimic

#endif  // MIMIC_ACTORS_EVALUATION_FILES_H_
