#include "learner/learner.h"

#include <filesystem>
#include <fstream>

#include <google/protobuf/text_format.h>

#include "gtest/gtest.h"
#include "learner/checkpoint_files.h"
#include "learner/test_batches.h"

namespace mimic {
namespace {

namespace fs = std::filesystem;
constexpr int kObs = 6, kActions = 2, kT = 5, kB = 4;

std::string TempDir(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / name;
  fs::remove_all(dir);
  return dir.string();
}

std::vector<torch::Tensor> Snapshot(Learner& learner) {
  std::vector<torch::Tensor> out;
  for (const auto& p : learner.networks()->parameters()) out.push_back(p.detach().clone());
  for (const auto& b : learner.networks()->buffers()) out.push_back(b.detach().clone());
  return out;
}

bool SameTensors(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!torch::equal(a[i], b[i])) return false;
  }
  return true;
}

class LearnerAlgorithmTest : public ::testing::TestWithParam<std::string> {};

std::vector<torch::Tensor> Copies(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> out;
  for (const auto& t : tensors) out.push_back(t.detach().clone());
  return out;
}

// How many of `before` differ from `after`, tensor by tensor.
int Changed(const std::vector<torch::Tensor>& before, const std::vector<torch::Tensor>& after) {
  int changed = 0;
  for (size_t i = 0; i < before.size(); ++i) changed += !torch::equal(before[i], after[i]);
  return changed;
}

TEST_P(LearnerAlgorithmTest, UpdatesTrainThePolicyTheCriticAndTheDualsAndReportFiniteMetrics) {
  auto learner = Learner::Create(TinyConfig(GetParam()), kObs, kActions).value();
  Networks& nets = learner->networks();
  // the trained groups, each on its own (buffers such as the normaliser's change anyway)
  const std::vector<torch::Tensor> policy = Copies(nets->PolicyParameters());
  const std::vector<torch::Tensor> critic = Copies(nets->CriticParameters());
  const std::vector<torch::Tensor> duals = Copies(learner->duals());
  for (int i = 0; i < 3; ++i) {
    auto metrics = learner->Update(RandomBatch(*learner, kT, kB, kObs, kActions, 10 + i));
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    EXPECT_EQ(metrics->step, i + 1);
    for (const auto& [name, value] : metrics->values) EXPECT_TRUE(std::isfinite(value)) << name;
    EXPECT_GT(metrics->Get("policy_grad_norm"), 0);
    EXPECT_GT(metrics->Get("critic_grad_norm"), 0);
  }
  // Adam moves every parameter that has a gradient: all of each group must have moved
  EXPECT_EQ(Changed(policy, Copies(nets->PolicyParameters())), static_cast<int>(policy.size()));
  EXPECT_EQ(Changed(critic, Copies(nets->CriticParameters())), static_cast<int>(critic.size()));
  EXPECT_EQ(duals.size(), GetParam() == "vtrace" ? 0u : 3u);
  EXPECT_EQ(Changed(duals, Copies(learner->duals())), static_cast<int>(duals.size()));
  EXPECT_EQ(learner->algorithm_name(), GetParam());
}

