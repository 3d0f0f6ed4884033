#include "learner/vtrace.h"

#include <algorithm>
#include <vector>

namespace mimic {

torch::Tensor ClampLogRatio(const torch::Tensor& log_ratio) {
  return log_ratio.clamp(-kMaxLogRatio, kMaxLogRatio);
}

VTraceReturns ComputeVTrace(const torch::Tensor& log_rhos, const torch::Tensor& discounts,
                            const torch::Tensor& rewards, const torch::Tensor& values,
                            const torch::Tensor& next_values, const torch::Tensor& continues,
                            const VTraceOptions& options) {
  torch::NoGradGuard no_grad;
  const int64_t T = log_rhos.size(0);
  torch::Tensor rhos = ClampLogRatio(log_rhos.detach()).exp();
  torch::Tensor clipped_rhos = rhos.clamp_max(options.clip_rho);
  torch::Tensor cs = options.lambda * rhos.clamp_max(options.clip_c);
  torch::Tensor v = values.detach();
  torch::Tensor next = next_values.detach();
  torch::Tensor deltas = clipped_rhos * (rewards + discounts * next - v);

  // acc_t = v_t − V(x_t); the correction of step t+1 carries over only within an episode
  std::vector<torch::Tensor> corrections(T);
  torch::Tensor acc = torch::zeros_like(v[0]);
  for (int64_t t = T - 1; t >= 0; --t) {
    acc = deltas[t] + discounts[t] * continues[t] * cs[t] * acc;
    corrections[t] = acc;
  }
  VTraceReturns out;
  out.vs = torch::stack(corrections, 0) + v;
  // the target of the next state: v_{t+1} inside the episode, else the bootstrap value itself
  torch::Tensor following = torch::cat({out.vs.slice(0, 1), next[T - 1].unsqueeze(0)}, 0);
  torch::Tensor last = torch::zeros_like(continues);
  last[T - 1] = 1;
  torch::Tensor inside = continues * (1 - last);
  torch::Tensor next_vs = inside * following + (1 - inside) * next;
  out.q_estimates = rewards + discounts * next_vs;
  out.pg_advantages = rhos.clamp_max(options.clip_pg_rho) * (out.q_estimates - v);
  return out;
}

torch::Tensor ClippedSurrogateLoss(const torch::Tensor& log_ratio, const torch::Tensor& advantages, double clip) {
  const torch::Tensor ratio = ClampLogRatio(log_ratio).exp();
  const torch::Tensor a = advantages.detach();
  return -torch::min(ratio * a, ratio.clamp(1 - clip, 1 + clip) * a).mean();
}

torch::Tensor NStepTargets(const torch::Tensor& rewards, const torch::Tensor& discounts,
                           const torch::Tensor& next_values, const torch::Tensor& continues, int n) {
  torch::NoGradGuard no_grad;
  const int64_t T = rewards.size(0);
  const torch::Tensor next = next_values.detach();
  std::vector<torch::Tensor> targets(T);
  for (int64_t t = 0; t < T; ++t) {
    const int64_t m = std::min<int64_t>(n, T - t);
    torch::Tensor ret = torch::zeros_like(rewards[t]);
    torch::Tensor scale = torch::ones_like(rewards[t]);
    torch::Tensor alive = torch::ones_like(rewards[t]);  // 0 once this column's sum has bootstrapped
    for (int64_t k = 0; k < m; ++k) {
      const int64_t j = t + k;
      ret = ret + alive * scale * rewards[j];
      // bootstrap at the m-th step or where the episode ends (truncated: V of its final state)
      const torch::Tensor stop = k == m - 1 ? torch::ones_like(alive) : 1 - continues[j];
      ret = ret + alive * stop * scale * discounts[j] * next[j];
      scale = scale * discounts[j];
      alive = alive * (1 - stop);
    }
    targets[t] = ret;
  }
  return torch::stack(targets, 0);
}

}  // namespace mimic
