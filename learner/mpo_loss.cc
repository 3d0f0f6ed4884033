#include "learner/mpo_loss.h"

#include <cmath>

#include "learner/dual.h"
#include "learner/gaussian.h"

namespace mimic {

MpoLossOutput MpoPolicyLoss(const torch::Tensor& q_values, const torch::Tensor& sampled_actions,
                            const torch::Tensor& target_mean, const torch::Tensor& target_std,
                            const torch::Tensor& online_mean, const torch::Tensor& online_std,
                            const torch::Tensor& log_temperature,
                            const torch::Tensor& log_alpha_mean,
                            const torch::Tensor& log_alpha_std, const MpoLossOptions& options) {
  MpoLossOutput out;
  const int64_t num_samples = q_values.size(0);
  out.temperature = DualValue(log_temperature);
  out.alpha_mean = DualValue(log_alpha_mean);
  out.alpha_std = DualValue(log_alpha_std);

  // E-step: q(a|s) ∝ π_target(a|s) exp(Q(s,a)/η); the temperature's dual is
  //   η ε + η · mean_s log( (1/N) Σ_j exp(Q_j/η) ).
  torch::Tensor tempered = q_values.detach() / out.temperature;
  out.weights = torch::softmax(tempered, 0).detach();
  torch::Tensor logsumexp = torch::logsumexp(tempered, 0);
  out.loss_temperature =
      (out.temperature * (options.epsilon + logsumexp.mean() - std::log(num_samples))).sum();
  out.kl_nonparametric =
      (out.weights * (out.weights * num_samples + 1e-12).log()).sum(0).mean().detach();

  // M-step, decoupled: the mean is fitted with the target std and vice versa.
  torch::Tensor t_mean = target_mean.detach(), t_std = target_std.detach();
  torch::Tensor log_prob_mean = GaussianLogProb(online_mean.unsqueeze(0), t_std.unsqueeze(0),
                                                sampled_actions);  // [N, S]
  torch::Tensor log_prob_std = GaussianLogProb(t_mean.unsqueeze(0), online_std.unsqueeze(0),
                                               sampled_actions);
  torch::Tensor loss_policy_mean = -(out.weights * log_prob_mean).sum(0).mean();
  torch::Tensor loss_policy_std = -(out.weights * log_prob_std).sum(0).mean();
  out.loss_policy = loss_policy_mean + loss_policy_std;

  torch::Tensor kl_mean = GaussianKlPerDim(t_mean, t_std, online_mean, t_std);  // [S, A]
  torch::Tensor kl_std = GaussianKlPerDim(t_mean, t_std, t_mean, online_std);
  if (!options.per_dim_constraining) {
    kl_mean = kl_mean.sum(-1);
    kl_std = kl_std.sum(-1);
  }
  KlPenalty mean_penalty = KlPenaltyAndDualLoss(kl_mean, out.alpha_mean, options.epsilon_mean);
  KlPenalty std_penalty = KlPenaltyAndDualLoss(kl_std, out.alpha_std, options.epsilon_std);
  out.kl_mean = mean_penalty.mean_kl.mean().detach();
  out.kl_std = std_penalty.mean_kl.mean().detach();

  out.loss = out.loss_policy + mean_penalty.loss_kl + std_penalty.loss_kl +
             mean_penalty.loss_alpha + std_penalty.loss_alpha + out.loss_temperature;
  return out;
}

}  // namespace mimic
