// The three learning algorithms, each binding the shared networks to its loss on the one batch
// format. An algorithm is a torch module so that its duals and target networks are saved and
// restored with the learner's checkpoint.
#ifndef MIMIC_LEARNER_ALGORITHMS_H_
#define MIMIC_LEARNER_ALGORITHMS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "learner/batch.h"
#include "learner/networks.h"
#include "proto/learner_config.pb.h"

namespace mimic {

struct LossResult {
  torch::Tensor loss;
  std::vector<std::pair<std::string, torch::Tensor>> stats;  // scalars for metrics
  torch::Tensor value_targets;  // [T, B] what the critic was regressed toward (no gradient)
};

class Algorithm : public torch::nn::Module {
 public:
  virtual std::string algorithm_name() const = 0;
  virtual CriticKind critic_kind() const = 0;
  // Builds target networks (if any) as copies of `online`.
  virtual void Init(Networks& online) {}
  virtual LossResult Loss(const Batch& batch, Networks& online, at::Generator& generator) = 0;
  // Lagrange multipliers' raw parameters; they have their own optimiser.
  virtual std::vector<torch::Tensor> Duals() { return {}; }
  virtual void AfterUpdate(int64_t step, Networks& online) {}
};

// The algorithm the config's oneof selects; an error if none is set.
absl::StatusOr<std::shared_ptr<Algorithm>> MakeAlgorithm(const LearnerConfig& config);

// "vtrace", "mpo" or "vmpo" → a config with that algorithm's defaults set.
absl::StatusOr<LearnerConfig> WithAlgorithm(LearnerConfig config, const std::string& name);

}  // namespace mimic

#endif  // MIMIC_LEARNER_ALGORITHMS_H_
