// The learning core in one process: takes batches, updates the networks with the configured
// algorithm, reports metrics, and writes and restores exact checkpoints. The distributed
// runtime wraps this; nothing here touches the network.
#ifndef MIMIC_LEARNER_LEARNER_H_
#define MIMIC_LEARNER_LEARNER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "learner/algorithms.h"
#include "learner/batch.h"
#include "learner/networks.h"
#include "proto/learner_config.pb.h"

namespace mimic {

struct LearnerMetrics {
  int64_t step = 0;
  std::vector<std::pair<std::string, double>> values;  // loss, grad norms, duals, …
  double Get(const std::string& name) const;           // NaN when absent
};

class Learner {
 public:
  static absl::StatusOr<std::unique_ptr<Learner>> Create(const LearnerConfig& config,
                                                         int obs_size, int num_actions);
  ~Learner();

  // The learner a checkpoint directory holds: its learner_config.pbtxt (written with every
  // checkpoint) and the newest checkpoint, restored.
  static absl::StatusOr<std::unique_ptr<Learner>> FromCheckpointDir(const std::string& dir,
                                                                    int obs_size, int num_actions);

  // One gradient step on `batch`. A malformed batch is INVALID_ARGUMENT; a batch whose loss or
  // gradients come out non-finite is refused with ABORTED before anything moves (parameters,
  // optimiser moments, duals, targets, RNG and step stay as they were) and counted in
  // refused_updates(). Either way nothing changes.
  absl::StatusOr<LearnerMetrics> Update(const Batch& batch);
  // Updates refused for non-finite losses or gradients since this learner was created.
  int64_t refused_updates() const;
  // The algorithm's Lagrange multipliers (raw parameters; empty for V-trace).
  std::vector<torch::Tensor> duals();

  // Writes ckpt-<step>.pt into `dir` atomically and prunes old ones (and learner_config.pbtxt
  // beside them); returns its path.
  absl::StatusOr<std::string> SaveCheckpoint(const std::string& dir);
  // Restores everything (networks, optimiser moments, duals, targets, RNG, step). A corrupt or
  // incompatible file is an error and leaves this learner untouched.
  absl::Status RestoreCheckpoint(const std::string& path);

  // The networks updates change (on device()).
  Networks& networks();
  // The same networks on the CPU, for acting and recording; the very same object when device()
  // is the CPU, else a copy refreshed after every update and restore.
  Networks& acting_networks();
  int64_t step() const;
  const LearnerConfig& config() const { return config_; }
  const std::string& algorithm_name() const { return algorithm_name_; }
  torch::Device device() const { return device_; }
  // Describes what a checkpoint must match: algorithm, sizes and network layout.
  std::string Signature() const;

 private:
  struct State;
  Learner(const LearnerConfig& config, int obs_size, int num_actions, torch::Device device);
  void RefreshActingNetworks();
  // Sets the policy and critic optimiser rates for the next update from the decay (the base
  // rates without one); returns the policy's.
  double ScheduleLearningRates();
  absl::Status Init();

  LearnerConfig config_;
  int obs_size_, num_actions_;
  std::string algorithm_name_;
  torch::Device device_;
  std::unique_ptr<State> state_;
};

}  // namespace mimic

#endif  // MIMIC_LEARNER_LEARNER_H_
