// The imitation benchmark at a size CI affords: the real topology (replay, learner, an actor and
// the evaluator as processes of the `mimic` binary) trained for 90k environment steps on two
// 1-second clips of the bundled recording (STAC'd in the test), then the final checkpoint against
// the untrained policy of the same run. It asserts that learning happened, not how much.
//
// Why the measure cannot pass by chance: a deterministic evaluation is exactly repeatable, so the
// noise to beat is how much the keypoint error of a policy that has learned nothing depends on
// the luck of its weights and of the observation statistics. The test measures that spread on
// the same clips — untrained policies of eight seeds, each with the initial (identity) and with the
// trained run's observation normaliser — and requires the trained policy to beat the best of
// them by more than three times their standard deviation.
#include "bench/imitation_run.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "actors/task_factory.h"
#include "common/text_proto.h"
#include "gtest/gtest.h"
#include "learner/learner.h"

namespace mimic::bench {
namespace {

namespace fs = std::filesystem;

std::string TestDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = absl::StrCat(tmp ? tmp : "/tmp", "/", name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Two training clips and one held-out clip of 50 frames (1 s), the paper's task, a small policy.
std::string WriteConfig(const std::string& dir) {
  std::stringstream stac;
  stac << std::ifstream("configs/stac_rodent.pbtxt").rdbuf() << "\nclip_length: 50\n";
  std::ofstream(dir + "/stac.pbtxt") << stac.str();
  const std::string config = dir + "/imitation_ci.pbtxt";
  std::ofstream(config) << R"(
task {
  name: "rodent"
  keypoints: "data/mocap/rodent_mocap_1000_frames.mat"
  stac_config: ")" << dir << R"(/stac.pbtxt"
  clip_ids: 0
  clip_ids: 1
  held_out_clip_ids: 2
  env { preset: COMIC comic { com_scale: 250 appendages_scale: 1000 } }
}
learner {
  network {
    encoder_sizes: 128 encoder_sizes: 128 latent_size: 16 decoder: "mlp" decoder_sizes: 128 decoder_sizes: 128
    critic_sizes: 128 critic_sizes: 128
    init_action_std: 0.2
  }
  policy_learning_rate: 3e-4
  critic_learning_rate: 3e-4
  vmpo { target_update_period: 10 }
}
learner_service { batch_size: 8 checkpoint_interval_s: 30 }
actor { num_envs: 16 unroll_length: 10 parameter_sync_steps: 10 inference_threads: 1 }
num_actors: 1
evaluator { num_envs: 4 max_steps: 1000 interval_s: 30 stochastic_episodes_per_clip: 2 }
)";
  return config;
}

// Mean keypoint error on the training clips of an untrained policy of `seed`, with the initial
// normaliser or with `normaliser_from`'s.
double UntrainedError(const TrainConfig& run, const TaskEnvs& envs, uint64_t seed, Learner* normaliser_from) {
  LearnerConfig config = run.learner();
  config.set_seed(seed);
  auto learner = Learner::Create(config, envs.obs_size, envs.num_actions);
  EXPECT_TRUE(learner.ok()) << learner.status();
  if (normaliser_from != nullptr) {
    torch::NoGradGuard no_grad;
    auto source = normaliser_from->acting_networks()->normalizer->named_buffers();
    for (auto& buffer : (*learner)->acting_networks()->normalizer->named_buffers()) {
      buffer.value().copy_(source[buffer.key()]);
    }
  }
  auto result = EvaluateClips((*learner)->acting_networks(), *envs.context, envs.clip_ids, envs.held_out,
                              ClipEvaluationOptions{});
  EXPECT_TRUE(result.ok()) << result.status();
  return result->train.keypoint_error_mm;
}

TEST(ImitationBenchmarkTest, TheUntrainedPolicyIsTheRunsVersionZero) {
  // the learner process builds its networks from the run's config and seed: so does the benchmark
  LearnerConfig config;
  config.mutable_network()->add_encoder_sizes(16);
  config.mutable_network()->set_decoder("mlp");
  config.mutable_network()->add_decoder_sizes(16);
  config.mutable_network()->add_critic_sizes(16);
  config.mutable_vmpo();
  auto a = Learner::Create(config, 30, 5), b = Learner::Create(config, 30, 5);
  config.set_seed(2);
  auto c = Learner::Create(config, 30, 5);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto pa = (*a)->acting_networks()->named_parameters(), pb = (*b)->acting_networks()->named_parameters(),
       pc = (*c)->acting_networks()->named_parameters();
  bool differs = false;
  for (const auto& p : pa) {
    EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
    differs |= !torch::equal(p.value(), pc[p.key()]);
  }
  EXPECT_TRUE(differs);
}

TEST(ImitationBenchmarkTest, TrainingBeatsEveryUntrainedPolicyByMoreThanTheirSpread) {
  const std::string dir = TestDir("imitation");
  ImitationBenchOptions options;
  options.config_path = WriteConfig(dir);
  options.run_dir = dir + "/run";
  options.env_steps = 90000;
  options.max_wall_s = 1200;  // a safety net; the step budget ends the run
  options.binary = "cli/mimic";
  options.stochastic_episodes_per_clip = 2;
  options.jittered_starts = 2;
  std::vector<std::string> events;
  options.on_event = [&events](const std::string& line) { events.push_back(line); };
  auto result = RunImitationBenchmark(options);
  ASSERT_TRUE(result.ok()) << result.status() << "\n" << absl::StrJoin(events, "\n");
  for (const std::string& line : ClipLines(*result)) std::printf("%s\n", line.c_str());
  std::printf("%s\n", ImitationJson(*result).c_str());
  EXPECT_GE(result->run.figures.env_steps, 90000);
  EXPECT_EQ(result->trained.train.episodes, 2);
  EXPECT_EQ(result->trained.held_out.episodes, 1);
  EXPECT_TRUE(fs::exists(options.run_dir + "/imitation.svg"));
  EXPECT_TRUE(fs::exists(options.run_dir + "/bench_clips.csv"));
  // the jittered starts: two episodes per clip, each from its own start (a chaotic closed loop
  // makes their errors differ), yet the same task (a jitter of a milliradian does not topple the rat)
  EXPECT_EQ(result->trained_jittered.train.episodes, 4);
  ASSERT_EQ(result->jittered_keypoint_error_mm_train.size(), 2u);
  const double first = result->jittered_keypoint_error_mm_train[0], second = result->jittered_keypoint_error_mm_train[1];
  EXPECT_NE(first, second);
  EXPECT_NE(first, result->trained.train.keypoint_error_mm);
  for (double repeat : {first, second}) {
    EXPECT_NEAR(repeat, result->trained.train.keypoint_error_mm, 0.5 * result->trained.train.keypoint_error_mm);
  }
  EXPECT_NE(ImitationJson(*result).find("\"keypoint_error_mm_train_jittered\":"), std::string::npos);

  // the spread of policies that learned nothing, on the same clips
  auto config = ReadTextProto<TrainConfig>(options.run_dir + "/train.pbtxt");
  ASSERT_TRUE(config.ok()) << config.status();
  auto envs = MakeTaskEnvs(config->task(), TaskRole::kEvaluate, 1, 1, 0, true);
  ASSERT_TRUE(envs.ok()) << envs.status();
  auto trained = Learner::FromCheckpointDir(options.run_dir + "/checkpoints", envs->obs_size, envs->num_actions);
  ASSERT_TRUE(trained.ok()) << trained.status();
  std::vector<double> null;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    null.push_back(UntrainedError(*config, *envs, seed, nullptr));
    null.push_back(UntrainedError(*config, *envs, seed, trained->get()));
  }
  const double mean = std::accumulate(null.begin(), null.end(), 0.0) / null.size();
  double var = 0;
  for (double v : null) var += (v - mean) * (v - mean);
  const double sd = std::sqrt(var / (null.size() - 1));
  const double best = *std::min_element(null.begin(), null.end());
  const double trained_error = result->trained.train.keypoint_error_mm;
  std::printf("untrained policies: %.2f ± %.2f mm (best %.2f) on the training clips; trained %.2f mm\n", mean, sd,
              best, trained_error);
  EXPECT_NEAR(null[0], result->untrained.train.keypoint_error_mm, 1e-6);  // seed 1 is the run's version 0
  EXPECT_LT(trained_error, best - 3 * sd);
}

}  // namespace
}  // namespace mimic::bench
