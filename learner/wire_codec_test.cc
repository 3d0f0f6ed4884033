#include "learner/wire_codec.h"

#include <gtest/gtest.h>

#include "learner/policy_actor.h"
#include "learner/small_batch_linear.h"
#include "learner/test_batches.h"

namespace mimic {
namespace {

constexpr int kObs = 6, kActions = 2;

std::unique_ptr<Learner> MakeLearner(const std::string& decoder = "lstm") {
  return Learner::Create(TinyConfig("vmpo", decoder), kObs, kActions).value();
}

TEST(WireCodecTest, SplitThenStackGivesTheBatchBack) {
  auto learner = MakeLearner();
  Batch batch = RandomBatch(*learner, 5, 3, kObs, kActions, 1);
  batch.initial_state.h[0] = torch::randn_like(batch.initial_state.h[0]);
  UnrollOrigin origin;
  origin.policy_version = 42;
  origin.actor_id = 7;
  origin.clip_ids = {0, 1, 2};
  origin.first_frames = {10, 20, 30};
  std::vector<Unroll> unrolls = SplitBatch(batch, origin);
  ASSERT_EQ(unrolls.size(), 3u);
  EXPECT_EQ(unrolls[2].policy_version(), 42);
  EXPECT_EQ(unrolls[2].actor_id(), 7);
  EXPECT_EQ(unrolls[2].env_id(), 2);
  EXPECT_EQ(unrolls[1].clip_id(), 1);
  EXPECT_EQ(unrolls[1].first_frame(), 20);
  EXPECT_EQ(unrolls[0].tensors().at("observation").shape(0), 6);  // T+1
  EXPECT_EQ(unrolls[0].tensors().at("action").shape(0), 5);

  // reversed order: column b of the stack is unroll b
  std::vector<const Unroll*> pointers = {&unrolls[2], &unrolls[1], &unrolls[0]};
  Batch stacked = StackUnrolls(pointers, 2).value();
  EXPECT_TRUE(torch::equal(stacked.observations.select(1, 0), batch.observations.select(1, 2)));
  EXPECT_TRUE(torch::equal(stacked.actions.select(1, 2), batch.actions.select(1, 0)));
  EXPECT_TRUE(torch::equal(stacked.latent_noise.select(1, 1), batch.latent_noise.select(1, 1)));
  EXPECT_TRUE(torch::equal(stacked.initial_state.h[0][0], batch.initial_state.h[0][2]));
  EXPECT_TRUE(torch::equal(stacked.initial_state.has_prev, batch.initial_state.has_prev.flip(0)));
  ASSERT_GT(TruncatedSteps(batch).sum().item<float>(), 0) << "the random batch should truncate an episode";
  EXPECT_TRUE(torch::equal(stacked.final_observations, batch.final_observations.flip(1)));
  // only the truncated steps' final observations travel
  for (int b = 0; b < 3; ++b) {
    EXPECT_EQ(unrolls[b].tensors().at("final_observation").shape(0), TruncatedSteps(batch).select(1, b).sum().item<float>());
  }
  // and the learner accepts it
  EXPECT_TRUE(learner->Update(stacked).ok());
}

TEST(WireCodecTest, StackRefusesMissingAndMismatchedTensorsByName) {
  auto learner = MakeLearner();
  std::vector<Unroll> unrolls = SplitBatch(RandomBatch(*learner, 4, 2, kObs, kActions, 2), {});
  Unroll missing = unrolls[1];
  missing.mutable_tensors()->erase("reward");
  auto result = StackUnrolls({&unrolls[0], &missing}, 2);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("'reward'"), std::string::npos) << result.status();

  std::vector<Unroll> longer = SplitBatch(RandomBatch(*learner, 6, 1, kObs, kActions, 3), {});
  result = StackUnrolls({&unrolls[0], &longer[0]}, 2);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("shape"), std::string::npos) << result.status();

  // final observations must match the unroll's truncated episode ends
  Unroll extra = unrolls[0];
  (*extra.mutable_tensors())["final_observation"] = TensorToProto(torch::zeros({7, kObs}));
  result = StackUnrolls({&extra}, 2);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("'final_observation'"), std::string::npos) << result.status();
  EXPECT_NE(result.status().message().find("truncated"), std::string::npos) << result.status();

  Unroll corrupt = unrolls[0];
  (*corrupt.mutable_tensors())["action"].mutable_data()->resize(3);
  EXPECT_FALSE(StackUnrolls({&corrupt}, 2).ok());

  // an MLP-decoder reader expects no LSTM state; an LSTM reader needs it
  std::vector<Unroll> mlp = SplitBatch(RandomBatch(*MakeLearner("mlp"), 4, 1, kObs, kActions, 4), {});
  result = StackUnrolls({&mlp[0]}, 2);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("state/h0"), std::string::npos) << result.status();
}

TEST(WireCodecTest, ParametersMoveTheActingPolicyExactly) {
  auto source = MakeLearner();
  auto target = MakeLearner();
  // make them differ: train the source and feed its normaliser
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(source->Update(RandomBatch(*source, 4, 2, kObs, kActions, 10 + i)).ok());
  const TensorMap wire = PolicyParametersToProto(*source->networks());
  EXPECT_EQ(wire.tensors().count("normalizer.mean"), 1u);
  for (const auto& [name, unused] : wire.tensors()) EXPECT_EQ(name.rfind("value", 0), std::string::npos) << name;

  torch::NoGradGuard no_grad;
  torch::Tensor obs = torch::randn({3, kObs});
  auto act = [&](Learner& l) {
    PolicyActor actor(l.networks(), 3, 5, /*deterministic=*/true);
    return actor.Act(obs, torch::ones({3})).mean;
  };
  ASSERT_FALSE(torch::allclose(act(*source), act(*target)));
  ASSERT_TRUE(LoadPolicyParameters(wire, *target->networks()).ok());
  EXPECT_TRUE(torch::equal(act(*source), act(*target)));
}