TEST_P(LearnerAlgorithmTest, TheLearningRateDecayReachesTheOptimiserAndAtZeroFreezesPolicyAndCritic) {
  LearnerConfig config = TinyConfig(GetParam());
  // over 4 updates from the 2nd (start 0.5): full rate while 0-2 updates are done, 1/2 after 3, 0 after 4
  config.mutable_learning_rate_decay()->set_updates(4);
  config.mutable_learning_rate_decay()->set_start_fraction(0.5);
  config.mutable_learning_rate_decay()->set_final_fraction(0);
  auto learner = Learner::Create(config, kObs, kActions).value();
  Networks& nets = learner->networks();
  const double expected_rates[] = {1e-3, 1e-3, 1e-3, 0.5e-3, 0, 0};
  for (int i = 0; i < 6; ++i) {
    const std::vector<torch::Tensor> policy = Copies(nets->PolicyParameters());
    const std::vector<torch::Tensor> critic = Copies(nets->CriticParameters());
    auto metrics = learner->Update(RandomBatch(*learner, kT, kB, kObs, kActions, 30 + i));
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    EXPECT_NEAR(metrics->Get("learning_rate"), expected_rates[i], 1e-9) << "update " << i + 1;
    // the rate the optimiser used, not only the one reported: at 0 nothing trained moves
    const int policy_moved = Changed(policy, Copies(nets->PolicyParameters()));
    const int critic_moved = Changed(critic, Copies(nets->CriticParameters()));
    if (expected_rates[i] > 0) {
      EXPECT_EQ(policy_moved, static_cast<int>(policy.size())) << "update " << i + 1;
      EXPECT_EQ(critic_moved, static_cast<int>(critic.size())) << "update " << i + 1;
    } else {
      EXPECT_EQ(policy_moved, 0) << "update " << i + 1;
      EXPECT_EQ(critic_moved, 0) << "update " << i + 1;
    }
  }
  config.mutable_learning_rate_decay()->set_start_fraction(1);
  absl::Status refused = Learner::Create(config, kObs, kActions).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("start_fraction"), std::string::npos) << refused;
}

TEST_P(LearnerAlgorithmTest, BadBatchesAreRefusedAndChangeNothing) {
  auto learner = Learner::Create(TinyConfig(GetParam()), kObs, kActions).value();
  std::vector<torch::Tensor> before = Snapshot(*learner);

  Batch wrong_obs = RandomBatch(*learner, kT, kB, kObs, kActions, 1);
  wrong_obs.observations = torch::randn({kT + 1, kB, kObs + 1});
  absl::Status status = learner->Update(wrong_obs).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("observations"), std::string::npos) << status;

  Batch nan_reward = RandomBatch(*learner, kT, kB, kObs, kActions, 2);
  nan_reward.rewards[1][2] = NAN;
  status = learner->Update(nan_reward).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("rewards"), std::string::npos) << status;

  Batch short_state = RandomBatch(*learner, kT, kB, kObs, kActions, 3);
  short_state.initial_state = learner->networks()->policy->InitialState(kB - 1);
  EXPECT_EQ(learner->Update(short_state).status().code(), absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(learner->step(), 0);
  EXPECT_TRUE(SameTensors(before, Snapshot(*learner)));
}

TEST(LearnerRefusalTest, OverwhelmingImportanceRatiosLeaveEveryMetricFinite) {
  for (const std::string algorithm : {"vtrace", "mpo", "vmpo"}) {
    LearnerConfig config = TinyConfig(algorithm);
    if (config.has_vtrace()) config.mutable_vtrace()->set_surrogate_clip(0.2);
    auto learner = Learner::Create(config, kObs, kActions).value();
    Batch batch = RandomBatch(*learner, kT, kB, kObs, kActions, 4);
    batch.behaviour_log_prob[2][1] = -1e38;  // π/μ = e^(1e38): clamped to e^20 before exp
    batch.behaviour_log_prob[3][0] = 1e38;   // and e^(−1e38)
    const absl::StatusOr<LearnerMetrics> metrics = learner->Update(batch);
    ASSERT_TRUE(metrics.ok()) << algorithm << ": " << metrics.status();
    for (const auto& [name, value] : metrics->values) EXPECT_TRUE(std::isfinite(value)) << algorithm << " " << name;
  }
}

