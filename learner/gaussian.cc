#include "learner/gaussian.h"

#include <cmath>

namespace mimic {

torch::Tensor GaussianLogProb(const torch::Tensor& mean, const torch::Tensor& std,
                              const torch::Tensor& x) {
  const double log_sqrt_2pi = 0.5 * std::log(2 * M_PI);
  torch::Tensor z = (x - mean) / std;
  return (-0.5 * z * z - std.log() - log_sqrt_2pi).sum(-1);
}

torch::Tensor GaussianEntropy(const torch::Tensor& std) {
  const double half_log_2pi_e = 0.5 * std::log(2 * M_PI * M_E);
  return (std.log() + half_log_2pi_e).sum(-1);
}

torch::Tensor GaussianKlPerDim(const torch::Tensor& mean_p, const torch::Tensor& std_p,
                               const torch::Tensor& mean_q, const torch::Tensor& std_q) {
  torch::Tensor var_q = std_q * std_q;
  torch::Tensor diff = mean_p - mean_q;
  return (std_q / std_p).log() + (std_p * std_p + diff * diff) / (2 * var_q) - 0.5;
}

torch::Tensor StandardNormalLike(const torch::Tensor& like, at::Generator& generator) {
  return torch::empty_like(like).normal_(0.0, 1.0, generator);
}

}  // namespace mimic
