// V-trace off-policy targets (Espeholt et al. 2018, IMPALA), and n-step targets built on the same
// backward recursion. Inputs are [T, B] time-major; nothing here carries gradients.
#ifndef MIMIC_LEARNER_VTRACE_H_
#define MIMIC_LEARNER_VTRACE_H_

#include <torch/torch.h>

namespace mimic {

// Log importance ratios are clamped to ±kMaxLogRatio before exp: e^20 ≈ 4.9e8 is far past every
// clipping bound that reads a ratio (ρ̄, c̄, 1 ± ε, Retrace's 1), while exp overflows float32 above
// ~88 and an infinite ratio turns losses and gradients into NaN.
constexpr double kMaxLogRatio = 20;
torch::Tensor ClampLogRatio(const torch::Tensor& log_ratio);

struct VTraceOptions {
  double lambda = 1.0;
  double clip_rho = 1.0;     // ρ̄
  double clip_c = 1.0;       // c̄
  double clip_pg_rho = 1.0;  // ρ̄ used in the policy-gradient advantage
};

struct VTraceReturns {
  torch::Tensor vs;             // [T, B] value targets
  torch::Tensor q_estimates;    // [T, B] r_t + γ_t v_{t+1} (v_{t+1}: the next state's target)
  torch::Tensor pg_advantages;  // [T, B] ρ̄_t (q_t − V(x_t))
};

// log_rhos = log π(a_t|x_t) − log μ(a_t|x_t); discounts include γ and are 0 at terminations;
// values = V(x_t); next_values = V of the state transition t led to (V(x_{t+1}), or the value of
// a truncated episode's final observation, or V(x_T) at the unroll's end); continues = 1 where
// step t+1 belongs to step t's episode (the corrections do not run across episode boundaries):
//   δ_t = ρ_t (r_t + γ_t V'_{t+1} − V(x_t)),  v_t − V(x_t) = δ_t + γ_t k_t c_t (v_{t+1} − V(x_{t+1})).
VTraceReturns ComputeVTrace(const torch::Tensor& log_rhos, const torch::Tensor& discounts,
                            const torch::Tensor& rewards, const torch::Tensor& values,
                            const torch::Tensor& next_values, const torch::Tensor& continues,
                            const VTraceOptions& options = {});

// PPO's clipped surrogate, −mean(min(r·A, clip(r, 1 − c, 1 + c)·A)) with r = exp(log_ratio) (the
// log-ratio clamped first): the gradient through r vanishes once r has left [1 − c, 1 + c] in the
// advantage's direction.
torch::Tensor ClippedSurrogateLoss(const torch::Tensor& log_ratio, const torch::Tensor& advantages, double clip);

// n-step bootstrapped targets: y_t = Σ_{k<m} (Π_{j<k} γ_{t+j}) r_{t+k} + (Π_{j<m} γ_{t+j}) V'_{t+m},
// m = min(n, T − t, steps to the episode's end). next_values, continues as in ComputeVTrace.
torch::Tensor NStepTargets(const torch::Tensor& rewards, const torch::Tensor& discounts,
                           const torch::Tensor& next_values, const torch::Tensor& continues, int n);

}  // namespace mimic

#endif  // MIMIC_LEARNER_VTRACE_H_