TEST(LearnerRefusalTest, NonFiniteGradientsAreRefusedCountedAndChangeNothing) {
  // A policy with a tiny action std and a replayed action far from its mean: the loss stays finite
  // (log π ≈ −z²/2 ≈ −5e36) but the gradient of log π with respect to σ, z²/σ, overflows.
  LearnerConfig config = TinyConfig("vtrace");
  config.mutable_network()->set_init_action_std(2e-4);
  auto learner = Learner::Create(config, kObs, kActions).value();
  ASSERT_TRUE(learner->Update(RandomBatch(*learner, kT, kB, kObs, kActions, 1)).ok());
  Batch batch = RandomBatch(*learner, kT, kB, kObs, kActions, 2);
  batch.actions[1][0].fill_(1e15);
  batch.behaviour_log_prob[1][0] = -1e38;  // the behaviour policy "chose" it: importance ratio clamped to 1
  std::vector<torch::Tensor> before;
  for (const auto& p : learner->networks()->parameters()) before.push_back(p.detach().clone());
  const absl::StatusOr<LearnerMetrics> refused = learner->Update(batch);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAborted) << refused.status();
  EXPECT_NE(refused.status().message().find("gradients are not finite"), std::string::npos) << refused.status();
  EXPECT_EQ(learner->refused_updates(), 1);
  EXPECT_EQ(learner->step(), 1);
  std::vector<torch::Tensor> after;
  for (const auto& p : learner->networks()->parameters()) after.push_back(p.detach().clone());
  EXPECT_TRUE(SameTensors(before, after));
  // the next good batch goes through and reports the count
  const absl::StatusOr<LearnerMetrics> next = learner->Update(RandomBatch(*learner, kT, kB, kObs, kActions, 3));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->Get("refused_updates"), 1);
  for (const auto& [name, value] : next->values) EXPECT_TRUE(std::isfinite(value)) << name;
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_P(LearnerAlgorithmTest, ARefusedUpdateLeavesEveryPartOfTheLearnerBitIdentical) {
  // A checkpoint holds parameters, normaliser statistics, optimiser moments, duals, target
  // networks, the RNG and the step: the bytes written before and after a refused update must match.
  LearnerConfig config = TinyConfig(GetParam());
  config.mutable_network()->set_init_action_std(2e-4);  // for the non-finite-gradient batch below
  auto learner = Learner::Create(config, kObs, kActions).value();
  ASSERT_TRUE(learner->Update(RandomBatch(*learner, kT, kB, kObs, kActions, 1)).ok());
  const std::string before = learner->SaveCheckpoint(TempDir("refused_before_" + GetParam())).value();
  ASSERT_EQ(FileBytes(before), FileBytes(learner->SaveCheckpoint(TempDir("refused_again_" + GetParam())).value()))
      << "checkpoints of the same state should be byte-identical";

  // Non-finite loss: rewards whose squares overflow.
  Batch huge = RandomBatch(*learner, kT, kB, kObs, kActions, 2);
  huge.observations.mul_(100);  // would move the normaliser's statistics
  huge.rewards.fill_(1e30);
  EXPECT_EQ(learner->Update(huge).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(learner->refused_updates(), 1);
  EXPECT_EQ(learner->networks()->normalizer->count(), kT * kB);
  EXPECT_TRUE(FileBytes(before) == FileBytes(learner->SaveCheckpoint(TempDir("refused_loss_" + GetParam())).value()))
      << "an update refused for its loss changed the learner";
  if (GetParam() == "vtrace") {
    // Finite loss, non-finite gradients (see NonFiniteGradientsAreRefusedCountedAndChangeNothing).
    Batch far = RandomBatch(*learner, kT, kB, kObs, kActions, 3);
    far.observations.mul_(100);
    far.actions[1][0].fill_(1e15);
    far.behaviour_log_prob[1][0] = -1e38;
    EXPECT_EQ(learner->Update(far).status().code(), absl::StatusCode::kAborted);
    EXPECT_EQ(learner->refused_updates(), 2);
    EXPECT_TRUE(FileBytes(before) ==
                FileBytes(learner->SaveCheckpoint(TempDir("refused_gradients_" + GetParam())).value()))
        << "an update refused for its gradients changed the learner";
  }
  // a good batch still trains, and its observations then enter the statistics
  ASSERT_TRUE(learner->Update(RandomBatch(*learner, kT, kB, kObs, kActions, 4)).ok());
  EXPECT_EQ(learner->networks()->normalizer->count(), 2 * kT * kB);
}

TEST_P(LearnerAlgorithmTest, ResumedRunContinuesBitForBit) {
  const std::string dir = TempDir("resume_" + GetParam());
  auto original = Learner::Create(TinyConfig(GetParam()), kObs, kActions).value();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(original->Update(RandomBatch(*original, kT, kB, kObs, kActions, i)).ok());
  }
  auto path = original->SaveCheckpoint(dir);
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, CheckpointPath(dir, 3));
  for (int i = 3; i < 6; ++i) {
    ASSERT_TRUE(original->Update(RandomBatch(*original, kT, kB, kObs, kActions, i)).ok());
  }

  auto resumed = Learner::Create(TinyConfig(GetParam()), kObs, kActions).value();
  ASSERT_TRUE(resumed->RestoreCheckpoint(LatestCheckpoint(dir).value()).ok());
  EXPECT_EQ(resumed->step(), 3);
  for (int i = 3; i < 6; ++i) {
    ASSERT_TRUE(resumed->Update(RandomBatch(*resumed, kT, kB, kObs, kActions, i)).ok());
  }
  EXPECT_EQ(resumed->step(), 6);
  EXPECT_TRUE(SameTensors(Snapshot(*original), Snapshot(*resumed)));
}

