// Diagonal Gaussian helpers shared by the policy and the losses. The last dimension is the
// action (or latent) dimension; "PerDim" results keep it, the others sum over it.
#ifndef MIMIC_LEARNER_GAUSSIAN_H_
#define MIMIC_LEARNER_GAUSSIAN_H_

#include <torch/torch.h>

namespace mimic {

// log N(x; mean, std), summed over the last dimension.
torch::Tensor GaussianLogProb(const torch::Tensor& mean, const torch::Tensor& std,
                              const torch::Tensor& x);

// Differential entropy, summed over the last dimension.
torch::Tensor GaussianEntropy(const torch::Tensor& std);

// KL(p || q) per dimension: log(sq/sp) + (sp² + (mp − mq)²) / (2 sq²) − ½.
torch::Tensor GaussianKlPerDim(const torch::Tensor& mean_p, const torch::Tensor& std_p,
                               const torch::Tensor& mean_q, const torch::Tensor& std_q);

// A standard normal sample shaped like `like`, drawn from `generator` (reproducible).
torch::Tensor StandardNormalLike(const torch::Tensor& like, at::Generator& generator);

}  // namespace mimic

#endif  // MIMIC_LEARNER_GAUSSIAN_H_
