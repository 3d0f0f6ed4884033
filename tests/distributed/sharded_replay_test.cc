// Training over a sharded replay, all in one process over loopback gRPC: two replay servers built
// from one train config, four actors that each write to their own shard (ids round-robin), and a
// learner that samples from both. Checks that both shards fill and drain, that each shard sizes
// its queue for the actors writing to it, and that the learner learns from both.
#include <thread>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "actors/actor.h"
#include "actors/task_factory.h"
#include "learner/learner_service.h"
#include "learner/test_batches.h"
#include "replay/replay_server.h"

namespace mimic {
namespace {

constexpr int kShards = 2, kActors = 4, kEnvs = 4, kBatch = 4, kUpdates = 20;

LearnerConfig SmallConfig() {
  LearnerConfig config = TinyConfig("vmpo");
  config.mutable_network()->clear_proprioception_size();
  config.mutable_vmpo()->set_target_update_period(5);
  return config;
}

// the run's one config: each shard's tables come from it, as `mimic replay --train_config` does
TrainConfig RunConfig() {
  TrainConfig run;
  run.mutable_task()->set_name("cartpole");
  *run.mutable_learner() = SmallConfig();
  run.mutable_learner_service()->set_batch_size(kBatch);
  run.mutable_actor()->set_num_envs(kEnvs);
  FillReplayTables(run);
  return run;
}

TaskEnvs Cartpole(int envs, uint64_t seed) {
  TaskConfig task;
  task.set_name("cartpole");
  return MakeTaskEnvs(task, TaskRole::kTrain, envs, 1, seed).value();
}

TEST(ShardedReplayTrainingTest, ActorsWriteToTheirShardAndTheLearnerSamplesFromAll) {
  const TrainConfig run = RunConfig();
  ASSERT_EQ(run.replay().tables(0).max_size_per_writer(), 2 * kEnvs);
  std::vector<std::unique_ptr<replay::ReplayServer>> shards;
  std::vector<std::string> addresses;
  for (int s = 0; s < kShards; ++s) {
    ReplayConfig config = run.replay();
    config.set_address("127.0.0.1:0");
    shards.push_back(replay::ReplayServer::Start(config).value());
    addresses.push_back(absl::StrCat("127.0.0.1:", shards.back()->port()));
  }
  const std::string shard_list = absl::StrJoin(addresses, ",");
  const TaskEnvs probe = Cartpole(1, 0);

  LearnerServiceOptions learner_options;
  learner_options.replay_address = shard_list;
  learner_options.table = run.learner_service().table();
  learner_options.batch_size = kBatch;
  learner_options.max_updates = kUpdates;
  learner_options.checkpoint_interval_s = 0;
  auto learner = LearnerService::Start(SmallConfig(), probe.obs_size, probe.num_actions, learner_options).value();
  const std::string learner_address = absl::StrCat("127.0.0.1:", learner->port());

  absl::Notification stop_actors;
  std::vector<std::unique_ptr<Actor>> actors;
  std::vector<std::thread> threads;
  for (int i = 0; i < kActors; ++i) {
    ActorOptions options;
    options.actor_id = i;
    options.replay_address = shard_list;  // every actor gets the whole list and picks its shard
    options.learner_address = learner_address;
    options.unroll_length = 10;
    options.parameter_sync_steps = 10;
    options.seed = 100 + i;
    actors.push_back(Actor::Create(SmallConfig(), Cartpole(kEnvs, 10 + i), options).value());
  }
  for (auto& actor : actors) {
    threads.emplace_back([&stop_actors, a = actor.get()] { ASSERT_TRUE(a->Run(stop_actors).ok()); });
  }
  absl::Notification never;
  const absl::Status learned = learner->Run(never);  // returns at max_updates
  ASSERT_TRUE(learned.ok()) << learned;
  EXPECT_EQ(learner->learner().step(), kUpdates);

  // while the actors still write: each shard counts its two writers and sized its queue for them
  int64_t samples = 0;
  for (int s = 0; s < kShards; ++s) {
    const InfoResponse info = shards[s]->core().Info();
    EXPECT_EQ(info.writers(), kActors / kShards) << "shard " << s;
    EXPECT_EQ(info.tables(0).max_size(), std::max(4 * kBatch, 2 * kEnvs * kActors / kShards)) << "shard " << s;
    EXPECT_GT(info.tables(0).inserts(), 0) << "shard " << s << " got no unrolls";
    EXPECT_GE(info.tables(0).samples(), kBatch) << "the learner never sampled shard " << s;
    samples += info.tables(0).samples();
  }
  // every update's batch came from one shard or the other; at most a prefetch and one waiting
  // batch per shard were taken ahead
  EXPECT_GE(samples, kUpdates * kBatch);
  EXPECT_LE(samples, (kUpdates + kShards * (learner_options.prefetch_batches + 1)) * kBatch);
  stop_actors.Notify();
  for (auto& t : threads) t.join();
  for (auto& actor : actors) EXPECT_GT(actor->counters().unrolls, 0);
}

TEST(ShardedReplayTrainingTest, AMalformedShardListIsRefusedNamingTheEntry) {
  const TaskEnvs probe = Cartpole(1, 0);
  LearnerServiceOptions options;
  options.replay_address = "127.0.0.1:1,,127.0.0.1:2";
  auto learner = LearnerService::Start(SmallConfig(), probe.obs_size, probe.num_actions, options);
  ASSERT_FALSE(learner.ok());
  EXPECT_NE(learner.status().message().find("replay address ''"), std::string::npos) << learner.status();
  ActorOptions actor_options;
  actor_options.replay_address = "127.0.0.1:1,nohost";
  actor_options.learner_address = "127.0.0.1:1";
  auto actor = Actor::Create(SmallConfig(), Cartpole(1, 0), actor_options);
  ASSERT_FALSE(actor.ok());
  EXPECT_NE(actor.status().message().find("'nohost'"), std::string::npos) << actor.status();
}

}  // namespace
}  // namespace mimic