TEST(LearnerCheckpointDirTest, ACheckpointDirectoryRebuildsTheLearner) {
  const std::string dir = TempDir("from_dir");
  auto learner = Learner::Create(TinyConfig("mpo", "mlp"), kObs, kActions).value();
  ASSERT_TRUE(learner->Update(RandomBatch(*learner, kT, kB, kObs, kActions, 1)).ok());
  ASSERT_TRUE(learner->SaveCheckpoint(dir).ok());
  auto loaded = Learner::FromCheckpointDir(dir, kObs, kActions);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->step(), 1);
  EXPECT_EQ((*loaded)->algorithm_name(), "mpo");
  EXPECT_TRUE(SameTensors(Snapshot(*learner), Snapshot(**loaded)));
  EXPECT_EQ(Learner::FromCheckpointDir(TempDir("empty"), kObs, kActions).status().code(),
            absl::StatusCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, LearnerAlgorithmTest,
                         ::testing::Values("vtrace", "mpo", "vmpo"));

TEST(LearnerCheckpointTest, CorruptOrIncompatibleCheckpointsAreRefusedWithoutHarm) {
  const std::string dir = TempDir("corrupt");
  auto learner = Learner::Create(TinyConfig("vtrace"), kObs, kActions).value();
  ASSERT_TRUE(learner->Update(RandomBatch(*learner, kT, kB, kObs, kActions, 1)).ok());
  const std::string good = learner->SaveCheckpoint(dir).value();
  std::vector<torch::Tensor> before = Snapshot(*learner);

  // Truncated file.
  const std::string truncated = dir + "/truncated.pt";
  fs::copy_file(good, truncated);
  fs::resize_file(truncated, fs::file_size(good) / 2);
  absl::Status status = learner->RestoreCheckpoint(truncated);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  // Not a checkpoint at all.
  const std::string garbage = dir + "/garbage.pt";
  std::ofstream(garbage) << "not a checkpoint";
  EXPECT_EQ(learner->RestoreCheckpoint(garbage).code(), absl::StatusCode::kDataLoss);
  // Missing file.
  EXPECT_EQ(learner->RestoreCheckpoint(dir + "/missing.pt").code(), absl::StatusCode::kDataLoss);
  // Another algorithm's checkpoint.
  auto mpo = Learner::Create(TinyConfig("mpo"), kObs, kActions).value();
  status = mpo->RestoreCheckpoint(good);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_NE(status.message().find("algorithm=vtrace"), std::string::npos) << status;
  // Other shapes.
  auto wider = Learner::Create(TinyConfig("vtrace"), kObs + 1, kActions).value();
  EXPECT_EQ(wider->RestoreCheckpoint(good).code(), absl::StatusCode::kFailedPrecondition);

  EXPECT_EQ(learner->step(), 1);
  EXPECT_TRUE(SameTensors(before, Snapshot(*learner)));
  EXPECT_TRUE(fs::exists(good));  // nothing overwritten or removed
}

