// Building blocks of the learner's networks: running observation normalisation, the
// LayerNorm MLP torso (Acme's LayerNormMLP: Linear → LayerNorm → tanh, then Linear → ELU), and
// the critics (state value for V-trace / V-MPO, state–action Q for MPO).
#ifndef MIMIC_LEARNER_MODULES_H_
#define MIMIC_LEARNER_MODULES_H_

#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace mimic {

using NamedActivations = std::vector<std::pair<std::string, torch::Tensor>>;

// Running mean and variance of observations (Chan et al.'s parallel update, float64 buffers), so
// every network sees inputs of unit scale. Saved with the model as buffers.
class ObsNormalizerImpl : public torch::nn::Module {
 public:
  ObsNormalizerImpl(int size, double clip);
  // Folds the rows of `x` ([..., size]; NaN-free) into the statistics.
  void Update(const torch::Tensor& x);
  // (x − mean) / std, clipped to ±clip; float32 like x.
  torch::Tensor Normalize(const torch::Tensor& x) const;
  double count() const { return count_.item<double>(); }
  int size() const { return size_; }

 private:
  int size_;
  double clip_;
  torch::Tensor count_, mean_, m2_;
};
TORCH_MODULE(ObsNormalizer);

// Linear layers with LayerNorm + tanh after the first and ELU after the rest.
class LayerNormMlpImpl : public torch::nn::Module {
 public:
  LayerNormMlpImpl(int input_size, const std::vector<int>& sizes);
  // Appends "<prefix>/<i>" activations when `activations` is not null.
  torch::Tensor forward(torch::Tensor x, NamedActivations* activations = nullptr,
                        const std::string& prefix = "");
  int output_size() const { return output_size_; }

 private:
  torch::nn::ModuleList linears_;
  torch::nn::LayerNorm norm_{nullptr};
  int output_size_;
};
TORCH_MODULE(LayerNormMlp);

// V(s) over the normalised observation: [..., D] → [...].
class ValueNetImpl : public torch::nn::Module {
 public:
  ValueNetImpl(int obs_size, const std::vector<int>& sizes);
  torch::Tensor forward(const torch::Tensor& obs);

 private:
  LayerNormMlp torso_{nullptr};
  torch::nn::Linear head_{nullptr};
};
TORCH_MODULE(ValueNet);

// Q(s, a) over [normalised observation, action]: ([..., D], [..., A]) → [...].
class QNetImpl : public torch::nn::Module {
 public:
  QNetImpl(int obs_size, int num_actions, const std::vector<int>& sizes);
  torch::Tensor forward(const torch::Tensor& obs, const torch::Tensor& action);

 private:
  LayerNormMlp torso_{nullptr};
  torch::nn::Linear head_{nullptr};
};
TORCH_MODULE(QNet);

}  // namespace mimic

#endif  // MIMIC_LEARNER_MODULES_H_
