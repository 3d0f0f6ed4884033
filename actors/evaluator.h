// The evaluator: runs the newest policy on the evaluation clips whenever the learner has published
// a newer version, and reports what the imitation looks like — deterministically (no latent noise,
// action means): episode lengths (the survival curve), return and reward per step, and tracking
// error in mm for the centre of mass, the tracked bodies and the end effectors; and as the actors
// run it (with its noise): episode length and reward per step. On slow clips an untrained policy
// that does nothing survives deterministically to the clip's end, while its noisy version falls
// within a second; the second measure is the one that shows it learning to stay up.
//
// On the rodent the evaluation is per clip (actors/clip_evaluation): every evaluation clip from
// its first frame, one deterministic episode and stochastic_episodes_per_clip noisy ones, with
// completion and keypoint errors split into training and held-out clips; eval.csv gets the
// aggregates, eval_clips.csv one row per clip and mode.
#ifndef MIMIC_ACTORS_EVALUATOR_H_
#define MIMIC_ACTORS_EVALUATOR_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "actors/clip_evaluation.h"
#include "actors/task_factory.h"
#include "common/grpc_security.h"
#include "common/metrics_server.h"
#include "learner/networks.h"

namespace mimic {

struct TrackingEvaluation {
  int episodes = 0;
  std::vector<int> lengths;  // one per environment (its first episode)
  double mean_length = 0;
  double mean_return = 0;
  double reward_per_step = 0;
  // Mean over every evaluated step; NaN for tasks without a reference (cartpole).
  double com_error_mm = std::nan("");
  double body_error_mm = std::nan("");
  double end_effector_error_mm = std::nan("");
  // the same with the policy's noise on
  double stochastic_mean_length = std::nan("");
  double stochastic_reward_per_step = std::nan("");
  std::vector<int> stochastic_lengths;
  // rodent: the per-clip evaluations the figures above come from
  std::shared_ptr<const PolicyEvaluation> clips, stochastic_clips;
};

// The figures above from per-clip evaluations: lengths are steps before the first termination,
// returns the rewards until then, tracking errors the means over whole clips.
TrackingEvaluation FromClipEvaluations(PolicyEvaluation deterministic, PolicyEvaluation stochastic);

// The states one evaluation episode went through (rodent tasks), for videos of it.
struct EpisodeTrace {
  int env = 0;
  int clip = -1;                // index into the environment's reference library
  std::vector<double> qpos;     // (T x nq) the state after each step
  std::vector<int> frames;      // (T) the reference frame each state was compared with
  double reward_sum = 0;
  int length = 0;               // steps, including the last one (whose state is not kept)
  std::string end;              // why it ended ("" = still going at max_steps)
  double reward_per_step() const { return length > 0 ? reward_sum / length : 0; }
};

// One episode per environment, at most max_steps steps each: the deterministic policy (no latent
// noise, action means), or the policy as actors run it (latent and action noise). With `traces`,
// each rodent episode's states come back too.
absl::StatusOr<TrackingEvaluation> EvaluateTracking(Networks networks, TaskEnvs& envs, uint64_t seed,
                                                    int max_steps, bool deterministic = true,
                                                    std::vector<EpisodeTrace>* traces = nullptr);

struct EvaluatorOptions {
  std::string learner_address;
  double interval_s = 60;       // at most one evaluation this often
  int max_steps = 500;
  uint64_t seed = 7;
  std::string csv_path;         // eval.csv: one row per evaluation
  std::string survival_path;    // survival.csv: version,policy,episode,length
  std::string clips_csv_path;   // eval_clips.csv: one row per clip and mode (rodent)
  int stochastic_episodes_per_clip = 2;
  std::string status_path;
  std::string metrics_address;
  int64_t max_evaluations = 0;  // 0: until stopped
  ClientSecurity security;      // towards the learner
  // Called after each evaluation with its best and worst deterministic episode (by reward per
  // step; the same object when they do not differ), e.g. to render videos of them; an error is
  // logged and evaluation goes on.
  std::function<absl::Status(int64_t version, const EpisodeTrace& best, const EpisodeTrace& worst)> on_episodes;
};

class Evaluator {
 public:
  static absl::StatusOr<std::unique_ptr<Evaluator>> Create(const LearnerConfig& config, TaskEnvs envs,
                                                           const EvaluatorOptions& options);
  absl::Status Run(absl::Notification& stop);
  int64_t evaluations() const { return evaluations_; }

 private:
  Evaluator() = default;
  absl::Status Record(int64_t version, double wall_seconds, const TrackingEvaluation& result);
  absl::StatusOr<TrackingEvaluation> Evaluate(std::vector<EpisodeTrace>* traces);
  void ReportEpisodes(int64_t version, const std::vector<EpisodeTrace>& traces);

  EvaluatorOptions options_;
  TaskEnvs envs_;
  Networks networks_{nullptr};
  int64_t evaluations_ = 0;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<MetricsServer> metrics_server_;
  prometheus::Gauge* version_ = nullptr;
  prometheus::Gauge* length_ = nullptr;
  prometheus::Gauge* noisy_length_ = nullptr;
  prometheus::Gauge* reward_per_step_ = nullptr;
  prometheus::Family<prometheus::Gauge>* tracking_error_ = nullptr;
  prometheus::Family<prometheus::Gauge>* completion_ = nullptr;           // {split, policy}
  prometheus::Family<prometheus::Gauge>* keypoint_error_ = nullptr;       // {split, statistic}
  prometheus::Family<prometheus::Gauge>* clip_completion_ = nullptr;      // {clip, policy}
  prometheus::Family<prometheus::Gauge>* clip_keypoint_error_ = nullptr;  // {clip}
  prometheus::Family<prometheus::Gauge>* keypoint_height_bias_ = nullptr;  // {split}
  prometheus::Family<prometheus::Gauge>* reward_term_ = nullptr;           // {term}
  bool keypoint_note_logged_ = false;
};

}  // namespace mimic

#endif  // MIMIC_ACTORS_EVALUATOR_H_
