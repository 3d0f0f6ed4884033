// The whole training topology in one process over loopback gRPC: replay, learner service, two
// actors and the evaluator, on cartpole with a tiny policy. Checks that experience flows, the
// learner updates and publishes, the actors pick the new versions up, and that an actor started
// before anything else is up waits instead of failing.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "actors/actor.h"
#include "actors/evaluator.h"
#include "learner/learner_service.h"
#include "learner/test_batches.h"
#include "replay/replay_server.h"

namespace mimic {
namespace {

LearnerConfig SmallConfig() {
  LearnerConfig config = TinyConfig("vmpo");
  config.mutable_network()->clear_proprioception_size();
  config.mutable_vmpo()->set_target_update_period(5);
  return config;
}

ReplayConfig QueueReplay() {
  ReplayConfig config;
  config.set_address("127.0.0.1:0");
  TableConfig* table = config.add_tables();
  table->set_name("on_policy");
  table->set_max_size(64);
  table->mutable_queue();
  return config;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every link of the run over mutual TLS with a token, as a deployment across machines would be.
ServerSecurity SecureServer() {
  const std::string cert = Slurp("common/testdata/tls_cert.pem");
  return ServerSecurity{"run-token", cert, Slurp("common/testdata/tls_key.pem"), /*client_ca_pem=*/cert};
}

ClientSecurity SecureClient() {
  const std::string cert = Slurp("common/testdata/tls_cert.pem");
  return ClientSecurity{"run-token", cert, cert, Slurp("common/testdata/tls_key.pem"), "localhost"};
}

TaskEnvs Cartpole(int envs, uint64_t seed) {
  TaskConfig task;
  task.set_name("cartpole");
  return MakeTaskEnvs(task, TaskRole::kTrain, envs, 1, seed).value();
}

TEST(LoopbackTrainingTest, ExperienceFlowsAndVersionsPropagateOverMutualTls) {
  auto replay = replay::ReplayServer::Start(QueueReplay(), SecureServer()).value();
  const std::string replay_address = absl::StrCat("127.0.0.1:", replay->port());
  const TaskEnvs probe = Cartpole(1, 0);

  LearnerServiceOptions learner_options;
  learner_options.replay_address = replay_address;
  learner_options.batch_size = 8;
  learner_options.max_updates = 25;
  learner_options.checkpoint_dir = ::testing::TempDir() + "/loopback_ckpt";
  learner_options.checkpoint_interval_s = 0;
  learner_options.security = SecureServer();
  learner_options.replay_security = SecureClient();
  auto learner = LearnerService::Start(SmallConfig(), probe.obs_size, probe.num_actions, learner_options).value();
  const std::string learner_address = absl::StrCat("127.0.0.1:", learner->port());

  absl::Notification stop_actors;
  std::vector<std::unique_ptr<Actor>> actors;
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    ActorOptions options;
    options.actor_id = i;
    options.replay_address = replay_address;
    options.learner_address = learner_address;
    options.unroll_length = 10;
    options.parameter_sync_steps = 10;
    options.seed = 100 + i;
    options.security = SecureClient();
    actors.push_back(Actor::Create(SmallConfig(), Cartpole(4, 10 + i), options).value());
  }
  for (auto& actor : actors) {
    threads.emplace_back([&stop_actors, a = actor.get()] { ASSERT_TRUE(a->Run(stop_actors).ok()); });
  }
  absl::Notification never;
  const absl::Status learned = learner->Run(never);  // returns at max_updates
  ASSERT_TRUE(learned.ok()) << learned;
  EXPECT_EQ(learner->learner().step(), 25);
  EXPECT_EQ(learner->parameters().version(), 25);
  // let the actors poll once more, then stop them (they must not hang on a full queue)
  absl::SleepFor(absl::Milliseconds(500));
  stop_actors.Notify();
  for (auto& t : threads) t.join();

  int64_t unrolls = 0;
  for (auto& actor : actors) {
    unrolls += actor->counters().unrolls;
    EXPECT_GT(actor->counters().policy_version, 0) << "an actor never picked up a trained version";
    EXPECT_GE(actor->counters().parameter_updates, 2);
    EXPECT_EQ(actor->counters().env_steps % 40, 0);  // whole unrolls of 4 envs x 10 steps
  }
  // 25 batches of 8 were consumed; the rest is in the queue or was still in flight
  EXPECT_GE(unrolls, 25 * 8);
  const auto info = replay->core().Info();
  // and the learner's sampler had at most its prefetch (one batch) taken ahead
  EXPECT_GE(info.tables(0).samples(), 25 * 8);
  EXPECT_LE(info.tables(0).samples(), (25 + learner_options.prefetch_batches) * 8);
  // the final checkpoint is there, at the final step
  EXPECT_TRUE(std::filesystem::exists(learner_options.checkpoint_dir + "/ckpt-000000000025.pt"));

  // the evaluator evaluates the published version once
  EvaluatorOptions eval_options;
  eval_options.learner_address = learner_address;
  eval_options.max_evaluations = 1;
  eval_options.max_steps = 50;
  eval_options.security = SecureClient();
  eval_options.csv_path = ::testing::TempDir() + "/loopback_eval.csv";
  std::filesystem::remove(eval_options.csv_path);
  auto evaluator = Evaluator::Create(SmallConfig(), Cartpole(2, 3), eval_options).value();
  absl::Notification unused;
  ASSERT_TRUE(evaluator->Run(unused).ok());
  EXPECT_EQ(evaluator->evaluations(), 1);
  std::ifstream csv(eval_options.csv_path);
  std::string header, row;
  std::getline(csv, header);
  std::getline(csv, row);
  EXPECT_EQ(header.rfind("wall_s,version,", 0), 0u);
  EXPECT_NE(row.find(",25,2,50.00,"), std::string::npos) << row;  // v25, 2 episodes, capped at 50 steps
}

TEST(LoopbackTrainingTest, LearnerResumesItsUpdateCounterFromTheCheckpoint) {
  auto replay = replay::ReplayServer::Start(QueueReplay()).value();
  const TaskEnvs probe = Cartpole(1, 0);
  LearnerServiceOptions options;
  options.replay_address = absl::StrCat("127.0.0.1:", replay->port());
  options.checkpoint_dir = ::testing::TempDir() + "/resume_ckpt";
  std::filesystem::remove_all(options.checkpoint_dir);
  {
    auto learner = LearnerService::Start(SmallConfig(), probe.obs_size, probe.num_actions, options).value();
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(learner->learner().Update(RandomBatch(learner->learner(), 4, 2, probe.obs_size, probe.num_actions, i)).ok());
    }
    absl::Notification stop;
    stop.Notify();
    ASSERT_TRUE(learner->Run(stop).ok());  // stops at once and writes its final checkpoint
  }
  auto resumed = LearnerService::Start(SmallConfig(), probe.obs_size, probe.num_actions, options).value();
  EXPECT_EQ(resumed->learner().step(), 3);
  EXPECT_NE(resumed->resumed_from().find("ckpt-000000000003.pt"), std::string::npos);
  EXPECT_EQ(resumed->parameters().version(), 3);
}

TEST(LoopbackTrainingTest, LearnerStartsFromTheOlderCheckpointWhenTheNewestIsTruncated) {
  auto replay = replay::ReplayServer::Start(QueueReplay()).value();
  const TaskEnvs probe = Cartpole(1, 0);
  LearnerServiceOptions options;
  options.replay_address = absl::StrCat("127.0.0.1:", replay->port());
  options.checkpoint_dir = ::testing::TempDir() + "/truncated_ckpt";
  std::filesystem::remove_all(options.checkpoint_dir);
  {
    auto learner = LearnerService::Start(SmallConfig(), probe.obs_size, probe.num_actions, options).value();
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(learner->learner().Update(RandomBatch(learner->learner(), 4, 2, probe.obs_size, probe.num_actions, i)).ok());
      if (i == 2) {
        ASSERT_TRUE(learner->learner().SaveCheckpoint(options.checkpoint_dir).ok());  // update 3
      }
    }
    ASSERT_TRUE(learner->learner().SaveCheckpoint(options.checkpoint_dir).ok());  // update 5
  }
  // the case: the newest checkpoint is cut short, a valid older one lies beside it
  const std::string newest = options.checkpoint_dir + "/ckpt-000000000005.pt";
  std::filesystem::resize_file(newest, std::filesystem::file_size(newest) / 2);
  auto resumed = LearnerService::Start(SmallConfig(), probe.obs_size, probe.num_actions, options);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ((*resumed)->learner().step(), 3);
  EXPECT_NE((*resumed)->resumed_from().find("ckpt-000000000003.pt"), std::string::npos);
}

TEST(LoopbackTrainingTest, ActorWaitsWhenNothingIsUp) {
  ActorOptions options;
  options.replay_address = "127.0.0.1:1";  // nothing listens here
  options.learner_address = "127.0.0.1:1";
  auto actor = Actor::Create(SmallConfig(), Cartpole(2, 1), options).value();
  absl::Notification stop;
  std::thread stopper([&] {
    absl::SleepFor(absl::Seconds(1));
    stop.Notify();
  });
  EXPECT_TRUE(actor->Run(stop).ok());
  stopper.join();
  EXPECT_EQ(actor->counters().policy_version, -1);
  EXPECT_EQ(actor->counters().env_steps, 0);
}

}  // namespace
}  // namespace mimic
