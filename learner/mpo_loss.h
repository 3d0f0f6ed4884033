// MPO's policy improvement (Abdolmaleki et al. 2018), decoupled as in Acme: a non-parametric
// E-step over N sampled actions per state with a temperature dual (KL bound ε), then a
// weighted maximum-likelihood M-step whose mean and std updates are separately KL-bounded.
#ifndef MIMIC_LEARNER_MPO_LOSS_H_
#define MIMIC_LEARNER_MPO_LOSS_H_

#include <torch/torch.h>

namespace mimic {

struct MpoLossOptions {
  double epsilon = 0.1;
  double epsilon_mean = 0.0025;
  double epsilon_std = 1e-6;
  bool per_dim_constraining = true;
};

struct MpoLossOutput {
  torch::Tensor loss;                 // everything to minimise (policy, KL penalties, duals)
  torch::Tensor weights;              // [N, S] E-step weights (no gradient)
  torch::Tensor temperature, alpha_mean, alpha_std;
  torch::Tensor loss_temperature, loss_policy;
  torch::Tensor kl_mean, kl_std;      // mean over states (and dims)
  torch::Tensor kl_nonparametric;     // KL(weights || uniform), mean over states
};

// q_values [N, S]; sampled_actions [N, S, A] drawn from the target policy;
// target_* and online_* [S, A]. The duals are raw parameters (see DualValue):
// log_temperature [1], log_alpha_mean and log_alpha_std [A] or [1].
MpoLossOutput MpoPolicyLoss(const torch::Tensor& q_values, const torch::Tensor& sampled_actions,
                            const torch::Tensor& target_mean, const torch::Tensor& target_std,
                            const torch::Tensor& online_mean, const torch::Tensor& online_std,
                            const torch::Tensor& log_temperature,
                            const torch::Tensor& log_alpha_mean,
                            const torch::Tensor& log_alpha_std, const MpoLossOptions& options);

}  // namespace mimic

#endif  // MIMIC_LEARNER_MPO_LOSS_H_
