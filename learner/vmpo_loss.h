// V-MPO's policy improvement (Song et al. 2019): keep the top fraction of advantages, weight
// them by exp(A/η) normalised over the kept set with a temperature dual (bound ε_η), and fit the
// policy by weighted maximum likelihood under decoupled KL bounds (α duals) to the old policy.
#ifndef MIMIC_LEARNER_VMPO_LOSS_H_
#define MIMIC_LEARNER_VMPO_LOSS_H_

#include <torch/torch.h>

namespace mimic {

struct VmpoLossOptions {
  double epsilon_temperature = 0.1;
  double epsilon_mean = 0.01;
  double epsilon_std = 1e-4;
  double top_fraction = 0.5;
};

struct VmpoLossOutput {
  torch::Tensor loss;
  torch::Tensor selected;   // [S] 1 for the kept (top) samples
  torch::Tensor weights;    // [S] ψ, zero outside the kept set
  torch::Tensor temperature, alpha_mean, alpha_std;
  torch::Tensor loss_temperature, loss_policy, kl_mean, kl_std;
};

// advantages [S] (no gradient used); actions, online_* and old_* [S, A]; duals as in MPO
// (log_temperature [1], log_alpha_* [1]).
VmpoLossOutput VmpoPolicyLoss(const torch::Tensor& advantages, const torch::Tensor& actions,
                              const torch::Tensor& old_mean, const torch::Tensor& old_std,
                              const torch::Tensor& online_mean, const torch::Tensor& online_std,
                              const torch::Tensor& log_temperature,
                              const torch::Tensor& log_alpha_mean,
                              const torch::Tensor& log_alpha_std, const VmpoLossOptions& options);

}  // namespace mimic

#endif  // MIMIC_LEARNER_VMPO_LOSS_H_
