#include "learner/vmpo_loss.h"

#include <algorithm>
#include <cmath>

#include "learner/dual.h"
#include "learner/gaussian.h"

namespace mimic {

VmpoLossOutput VmpoPolicyLoss(const torch::Tensor& advantages, const torch::Tensor& actions,
                              const torch::Tensor& old_mean, const torch::Tensor& old_std,
                              const torch::Tensor& online_mean, const torch::Tensor& online_std,
                              const torch::Tensor& log_temperature,
                              const torch::Tensor& log_alpha_mean,
                              const torch::Tensor& log_alpha_std, const VmpoLossOptions& options) {
  VmpoLossOutput out;
  const int64_t n = advantages.size(0);
  const int64_t k = std::clamp<int64_t>(
      static_cast<int64_t>(std::ceil(options.top_fraction * n)), 1, n);
  out.temperature = DualValue(log_temperature);
  out.alpha_mean = DualValue(log_alpha_mean);
  out.alpha_std = DualValue(log_alpha_std);

  torch::Tensor adv = advantages.detach();
  torch::Tensor top = std::get<1>(adv.topk(k));
  out.selected = torch::zeros_like(adv).index_fill_(0, top, 1.0);
  torch::Tensor top_adv = adv.index_select(0, top);

  // ψ = softmax over the kept set of A/η; L_η = η ε_η + η log( (1/k) Σ_kept exp(A/η) ).
  torch::Tensor tempered = top_adv / out.temperature;
  torch::Tensor psi = torch::softmax(tempered, 0).detach();
  out.weights = torch::zeros_like(adv).index_copy_(0, top, psi);
  out.loss_temperature =
      (out.temperature * (options.epsilon_temperature + torch::logsumexp(tempered, 0) -
                          std::log(static_cast<double>(k))))
          .sum();

  torch::Tensor o_mean = old_mean.detach(), o_std = old_std.detach();
  torch::Tensor top_actions = actions.index_select(0, top);
  torch::Tensor log_prob_mean = GaussianLogProb(online_mean.index_select(0, top),
                                                o_std.index_select(0, top), top_actions);
  torch::Tensor log_prob_std = GaussianLogProb(o_mean.index_select(0, top),
                                               online_std.index_select(0, top), top_actions);
  out.loss_policy = -(psi * log_prob_mean).sum() - (psi * log_prob_std).sum();

  // KL bounds over every state in the batch, summed over action dimensions.
  torch::Tensor kl_mean = GaussianKlPerDim(o_mean, o_std, online_mean, o_std).sum(-1);
  torch::Tensor kl_std = GaussianKlPerDim(o_mean, o_std, o_mean, online_std).sum(-1);
  KlPenalty mean_penalty = KlPenaltyAndDualLoss(kl_mean, out.alpha_mean, options.epsilon_mean);
  KlPenalty std_penalty = KlPenaltyAndDualLoss(kl_std, out.alpha_std, options.epsilon_std);
  out.kl_mean = mean_penalty.mean_kl.detach();
  out.kl_std = std_penalty.mean_kl.detach();
  out.loss = out.loss_policy + mean_penalty.loss_kl + std_penalty.loss_kl +
             mean_penalty.loss_alpha + std_penalty.loss_alpha + out.loss_temperature;
  return out;
}

}  // namespace mimic
