#include "learner/policy_network.h"

#include <cmath>

#include "gtest/gtest.h"
#include "learner/gaussian.h"
#include "learner/small_batch_linear.h"

namespace mimic {
namespace {

constexpr int kObs = 7, kActions = 3;

// "lstm" or "mlp", optionally followed by "/independent" for the q(z_t | x_t) posterior.
NetworkConfig SmallConfig(const std::string& variant) {
  const std::string decoder = variant.substr(0, variant.find('/'));
  NetworkConfig config;
  if (variant.find("/independent") != std::string::npos) config.set_latent_posterior("independent");
  config.add_encoder_sizes(16);
  config.add_encoder_sizes(12);
  config.set_latent_size(4);
  config.set_decoder(decoder);
  config.add_decoder_sizes(10);
  config.add_decoder_sizes(8);
  config.set_proprioception_offset(0);
  config.set_proprioception_size(3);
  return WithNetworkDefaults(config, kObs);
}

class PolicyNetworkTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    torch::manual_seed(3);
    net_ = PolicyNet(SmallConfig(GetParam()), kObs, kActions);
  }
  PolicyNet net_{nullptr};
};

TEST_P(PolicyNetworkTest, ShapesRangesAndNamedActivations) {
  const int T = 5, B = 2;
  torch::Tensor obs = torch::randn({T, B, kObs});
  PolicyOutput out = net_->Forward(obs, torch::zeros({T, B}), net_->InitialState(B),
                                   torch::randn({T, B, 4}), /*record_activations=*/true);
  EXPECT_EQ(out.action_mean.sizes(), (std::vector<int64_t>{T, B, kActions}));
  EXPECT_TRUE((out.action_mean.abs() <= 1).all().item<bool>());  // tanh-bounded
  EXPECT_TRUE((out.action_std > 0).all().item<bool>());
  EXPECT_TRUE((out.latent_std >= 0.01).all().item<bool>());
  EXPECT_TRUE((out.latent_std <= 1.0).all().item<bool>());
  EXPECT_EQ(out.latent_kl.sizes(), (std::vector<int64_t>{T, B}));
  std::vector<std::string> names;
  for (const auto& [name, tensor] : out.activations) {
    names.push_back(name);
    EXPECT_EQ(tensor.size(0), T) << name;
    EXPECT_EQ(tensor.size(1), B) << name;
  }
  EXPECT_EQ(names, net_->LayerNames());
  EXPECT_EQ(names.front(), "encoder/0");
  EXPECT_EQ(names.back(), "action/std");
}

