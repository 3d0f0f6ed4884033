// The paper's (NPMP) policy: an encoder over [reference window, proprioception] and, by default, the
// previous latent sample → a Gaussian latent q(z_t | z_{t−1}, x_t), KL-regularised toward an AR(1)
// prior; a decoder (2-layer LSTM or MLP) over [latent sample, proprioception] → a Gaussian over
// actions with a tanh-bounded mean. (latent_posterior "independent": q(z_t | x_t).)
//
// Inputs are [T, B, ...] sequences of normalised observations. The latent noise ε (z = μ + σ ε)
// is an input: actors draw it and store it with the unroll, so the learner evaluates exactly the
// conditional policy π(a | s, ε) that acted. Recurrent state (LSTM h, c and the previous latent
// for the prior) is reset wherever first[t, b] is 1.
#ifndef MIMIC_LEARNER_POLICY_NETWORK_H_
#define MIMIC_LEARNER_POLICY_NETWORK_H_

#include <string>
#include <vector>

#include <torch/torch.h>

#include "absl/status/statusor.h"

#include "learner/modules.h"
#include "proto/learner_config.pb.h"

namespace mimic {

// Defaults filled into an incomplete NetworkConfig (empty size lists → track-mjx sizes).
NetworkConfig WithNetworkDefaults(NetworkConfig config, int obs_size);

struct PolicyState {
  std::vector<torch::Tensor> h, c;  // per LSTM layer, [B, H]; empty for the MLP decoder
  torch::Tensor prev_latent;        // [B, L]
  torch::Tensor has_prev;           // [B], 1 when prev_latent belongs to the same episode

  int batch_size() const { return static_cast<int>(has_prev.size(0)); }
  // Row subsets and concatenation, for moving state between unrolls and batches.
  PolicyState Select(const torch::Tensor& rows) const;
  static PolicyState Stack(const std::vector<PolicyState>& states);  // concatenates rows
  std::vector<torch::Tensor> Flatten() const;                         // h..., c..., prev, has_prev
  static PolicyState Unflatten(const std::vector<torch::Tensor>& tensors, int lstm_layers);
  PolicyState Detached() const;
};

struct PolicyOutput {
  torch::Tensor action_mean, action_std;             // [T, B, A]
  torch::Tensor latent_mean, latent_std, latent;     // [T, B, L]
  torch::Tensor latent_kl;                           // [T, B], KL to the AR(1) prior
  NamedActivations activations;                      // [T, B, n] each, when requested
  // The LSTM state after each step, per layer [T, B, H] (empty for the MLP decoder). With
  // `latent` it gives the recurrent state after any step (StateAfterSteps).
  std::vector<torch::Tensor> step_h, step_c;
  PolicyState final_state;
};

// The recurrent state after step index[k][0] of column index[k][1], as K rows (index is [K, 2],
// int64): e.g. to evaluate the policy at a truncated episode's final observation.
PolicyState StateAfterSteps(const PolicyOutput& out, const torch::Tensor& index);

// How the latent noise is structured when sampling z = μ + g · shape(σ) ε (the robustness
// experiment). kStandard: σ as the network outputs it; kUniform: every dimension gets the mean σ
// of that step; kInverted: the σ values are reassigned across dimensions in reverse rank order
// (the most variable dimension becomes the least). Both keep the step's set of σ values, so
// only the structure changes; g (gain) scales all three.
enum class LatentNoiseShape { kStandard, kUniform, kInverted };
absl::StatusOr<LatentNoiseShape> ParseLatentNoiseShape(const std::string& name);
torch::Tensor ShapeLatentStd(const torch::Tensor& latent_std, LatentNoiseShape shape, double gain);

class PolicyNetImpl : public torch::nn::Module {
 public:
  // `config` must be complete (see WithNetworkDefaults).
  PolicyNetImpl(const NetworkConfig& config, int obs_size, int num_actions);

  PolicyState InitialState(int batch_size) const;

  // obs: [T, B, D] normalised; first: [T, B] (0/1); latent_noise: [T, B, L].
  PolicyOutput Forward(const torch::Tensor& obs, const torch::Tensor& first,
                       const PolicyState& state, const torch::Tensor& latent_noise,
                       bool record_activations = false);

  // Names of the activations Forward records, in order.
  std::vector<std::string> LayerNames() const;

  // Changes how sampled latents use σ (default: standard, gain 1). Not saved in checkpoints.
  void SetLatentNoise(LatentNoiseShape shape, double gain) {
    noise_shape_ = shape;
    noise_gain_ = gain;
  }

  int latent_size() const { return latent_size_; }
  // Whether actions depend on earlier steps (an LSTM decoder or the autoregressive latent
  // posterior), so a stored recurrent state can go stale.
  bool is_recurrent() const { return !lstm_.empty() || autoregressive_; }
  bool autoregressive_posterior() const { return autoregressive_; }
  int num_actions() const { return num_actions_; }
  int lstm_layers() const { return static_cast<int>(lstm_.size()); }
  std::vector<int64_t> lstm_hidden_sizes() const {
    std::vector<int64_t> sizes;
    for (const auto& cell : lstm_) sizes.push_back(cell->options.hidden_size());
    return sizes;
  }

 private:
  NetworkConfig config_;
  int obs_size_, num_actions_, latent_size_;
  bool autoregressive_;
  LayerNormMlp encoder_{nullptr};
  torch::nn::Linear latent_head_{nullptr};
  std::vector<torch::nn::LSTMCell> lstm_;
  torch::nn::ModuleList decoder_mlp_{nullptr};  // Linear layers, ELU after each
  torch::nn::Linear action_head_{nullptr};
  double std_bias_;
  LatentNoiseShape noise_shape_ = LatentNoiseShape::kStandard;
  double noise_gain_ = 1.0;
};
TORCH_MODULE(PolicyNet);

}  // namespace mimic

#endif  // MIMIC_LEARNER_POLICY_NETWORK_H_
