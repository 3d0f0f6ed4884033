// N rodent environments stepped together over a thread pool, with results written in place into
// preallocated arrays (row i belongs to environment i).
//
// Episodes start where the batch's StartSampler says (EnvConfig.clip_sampling): adaptive by
// default, learning from this batch's own episode ends which clips and passages fail more.
//
// Auto-reset: when environment i's episode ends during a step, its row of final_observations()
// holds the last observation of that episode, episode_end()[i] says why it ended, and
// observations() already holds the first observation of the next (sampled) episode, whose
// first()[i] is 1. The reward and discount belong to the ended episode's last transition.
//
// Synchronous mode: Step() advances every environment. Asynchronous mode (EnvPool-style):
// Send() hands actions for some environments to the workers and returns at once; Recv() waits
// until `batch_size` environments have finished and returns their ids. An environment may not
// be sent again before it is received. Trajectories depend only on the seed and actions, never on
// the number of threads. Calls must come from one thread.
#ifndef MIMIC_ENVS_BATCHED_ENV_H_
#define MIMIC_ENVS_BATCHED_ENV_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "common/thread_pool.h"
#include "envs/rodent_env.h"
#include "envs/vector_env.h"

namespace mimic {

struct BatchedEnvOptions {
  int num_envs = 1;
  int num_threads = 1;  // including the caller's thread in synchronous mode
  uint64_t seed = 0;
  bool async = false;
  int batch_size = 0;   // async only: environments per Recv (0 = num_envs)

  absl::Status Validate() const;
};

class BatchedEnv : public VectorEnv {
 public:
  static absl::StatusOr<std::unique_ptr<BatchedEnv>> Create(
      std::shared_ptr<const EnvContext> context, const BatchedEnvOptions& options);
  ~BatchedEnv();

  const EnvSpec& spec() const { return context_->spec(); }
  const std::shared_ptr<const EnvContext>& context() const { return context_; }
  int num_envs() const override { return options_.num_envs; }
  int obs_size() const override { return obs_size_; }
  int num_actions() const override { return spec().num_actions; }

  // Synchronous: resets every environment (sampled starts) and fills observations().
  absl::Status Reset() override;
  // Synchronous: `actions` is (num_envs x num_actions), row-major. All actions are checked before
  // any environment moves, so a bad action leaves every environment untouched.
  absl::Status Step(absl::Span<const float> actions) override;

  // Asynchronous: starts a reset of every environment; results arrive through Recv().
  absl::Status AsyncReset();
  // Asynchronous: `actions` is (env_ids.size() x num_actions).
  absl::Status Send(absl::Span<const float> actions, absl::Span<const int> env_ids);
  // Asynchronous: waits for batch_size finished environments; their rows are up to date.
  absl::StatusOr<std::vector<int>> Recv();

  // Result arrays; row i belongs to environment i.
  const float* observations() const override { return observations_.data(); }         // (N x obs)
  const float* final_observations() const override { return final_obs_.data(); }  // (N x obs)
  const float* rewards() const override { return rewards_.data(); }                   // (N)
  const float* discounts() const override { return discounts_.data(); }               // (N)
  const uint8_t* episode_end() const { return episode_end_.data(); }         // (N) EpisodeEnd
  const uint8_t* first() const override { return first_.data(); }                     // (N)
  const int32_t* clip_ids() const { return clip_ids_.data(); }               // (N)
  const int32_t* frames() const { return frames_.data(); }                   // (N)
  const RodentEnv& env(int i) const { return *envs_[i]; }
  const StartSampler& start_sampler() const { return *sampler_; }

 private:
  BatchedEnv(std::shared_ptr<const EnvContext> context, const BatchedEnvOptions& options);
  absl::Status CheckActions(absl::Span<const float> actions, size_t rows) const;
  void StepOne(int i, const float* action);
  void ResetOne(int i);
  void MarkDone(int i);
  // Tells the sampler how the episodes that ended in the last step of `ids` went, in order.
  void RecordEpisodeEnds(absl::Span<const int> ids);
  bool HasBatch() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::shared_ptr<const EnvContext> context_;
  BatchedEnvOptions options_;
  int obs_size_ = 0;
  std::vector<std::unique_ptr<RodentEnv>> envs_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<StartSampler> sampler_;
  // (N) the episode that ended in env i's last step: its clip, start frame, and whether it failed
  std::vector<int32_t> ended_clip_, ended_start_;
  std::vector<uint8_t> ended_failed_;

  std::vector<float> observations_, final_obs_, rewards_, discounts_;
  std::vector<uint8_t> episode_end_, first_;
  std::vector<int32_t> clip_ids_, frames_;
  std::vector<float> pending_actions_;  // async: (N x num_actions), one row per in-flight env

  absl::Mutex mu_;
  std::vector<int> ready_ ABSL_GUARDED_BY(mu_);
  std::vector<uint8_t> in_flight_;  // touched by the calling thread only
};

}  // namespace mimic

#endif  // MIMIC_ENVS_BATCHED_ENV_H_