TEST_P(PolicyNetworkTest, CarriedStateEqualsOneLongSequence) {
  const int T = 6, B = 3;
  torch::Tensor obs = torch::randn({T, B, kObs});
  torch::Tensor noise = torch::randn({T, B, 4});
  torch::Tensor first = torch::zeros({T, B});
  PolicyOutput whole = net_->Forward(obs, first, net_->InitialState(B), noise);
  PolicyOutput head = net_->Forward(obs.slice(0, 0, 2), first.slice(0, 0, 2),
                                    net_->InitialState(B), noise.slice(0, 0, 2));
  PolicyOutput tail = net_->Forward(obs.slice(0, 2), first.slice(0, 2), head.final_state,
                                    noise.slice(0, 2));
  EXPECT_TRUE(torch::allclose(whole.action_mean.slice(0, 2), tail.action_mean, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(whole.latent_kl.slice(0, 2), tail.latent_kl, 1e-5, 1e-6));
}

TEST_P(PolicyNetworkTest, EpisodeBoundaryInsideTheUnrollResetsState) {
  const int T = 6, B = 1;
  torch::Tensor obs = torch::randn({T, B, kObs});
  torch::Tensor noise = torch::randn({T, B, 4});
  torch::Tensor first = torch::zeros({T, B});
  first[3][0] = 1;
  // A carried-in state that differs from zero must not leak past the boundary.
  PolicyState warm = net_->Forward(torch::randn({4, B, kObs}), torch::zeros({4, B}),
                                   net_->InitialState(B), torch::randn({4, B, 4}))
                         .final_state;
  PolicyOutput joined = net_->Forward(obs, first, warm, noise);
  PolicyOutput fresh = net_->Forward(obs.slice(0, 3), torch::zeros({3, B}),
                                     net_->InitialState(B), noise.slice(0, 3));
  EXPECT_TRUE(torch::allclose(joined.action_mean.slice(0, 3), fresh.action_mean, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(joined.latent_kl.slice(0, 3), fresh.latent_kl, 1e-5, 1e-6));
}

TEST_P(PolicyNetworkTest, LatentKlFollowsTheAr1Prior) {
  const int B = 1;
  torch::Tensor obs = torch::randn({2, B, kObs});
  torch::Tensor noise = torch::randn({2, B, 4});
  PolicyOutput out = net_->Forward(obs, torch::ones({2, B}) * torch::tensor({1.f, 0.f}).unsqueeze(1),
                                   net_->InitialState(B), noise);
  // Step 0 starts an episode: prior N(0, I).
  torch::Tensor kl0 = GaussianKlPerDim(out.latent_mean[0], out.latent_std[0], torch::zeros({B, 4}),
                                       torch::ones({B, 4})).sum(-1);
  EXPECT_TRUE(torch::allclose(out.latent_kl[0], kl0, 1e-5, 1e-6));
  // Step 1: prior N(α z_0, (1 − α²) I) with α = 0.95.
  const double alpha = 0.95;
  torch::Tensor kl1 = GaussianKlPerDim(out.latent_mean[1], out.latent_std[1], alpha * out.latent[0],
                                       torch::full({B, 4}, std::sqrt(1 - alpha * alpha)))
                          .sum(-1);
  EXPECT_TRUE(torch::allclose(out.latent_kl[1], kl1, 1e-5, 1e-6));
}

// Acting (no gradients, a few rows) goes through the small-batch kernels where the CPU has them:
// the same outputs and carried state as torch's own layers, to float rounding.
TEST_P(PolicyNetworkTest, ActingThroughTheSmallBatchKernelsEqualsTorchsLayers) {
  if (DetectedSmallBatchIsa() == SmallBatchIsa::kNone) GTEST_SKIP() << "no AVX2 or AVX-512 on this CPU";
  torch::NoGradGuard no_grad;
  for (int T : {1, 4}) {
    const int B = 5;
    const torch::Tensor obs = torch::randn({T, B, kObs}), noise = torch::randn({T, B, 4});
    torch::Tensor first = torch::zeros({T, B});
    first[0][1] = 1;
    PolicyState state = net_->InitialState(B);
    for (torch::Tensor& h : state.h) h.normal_();
    for (torch::Tensor& c : state.c) c.normal_();
    ASSERT_TRUE(UsesSmallBatchKernel(obs));
    const PolicyOutput kernel = net_->Forward(obs, first, state, noise);
    SetSmallBatchIsa(SmallBatchIsa::kNone);
    const PolicyOutput reference = net_->Forward(obs, first, state, noise);
    SetSmallBatchIsa(DetectedSmallBatchIsa());
    EXPECT_TRUE(torch::allclose(kernel.action_mean, reference.action_mean, 1e-5, 1e-6)) << T;
    EXPECT_TRUE(torch::allclose(kernel.action_std, reference.action_std, 1e-5, 1e-6)) << T;
    EXPECT_TRUE(torch::allclose(kernel.latent, reference.latent, 1e-5, 1e-6)) << T;
    ASSERT_EQ(kernel.final_state.h.size(), reference.final_state.h.size());
    for (size_t l = 0; l < kernel.final_state.h.size(); ++l) {
      EXPECT_TRUE(torch::allclose(kernel.final_state.h[l], reference.final_state.h[l], 1e-5, 1e-6)) << l;
      EXPECT_TRUE(torch::allclose(kernel.final_state.c[l], reference.final_state.c[l], 1e-5, 1e-6)) << l;
    }
    if (GetParam().rfind("lstm", 0) == 0) {  // the carried LSTM state went through the kernels too
      const PolicyOutput fresh = net_->Forward(obs, first, net_->InitialState(B), noise);
      EXPECT_FALSE(torch::allclose(kernel.action_mean, fresh.action_mean, 1e-3, 1e-4));
    }
  }
}

// The actors' bfloat16 products move a policy's action means by about bfloat16's precision: far
// less than any exploration noise, but not nothing (the products did run in bfloat16).
TEST_P(PolicyNetworkTest, ActingInBfloat16StaysWithinItsPrecisionOfFloat32) {
  if (!CpuHasBf16Products() || DetectedSmallBatchIsa() != SmallBatchIsa::kAvx512) {
    GTEST_SKIP() << "no AVX512_BF16 on this CPU";
  }
  torch::NoGradGuard no_grad;
  const int T = 3, B = 8;
  const torch::Tensor obs = torch::randn({T, B, kObs}), noise = torch::randn({T, B, 4});
  const torch::Tensor first = torch::zeros({T, B});
  const PolicyOutput exact = net_->Forward(obs, first, net_->InitialState(B), noise);
  SetInferencePrecision(InferencePrecision::kBfloat16);
  const PolicyOutput rounded = net_->Forward(obs, first, net_->InitialState(B), noise);
  SetInferencePrecision(InferencePrecision::kFloat32);
  const float diff = (rounded.action_mean - exact.action_mean).abs().max().item<float>();
  EXPECT_LT(diff, 1e-2);
  EXPECT_GT(diff, 0);
  EXPECT_LT((rounded.action_std - exact.action_std).abs().max().item<float>(), 1e-2);
}

INSTANTIATE_TEST_SUITE_P(Decoders, PolicyNetworkTest,
                         ::testing::Values("lstm", "mlp", "lstm/independent", "mlp/independent"));

TEST(LatentPosteriorTest, TheAutoregressivePosteriorReadsThePreviousLatentWithinAnEpisode) {
  torch::manual_seed(4);
  PolicyNet ar(SmallConfig("mlp"), kObs, kActions);
  PolicyNet independent(SmallConfig("mlp/independent"), kObs, kActions);
  EXPECT_TRUE(ar->autoregressive_posterior());
  EXPECT_TRUE(ar->is_recurrent());  // actions depend on the carried latent
  EXPECT_FALSE(independent->is_recurrent());
  const int B = 2;
  torch::Tensor obs = torch::randn({1, B, kObs}), noise = torch::randn({1, B, 4});
  PolicyState a = ar->InitialState(B), b = ar->InitialState(B);
  a.prev_latent = torch::randn({B, 4});
  b.prev_latent = torch::randn({B, 4});
  a.has_prev = b.has_prev = torch::ones({B});
  auto mean = [&](PolicyNet& net, const PolicyState& s, float first) {
    return net->Forward(obs, torch::full({1, B}, first), s, noise).latent_mean;
  };
  // q(z_t | z_{t−1}, x_t): another previous latent, another posterior
  EXPECT_FALSE(torch::allclose(mean(ar, a, 0), mean(ar, b, 0)));
  // at an episode's first step the previous episode's latent is not read
  EXPECT_TRUE(torch::equal(mean(ar, a, 1), mean(ar, b, 1)));
  // q(z_t | x_t) never reads it
  EXPECT_TRUE(torch::equal(mean(independent, a, 0), mean(independent, b, 0)));
}

TEST(LatentNoiseShapeTest, UniformAndInvertedKeepTheValuesAndChangeTheStructure) {
  torch::Tensor std = torch::tensor({{0.1f, 0.5f, 0.3f}});
  EXPECT_TRUE(torch::allclose(ShapeLatentStd(std, LatentNoiseShape::kInverted, 1.0),
                              torch::tensor({{0.5f, 0.1f, 0.3f}})));
  EXPECT_TRUE(torch::allclose(ShapeLatentStd(std, LatentNoiseShape::kUniform, 2.0),
                              torch::tensor({{0.6f, 0.6f, 0.6f}})));
  EXPECT_TRUE(torch::allclose(ShapeLatentStd(std, LatentNoiseShape::kStandard, 0.5), std * 0.5));
  EXPECT_FALSE(ParseLatentNoiseShape("wobbly").ok());
}

TEST(PolicyNetworkDefaultsTest, PaperSizesWhenUnset) {
  NetworkConfig config = WithNetworkDefaults(NetworkConfig(), 900);
  EXPECT_EQ(config.latent_posterior(), "autoregressive");
  EXPECT_TRUE(config.has_latent_posterior());  // written out explicitly
  EXPECT_EQ(config.encoder_sizes_size(), 5);
  EXPECT_EQ(config.encoder_sizes(0), 1024);
  EXPECT_EQ(config.decoder(), "lstm");
  EXPECT_EQ(config.decoder_sizes_size(), 2);
  EXPECT_EQ(config.latent_size(), 60);
  EXPECT_FLOAT_EQ(config.kl_weight(), 1e-4f);
  EXPECT_EQ(config.proprioception_size(), 900);
}

}  // namespace
}  // namespace mimic
