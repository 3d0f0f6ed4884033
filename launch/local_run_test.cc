// A whole local run through the launcher library: the real `mimic` binary's processes over
// loopback, stopped on an update budget, then resumed from the same run directory.
#include "launch/local_run.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_file.h"
#include "common/text_proto.h"
#include "learner/small_batch_linear.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace mimic::launch {
namespace {

namespace fs = std::filesystem;

std::string TestDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = absl::StrCat(tmp ? tmp : "/tmp", "/", name);
  fs::remove_all(dir);
  return dir;
}

// configs/smoke.pbtxt, one actor and a short evaluator interval: the cheapest real run;
// `decay`: with a learning-rate decay over the run's budget
std::string SmokeConfig(const std::string& dir, bool decay = false) {
  auto config = ReadTextProto<TrainConfig>("configs/smoke.pbtxt");
  EXPECT_TRUE(config.ok()) << config.status();
  config->mutable_evaluator()->set_interval_s(1);
  if (decay) config->mutable_learner()->mutable_learning_rate_decay();
  std::string text;
  google::protobuf::TextFormat::PrintToString(*config, &text);
  fs::create_directories(dir);
  const std::string path = dir + "/smoke.pbtxt";
  std::ofstream(path) << text;
  return path;
}

LocalRunOptions Options(const std::string& dir, std::vector<std::string>* events) {
  LocalRunOptions options;
  options.config_path = SmokeConfig(dir + "-config");
  options.run_dir = dir;
  options.binary = "cli/mimic";
  options.actors = 1;
  options.max_wall_s = 120;  // a safety net: the update budget ends the run
  options.on_event = [events](const std::string& line) { events->push_back(line); };
  return options;
}

TEST(LocalRunTest, RunsUntilTheUpdateBudgetThenStopsInOrderAndWritesItsSummary) {
  const std::string dir = TestDir("run");
  std::vector<std::string> events;
  LocalRunOptions options = Options(dir, &events);
  options.max_updates = 8;
  int progress_calls = 0;
  options.progress_interval_s = 0;
  options.on_progress = [&progress_calls](const RunFigures&, double) { ++progress_calls; };
  auto run = LocalRun::Start(options);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_FALSE((*run)->resuming());
  EXPECT_EQ((*run)->config().num_actors(), 1);
  // every process reads the completed config with the launcher's loopback ports
  EXPECT_EQ((*run)->config().learner_service().address(), absl::StrCat("127.0.0.1:", (*run)->ports().learner));
  (*run)->Supervise(nullptr);
  const RunSummary summary = (*run)->Stop();
  EXPECT_EQ(summary.stop_reason, "reached 8 learner updates");
  EXPECT_GE(summary.figures.updates, 8);
  EXPECT_GT(summary.figures.env_steps, 0);
  EXPECT_EQ(summary.restarts, 0);
  EXPECT_GT(progress_calls, 0);
  auto written = ReadStatusFile(dir + "/summary.json");
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->at("updates"), summary.figures.updates);
  EXPECT_TRUE(fs::exists(dir + "/metrics/learner.prom"));
  // the actor publishes where its episodes start (one weight per training clip), and the
  // evaluator's per-clip rows and completion figures are there
  std::stringstream actor_metrics;
  actor_metrics << std::ifstream(dir + "/metrics/actor-0.prom").rdbuf();
  EXPECT_NE(actor_metrics.str().find("mimic_actor_clip_sampling_weight{clip="), std::string::npos);
  std::stringstream clip_rows;
  clip_rows << std::ifstream(dir + "/eval_clips.csv").rdbuf();
  EXPECT_EQ(clip_rows.str().rfind("wall_s,version,clip,clip_id,split,policy", 0), 0u) << clip_rows.str();
  EXPECT_NE(clip_rows.str().find(",train,stochastic,"), std::string::npos);
  EXPECT_FALSE(summary.evaluations.at("completion_train").empty());
  EXPECT_FALSE(fs::is_empty(dir + "/checkpoints"));
  // the actor acts with the products its config names (where the CPU has them); the evaluator
  // measures in float32 whatever the actors use
  std::stringstream actor_log, evaluator_log;
  actor_log << std::ifstream(dir + "/logs/actor-0.log").rdbuf();
  evaluator_log << std::ifstream(dir + "/logs/evaluator.log").rdbuf();
  const std::string acting = CpuHasBf16Products() && ActiveSmallBatchIsa() == SmallBatchIsa::kAvx512 ? "bfloat16" : "float32";
  EXPECT_NE(actor_log.str().find(absl::StrCat(", ", acting, " products")), std::string::npos) << actor_log.str();
  EXPECT_NE(evaluator_log.str().find(", float32 products"), std::string::npos) << evaluator_log.str();
  // the learner stops only after the actors, and replay last
  std::vector<std::string> stops;
  for (const std::string& e : events) {
    for (const char* p : {"actor-0", "learner", "replay"}) {
      if (e.rfind(absl::StrCat(p, " "), 0) == 0 && e.find("stopped") != std::string::npos) stops.push_back(p);
    }
  }
  EXPECT_EQ(stops, (std::vector<std::string>{"actor-0", "learner", "replay"})) << absl::StrJoin(events, "\n");
}