TEST(LearnerCheckpointTest, CheckpointsOfTheIndependentPosteriorLoadOnlyWithItAndAreRefusedByName) {
  // Checkpoints written before latent_posterior existed hold q(z_t | x_t) and carry no
  // latent_posterior in their signature — exactly what an "independent" learner writes.
  const std::string dir = TempDir("independent");
  LearnerConfig old_form = TinyConfig("vmpo");
  old_form.mutable_network()->set_latent_posterior("independent");
  auto old_learner = Learner::Create(old_form, kObs, kActions).value();
  ASSERT_TRUE(old_learner->Update(RandomBatch(*old_learner, kT, kB, kObs, kActions, 1)).ok());
  const std::string path = old_learner->SaveCheckpoint(dir).value();
  EXPECT_EQ(old_learner->Signature().find("latent_posterior"), std::string::npos);

  // the default (autoregressive) learner refuses it, naming the option
  auto ar = Learner::Create(TinyConfig("vmpo"), kObs, kActions).value();
  const absl::Status refused = ar->RestoreCheckpoint(path);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  EXPECT_NE(refused.message().find("latent_posterior: \"independent\""), std::string::npos) << refused;
  // a learner configured with the old form loads it
  auto loaded = Learner::Create(old_form, kObs, kActions).value();
  ASSERT_TRUE(loaded->RestoreCheckpoint(path).ok());
  EXPECT_TRUE(SameTensors(Snapshot(*old_learner), Snapshot(*loaded)));

  // a checkpoint directory whose learner_config.pbtxt predates the option loads as the old form
  {
    LearnerConfig written = old_learner->config();
    written.mutable_network()->clear_latent_posterior();
    std::string text;
    google::protobuf::TextFormat::PrintToString(written, &text);
    std::ofstream(dir + "/learner_config.pbtxt") << text;
  }
  auto from_dir = Learner::FromCheckpointDir(dir, kObs, kActions);
  ASSERT_TRUE(from_dir.ok()) << from_dir.status();
  EXPECT_EQ((*from_dir)->config().network().latent_posterior(), "independent");
  EXPECT_TRUE(SameTensors(Snapshot(*old_learner), Snapshot(**from_dir)));

  // and the new form's checkpoints say so
  const std::string ar_path = ar->SaveCheckpoint(TempDir("autoregressive")).value();
  EXPECT_NE(ar->Signature().find("latent_posterior: \"autoregressive\""), std::string::npos);
  EXPECT_EQ(loaded->RestoreCheckpoint(ar_path).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(LearnerCheckpointTest, OldCheckpointsArePrunedAndLatestIsFound) {
  const std::string dir = TempDir("prune");
  EXPECT_EQ(LatestCheckpoint(dir).status().code(), absl::StatusCode::kNotFound);
  LearnerConfig config = TinyConfig("vmpo");
  config.set_checkpoints_to_keep(2);
  auto learner = Learner::Create(config, kObs, kActions).value();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(learner->Update(RandomBatch(*learner, kT, kB, kObs, kActions, i)).ok());
    ASSERT_TRUE(learner->SaveCheckpoint(dir).ok());
  }
  auto paths = ListCheckpoints(dir).value();
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0], CheckpointPath(dir, 3));
  EXPECT_EQ(LatestCheckpoint(dir).value(), CheckpointPath(dir, 4));
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();  // no temp files left
  }
}

TEST(LearnerConfigTest, MissingAlgorithmAndBadSizesAreClearErrors) {
  LearnerConfig none = TinyConfig("vtrace");
  none.clear_algorithm();
  EXPECT_EQ(Learner::Create(none, kObs, kActions).status().code(),
            absl::StatusCode::kInvalidArgument);
  LearnerConfig bad_posterior = TinyConfig("vtrace");
  bad_posterior.mutable_network()->set_latent_posterior("bidirectional");
  EXPECT_NE(Learner::Create(bad_posterior, kObs, kActions).status().message().find("bidirectional"),
            std::string::npos);
  LearnerConfig bad_decoder = TinyConfig("vtrace");
  bad_decoder.mutable_network()->set_decoder("transformer");
  EXPECT_NE(Learner::Create(bad_decoder, kObs, kActions).status().message().find("transformer"),
            std::string::npos);
  LearnerConfig bad_slice = TinyConfig("vtrace");
  bad_slice.mutable_network()->set_proprioception_size(kObs + 1);
  EXPECT_EQ(Learner::Create(bad_slice, kObs, kActions).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WithAlgorithm(LearnerConfig(), "ppo").status().code(),
            absl::StatusCode::kInvalidArgument);
  LearnerConfig std_above_max = TinyConfig("vtrace");
  std_above_max.mutable_network()->set_init_action_std(0.8);
  std_above_max.mutable_network()->set_max_action_std(0.5);
  EXPECT_NE(Learner::Create(std_above_max, kObs, kActions).status().message().find("max_action_std"),
            std::string::npos);
}