TEST(WireCodecTest, BadParametersChangeNothing) {
  auto source = MakeLearner();
  auto target = MakeLearner();
  ASSERT_TRUE(source->Update(RandomBatch(*source, 4, 2, kObs, kActions, 1)).ok());
  const torch::Tensor before = target->networks()->policy->parameters()[0].clone();

  TensorMap wire = PolicyParametersToProto(*source->networks());
  TensorMap wrong_shape = wire;
  (*wrong_shape.mutable_tensors())["normalizer.mean"] = TensorToProto(torch::zeros({kObs + 1}));
  absl::Status status = LoadPolicyParameters(wrong_shape, *target->networks());
  EXPECT_NE(status.message().find("normalizer.mean"), std::string::npos) << status;

  TensorMap unknown = wire;
  (*unknown.mutable_tensors())["policy.extra"] = TensorToProto(torch::zeros({1}));
  status = LoadPolicyParameters(unknown, *target->networks());
  EXPECT_NE(status.message().find("policy.extra"), std::string::npos) << status;

  TensorMap missing = wire;
  missing.mutable_tensors()->erase("normalizer.mean");
  EXPECT_FALSE(LoadPolicyParameters(missing, *target->networks()).ok());
  EXPECT_TRUE(torch::equal(before, target->networks()->policy->parameters()[0]));
}

}  // namespace
}  // namespace mimic

namespace mimic {
namespace {

TEST(PolicyActorTest, InferenceSplitAcrossThreadsActsLikeOneThread) {
  auto learner = Learner::Create(TinyConfig("vmpo"), kObs, kActions).value();
  constexpr int kEnvs = 7;  // uneven shards
  PolicyActor one(learner->networks(), kEnvs, 11);
  PolicyActor three(learner->networks(), kEnvs, 11, /*deterministic=*/false, /*inference_threads=*/3);
  torch::manual_seed(3);
  for (int t = 0; t < 5; ++t) {
    torch::Tensor obs = torch::randn({kEnvs, kObs});
    torch::Tensor first = (torch::rand({kEnvs}) < 0.3).to(torch::kFloat32);
    ActionBatch a = one.Act(obs, first), b = three.Act(obs, first);
    ASSERT_TRUE(torch::allclose(a.mean, b.mean, 1e-5, 1e-6)) << "step " << t;
    ASSERT_TRUE(torch::allclose(a.action, b.action, 1e-5, 1e-6)) << "step " << t;
    ASSERT_TRUE(torch::allclose(a.log_prob, b.log_prob, 1e-4, 1e-5)) << "step " << t;
    ASSERT_TRUE(torch::allclose(one.state().h[1], three.state().h[1], 1e-5, 1e-6)) << "step " << t;
  }
}

// The actors' bfloat16 acting: rows split over threads that share one cache of packed weights act
// as one thread does, and parameters loaded in place (as the actor loads them) are acted on at
// once by both — no thread keeps multiplying the old ones.
TEST(PolicyActorTest, Bfloat16ActingSplitAcrossThreadsFollowsParameterLoads) {
  if (!CpuHasBf16Products() || DetectedSmallBatchIsa() != SmallBatchIsa::kAvx512) {
    GTEST_SKIP() << "no AVX512_BF16 on this CPU";
  }
  auto learner = MakeLearner();
  auto trained = MakeLearner();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(trained->Update(RandomBatch(*trained, 4, 2, kObs, kActions, 20 + i)).ok());
  constexpr int kEnvs = 7;
  PolicyActor one(learner->networks(), kEnvs, 11, /*deterministic=*/true);
  PolicyActor three(learner->networks(), kEnvs, 11, /*deterministic=*/true, /*inference_threads=*/3);
  PolicyActor reference(trained->networks(), kEnvs, 11, /*deterministic=*/true);  // acts on the trained ones
  torch::manual_seed(5);
  const torch::Tensor obs = torch::randn({kEnvs, kObs}), first = torch::ones({kEnvs});
  SetInferencePrecision(InferencePrecision::kBfloat16);
  const torch::Tensor before_one = one.Act(obs, first).mean, before_three = three.Act(obs, first).mean;
  ASSERT_TRUE(LoadPolicyParameters(PolicyParametersToProto(*trained->networks()), *learner->networks()).ok());
  const torch::Tensor after_one = one.Act(obs, first).mean, after_three = three.Act(obs, first).mean;
  const torch::Tensor want = reference.Act(obs, first).mean;
  SetInferencePrecision(InferencePrecision::kFloat32);
  EXPECT_FALSE(torch::equal(reference.Act(obs, first).mean, want));  // and that was bfloat16
  EXPECT_TRUE(torch::allclose(before_one, before_three, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(after_one, after_three, 1e-5, 1e-6));
  EXPECT_FALSE(torch::allclose(before_one, after_one, 1e-4, 1e-5));  // the load changed what they act on
  EXPECT_TRUE(torch::allclose(after_one, want, 1e-5, 1e-6));         // ... to exactly the loaded parameters
  EXPECT_TRUE(torch::allclose(after_three, want, 1e-5, 1e-6));
}

}  // namespace
}  // namespace mimic
