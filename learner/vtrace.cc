#include "learner/vtrace.h"

#include <algorithm>
#include <vector>

namespace mimic {

VTraceReturns ComputeVTrace(const torch::Tensor& log_rhos, const torch::Tensor& discounts,
                            const torch::Tensor& rewards, const torch::Tensor& values,
                            const torch::Tensor& bootstrap, const VTraceOptions& options) {
  torch::NoGradGuard no_grad;
  const int64_t T = log_rhos.size(0);
  torch::Tensor rhos = log_rhos.detach().exp();
  torch::Tensor clipped_rhos = rhos.clamp_max(options.clip_rho);
  torch::Tensor cs = options.lambda * rhos.clamp_max(options.clip_c);
  torch::Tensor v = values.detach();
  torch::Tensor next_values = torch::cat({v.slice(0, 1), bootstrap.detach().unsqueeze(0)}, 0);
  torch::Tensor deltas = clipped_rhos * (rewards + discounts * next_values - v);

  std::vector<torch::Tensor> corrections(T);
  torch::Tensor acc = torch::zeros_like(bootstrap);
  for (int64_t t = T - 1; t >= 0; --t) {
    acc = deltas[t] + discounts[t] * cs[t] * acc;
    corrections[t] = acc;
  }
  VTraceReturns out;
  out.vs = torch::stack(corrections, 0) + v;
  torch::Tensor next_vs = torch::cat({out.vs.slice(0, 1), bootstrap.detach().unsqueeze(0)}, 0);
  out.pg_advantages =
      rhos.clamp_max(options.clip_pg_rho) * (rewards + discounts * next_vs - v);
  return out;
}

torch::Tensor ClippedSurrogateLoss(const torch::Tensor& log_ratio, const torch::Tensor& advantages, double clip) {
  const torch::Tensor ratio = log_ratio.exp();
  const torch::Tensor a = advantages.detach();
  return -torch::min(ratio * a, ratio.clamp(1 - clip, 1 + clip) * a).mean();
}

torch::Tensor NStepTargets(const torch::Tensor& rewards, const torch::Tensor& discounts,
                           const torch::Tensor& values, int n) {
  torch::NoGradGuard no_grad;
  const int64_t T = rewards.size(0);
  std::vector<torch::Tensor> targets(T);
  for (int64_t t = 0; t < T; ++t) {
    const int64_t m = std::min<int64_t>(n, T - t);
    torch::Tensor ret = torch::zeros_like(rewards[t]);
    torch::Tensor scale = torch::ones_like(rewards[t]);
    for (int64_t k = 0; k < m; ++k) {
      ret = ret + scale * rewards[t + k];
      scale = scale * discounts[t + k];
    }
    targets[t] = ret + scale * values[t + m].detach();
  }
  return torch::stack(targets, 0);
}

}  // namespace mimic