TEST(LocalRunTest, StopsOnTheEnvironmentStepBudgetAndDecaysTheLearningRatesOverIt) {
  const std::string dir = TestDir("env_steps");
  std::vector<std::string> events;
  LocalRunOptions options = Options(dir, &events);
  options.config_path = SmokeConfig(dir + "-config", /*decay=*/true);
  options.max_env_steps = 1200;  // the config has none: the option's budget is the one decayed over
  auto run = LocalRun::Start(options);
  ASSERT_TRUE(run.ok()) << run.status();
  // the config every process reads: the budget, and the decay's updates it buys (4 unrolls of 10 steps each)
  auto written = ReadTextProto<TrainConfig>(RunLayout(dir).config);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->max_env_steps(), 1200);
  EXPECT_EQ(written->learner().learning_rate_decay().updates(), 30);
  (*run)->Supervise(nullptr);
  const RunSummary summary = (*run)->Stop();
  EXPECT_EQ(summary.stop_reason, "reached 1200 environment steps");
  EXPECT_GE(summary.figures.env_steps, 1200);
}

TEST(LocalRunTest, StartingAgainOnTheSameDirectoryResumesFromItsCheckpoints) {
  const std::string dir = TestDir("resume");
  std::vector<std::string> events;
  LocalRunOptions options = Options(dir, &events);
  options.max_updates = 4;
  {
    auto first = LocalRun::Start(options);
    ASSERT_TRUE(first.ok()) << first.status();
    (*first)->Supervise(nullptr);
    (*first)->Stop();
  }
  options.max_updates = 10;
  auto second = LocalRun::Start(options);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE((*second)->resuming());
  (*second)->Supervise(nullptr);
  EXPECT_GE((*second)->Stop().figures.updates, 10);
}

TEST(LocalRunTest, ABadConfigIsRefusedBeforeAnythingStarts) {
  const std::string dir = TestDir("bad");
  fs::create_directories(dir);
  LocalRunOptions options;
  options.run_dir = dir + "/run";
  options.binary = "cli/mimic";
  // LocalRun::Start on a config file of `text`: it must fail, and no process may have started
  auto refusal = [&](const std::string& name, const std::string& text) -> std::string {
    std::ofstream(dir + "/" + name) << text;
    options.config_path = dir + "/" + name;
    auto run = LocalRun::Start(options);
    EXPECT_FALSE(run.ok()) << name;
    EXPECT_FALSE(fs::exists(dir + "/run/pids.txt")) << name;
    return run.ok() ? "" : std::string(run.status().message());
  };
  const std::string actors = refusal("bad.pbtxt", "task { name: \"rodent\" }\nnum_actors: 0\n");
  EXPECT_NE(actors.find("num_actors"), std::string::npos) << actors;
  // an actor setting only actor processes read is refused here too, not by crash-looping actors
  const std::string precision =
      refusal("precision.pbtxt", "task { name: \"cartpole\" }\nactor { inference_precision: \"fp8\" }\n");
  EXPECT_NE(precision.find("inference_precision"), std::string::npos) << precision;
  // a setting only the learner reads is refused here too, not by a crash-looping learner
  const std::string discount = refusal("discount.pbtxt", "task { name: \"cartpole\" }\nlearner { discount: 1.5 }\n");
  EXPECT_NE(discount.find("learner.discount"), std::string::npos) << discount;
  TrainConfig nan_rate = ReadTextProto<TrainConfig>("configs/smoke.pbtxt").value();
  nan_rate.mutable_learner()->set_critic_learning_rate(std::nanf(""));
  const absl::Status nan_status = CheckTrainConfig(nan_rate).status();  // mimic train --check
  EXPECT_NE(nan_status.message().find("learner.critic_learning_rate"), std::string::npos) << nan_status;
  TrainConfig fp8;
  fp8.mutable_actor()->set_inference_precision("fp8");
  EXPECT_NE(CheckTrainConfig(fp8).status().message().find("'fp8'"), std::string::npos);  // mimic train --check
  TrainConfig missing_keypoints;
  missing_keypoints.mutable_task()->set_keypoints(dir + "/nowhere.mat");
  EXPECT_EQ(CheckTrainConfig(missing_keypoints).status().code(), absl::StatusCode::kNotFound);
  // a learning-rate decay over the run's budget needs a budget
  TrainConfig decay = ReadTextProto<TrainConfig>("configs/smoke.pbtxt").value();
  decay.mutable_learner()->mutable_learning_rate_decay();
  absl::Status no_budget = CheckTrainConfig(decay).status();
  EXPECT_EQ(no_budget.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_budget.message().find("max_env_steps"), std::string::npos) << no_budget;
  decay.set_max_env_steps(1000);  // 40 steps per update
  auto completed = CheckTrainConfig(decay);
  ASSERT_TRUE(completed.ok()) << completed.status();
  EXPECT_EQ(completed->learner().learning_rate_decay().updates(), 25);
  // MPO's table samples each unroll 4 times (samples_per_insert): four times the updates
  decay.mutable_learner()->mutable_mpo();
  auto mpo = CheckTrainConfig(decay);
  ASSERT_TRUE(mpo.ok()) << mpo.status();
  EXPECT_EQ(mpo->learner().learning_rate_decay().updates(), 100);
}

}  // namespace
}  // namespace mimic::launch