TEST(LearnerConfigTest, DeviceIsCpuWithoutCudaAndCudaIsAClearError) {
  LearnerConfig config = TinyConfig("mpo");
  auto automatic = Learner::Create(config, kObs, kActions);
  ASSERT_TRUE(automatic.ok());
  if (!torch::cuda::is_available()) {
    EXPECT_TRUE((*automatic)->device().is_cpu());
    // on the CPU, acting uses the very networks that learn
    EXPECT_EQ((*automatic)->acting_networks().get(), (*automatic)->networks().get());
    config.set_device("cuda");
    auto cuda = Learner::Create(config, kObs, kActions);
    EXPECT_EQ(cuda.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(cuda.status().message().find("no CUDA"), std::string::npos) << cuda.status();
  }
  config.set_device("tpu");
  EXPECT_NE(Learner::Create(config, kObs, kActions).status().message().find("unknown learner device 'tpu'"),
            std::string::npos);
}

TEST(LearnerConfigTest, BoundedActionStdStartsAtItsInitAndStaysInBounds) {
  LearnerConfig config = TinyConfig("vtrace");
  config.mutable_network()->set_init_action_std(0.3);
  config.mutable_network()->set_max_action_std(0.6);
  auto learner = Learner::Create(config, kObs, kActions);
  ASSERT_TRUE(learner.ok()) << learner.status();
  Batch batch = RandomBatch(**learner, kT, kB, kObs, kActions, 3);
  PolicyOutput out = (*learner)->networks()->policy->Forward(batch.observations, batch.first, batch.initial_state,
                                                            batch.latent_noise);
  // the head's weights start near zero, so every std starts near init
  EXPECT_NEAR(out.action_std.mean().item<double>(), 0.3, 0.02);
  // push the std pre-activations far in both directions: the bounds hold
  for (double bias : {-50.0, 50.0}) {
    torch::NoGradGuard no_grad;
    auto& head = *(*learner)->networks()->policy->named_parameters().find("action_head.bias");
    head.slice(0, kActions).fill_(bias);
    PolicyOutput pushed = (*learner)->networks()->policy->Forward(batch.observations, batch.first,
                                                                 batch.initial_state, batch.latent_noise);
    EXPECT_LE(pushed.action_std.max().item<double>(), 0.6 + 1e-6);
    EXPECT_GE(pushed.action_std.min().item<double>(), config.network().min_action_std() - 1e-9);
  }
}

TEST(BatchTest, SelectColumnsTakesWholeUnrolls) {
  auto learner = Learner::Create(TinyConfig("vmpo"), kObs, kActions);
  ASSERT_TRUE(learner.ok());
  Batch batch = RandomBatch(**learner, kT, kB, kObs, kActions, 5);
  const torch::Tensor columns = torch::tensor({3, 1}, torch::kLong);
  Batch part = SelectColumns(batch, columns);
  EXPECT_EQ(part.batch_size(), 2);
  EXPECT_EQ(part.unroll_length(), kT);
  EXPECT_TRUE(torch::equal(part.observations.select(1, 0), batch.observations.select(1, 3)));
  EXPECT_TRUE(torch::equal(part.actions.select(1, 1), batch.actions.select(1, 1)));
  EXPECT_TRUE(torch::equal(part.latent_noise.select(1, 0), batch.latent_noise.select(1, 3)));
  EXPECT_TRUE(torch::equal(part.initial_state.prev_latent[0], batch.initial_state.prev_latent[3]));
  EXPECT_TRUE(ValidateBatch(part, kObs, kActions, (*learner)->networks()->policy->latent_size(),
                            (*learner)->networks()->policy->lstm_hidden_sizes())
                  .ok());
}

}  // namespace
}  // namespace mimic
