#include "learner/retrace.h"

#include <vector>

#include "learner/vtrace.h"

namespace mimic {

torch::Tensor RetraceCoefficients(const torch::Tensor& log_ratios, double lambda) {
  torch::NoGradGuard no_grad;
  return lambda * ClampLogRatio(log_ratios.detach()).exp().clamp_max(1.0);
}

torch::Tensor RetraceTargets(const torch::Tensor& rewards, const torch::Tensor& discounts,
                             const torch::Tensor& next_values, const torch::Tensor& continues,
                             const torch::Tensor& q_taken, const torch::Tensor& traces) {
  torch::NoGradGuard no_grad;
  const int64_t T = rewards.size(0);
  const torch::Tensor next = next_values.detach(), q = q_taken.detach(), c = traces.detach();
  std::vector<torch::Tensor> targets(T);
  torch::Tensor following = rewards[T - 1] + discounts[T - 1] * next[T - 1];
  targets[T - 1] = following;
  for (int64_t t = T - 2; t >= 0; --t) {
    following = rewards[t] + discounts[t] * (next[t] + continues[t] * c[t + 1] * (following - q[t + 1]));
    targets[t] = following;
  }
  return torch::stack(targets, 0);
}

}  // namespace mimic
