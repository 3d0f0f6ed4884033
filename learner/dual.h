// Lagrange multipliers of the MPO family, kept positive as softplus(parameter) + 1e-8 (Acme).
#ifndef MIMIC_LEARNER_DUAL_H_
#define MIMIC_LEARNER_DUAL_H_

#include <torch/torch.h>

namespace mimic {

inline torch::Tensor DualValue(const torch::Tensor& parameter) {
  return torch::softplus(parameter) + 1e-8;
}

// KL penalty and dual loss for a KL bound ε, as in Acme's MPO:
//   loss_kl = Σ sg(α) · mean_batch(KL),  loss_α = Σ α · (ε − sg(mean_batch(KL))).
// kl is [S] or [S, A] (per-dimension constraining); alpha is [1] or [A].
struct KlPenalty {
  torch::Tensor loss_kl, loss_alpha, mean_kl;
};
inline KlPenalty KlPenaltyAndDualLoss(const torch::Tensor& kl, const torch::Tensor& alpha,
                                      double epsilon) {
  KlPenalty out;
  out.mean_kl = kl.mean(0);
  out.loss_kl = (alpha.detach() * out.mean_kl).sum();
  out.loss_alpha = (alpha * (epsilon - out.mean_kl.detach())).sum();
  return out;
}

}  // namespace mimic

#endif  // MIMIC_LEARNER_DUAL_H_
