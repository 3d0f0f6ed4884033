// Retrace (Munos et al. 2016, "Safe and efficient off-policy reinforcement learning"): off-policy
// action-value targets whose traces are cut by the importance ratio, c_t = λ·min(1, π(a_t|x_t) /
// μ(a_t|x_t)), so replayed experience from older policies is corrected without the variance of
// full importance weights. Inputs are [T, B] time-major; nothing here carries gradients.
#ifndef MIMIC_LEARNER_RETRACE_H_
#define MIMIC_LEARNER_RETRACE_H_

#include <torch/torch.h>

namespace mimic {

// Trace coefficients c_t = λ·min(1, exp(log_ratio_t)), the log-ratio clamped first (see
// ClampLogRatio) so that exp cannot overflow.
torch::Tensor RetraceCoefficients(const torch::Tensor& log_ratios, double lambda);

// Targets for Q(x_t, a_t):
//   G_t = r_t + γ_t (V'_{t+1} + k_t c_{t+1} (G_{t+1} − Q(x_{t+1}, a_{t+1}))),
//   G_{T−1} = r_{T−1} + γ_{T−1} V'_T,
// where V' (next_values) is E_{a~π} Q of the state transition t led to (a truncated episode's
// final observation where it was cut), k_t (continues) is 1 where step t+1 belongs to step t's
// episode, q_taken[t] = Q(x_t, a_t) and traces[t] = c_t. discounts include γ and are 0 at
// terminations.
torch::Tensor RetraceTargets(const torch::Tensor& rewards, const torch::Tensor& discounts,
                             const torch::Tensor& next_values, const torch::Tensor& continues,
                             const torch::Tensor& q_taken, const torch::Tensor& traces);

}  // namespace mimic

#endif  // MIMIC_LEARNER_RETRACE_H_
