// The training run's processes as commands, one per Kubernetes pod or launcher child:
//   mimic learner --config RUN/train.pbtxt --replay HOST:PORT [...]
//   mimic actor   --config RUN/train.pbtxt --replay HOST:PORT --learner HOST:PORT --id N [...]
//   mimic actor   --config RUN/train.pbtxt --learner HOST:PORT --evaluator [...]
// Each runs until SIGTERM or Ctrl-C; the learner then writes a final checkpoint.
#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "actors/actor.h"
#include "actors/evaluator.h"
#include "actors/task_factory.h"
#include "cli/commands.h"
#include "cli/env_setup.h"
#include "cli/security_flags.h"
#include "cli/stop_signals.h"
#include "common/blas_threads.h"
#include "common/text_proto.h"
#include "learner/learner_service.h"

namespace mimic::cli {
namespace {

absl::StatusOr<TrainConfig> LoadRunConfig(const Args& args) {
  if (!args.Has("config")) return absl::InvalidArgumentError("--config FILE is required");
  auto config = ReadTextProto<TrainConfig>(args.GetString("config", ""));
  if (!config.ok()) return config.status();
  return CompleteTrainConfig(*config);
}

void SetIntraOpThreads(const LearnerConfig& config) {
  if (config.intra_op_threads() > 0) torch::set_num_threads(config.intra_op_threads());
}

// Actors and the evaluator share their cores with the physics: one BLAS thread (bench actor).
void SetActingThreads() {
  torch::set_num_threads(1);
  SetBlasThreads(1);
}

}  // namespace

int RunLearner(const Argv& argv) {
  auto args = Args::Parse(argv, WithSecurityFlags({"config", "replay", "address", "metrics_address", "checkpoint_dir",
                                                   "status", "max_updates"}));
  if (!args.ok()) return Fail("learner", args.status());
  StopSignals signals("learner");
  auto config = LoadRunConfig(*args);
  if (!config.ok()) return Fail("learner", config.status());
  if (!args->Has("replay")) return Fail("learner", absl::InvalidArgumentError("--replay HOST:PORT is required"));
  auto probe = MakeTaskEnvs(config->task(), TaskRole::kTrain, 1, 1, 0);
  if (!probe.ok()) return Fail("learner", probe.status());
  const LearnerServiceConfig& service = config->learner_service();
  LearnerServiceOptions options;
  options.address = args->GetString("address", service.address());
  options.metrics_address = args->GetString("metrics_address", service.metrics_address());
  options.replay_address = args->GetString("replay", "");
  options.table = service.table();
  options.batch_size = service.batch_size();
  options.prefetch_batches = std::max(0, service.prefetch_batches());
  options.publish_every_updates = std::max(1, service.publish_every_updates());
  options.checkpoint_dir = args->GetString("checkpoint_dir", "");
  options.checkpoint_interval_s = service.checkpoint_interval_s();
  auto max_updates = args->GetInt("max_updates", static_cast<int>(service.max_updates()));
  if (!max_updates.ok()) return Fail("learner", max_updates.status());
  options.max_updates = *max_updates;
  options.status_path = args->GetString("status", "");
  // one token for the run: required of callers, sent to replay
  auto server_security = LoadServerSecurity(SecurityFilesFrom(*args));
  if (!server_security.ok()) return Fail("learner", server_security.status());
  auto client_security = LoadClientSecurity(SecurityFilesFrom(*args));
  if (!client_security.ok()) return Fail("learner", client_security.status());
  options.security = *server_security;
  options.replay_security = *client_security;
  SetIntraOpThreads(config->learner());
  auto learner = LearnerService::Start(config->learner(), probe->obs_size, probe->num_actions, options);
  if (!learner.ok()) return Fail("learner", learner.status());
  std::printf("learner: %s, serving parameters on port %d", (*learner)->learner().algorithm_name().c_str(),
              (*learner)->port());
  if ((*learner)->metrics_port() > 0) std::printf(", /metrics on port %d", (*learner)->metrics_port());
  if (!(*learner)->resumed_from().empty()) {
    std::printf(", resumed from %s at update %ld", (*learner)->resumed_from().c_str(),
                static_cast<long>((*learner)->learner().step()));
  }
  std::printf("; sampling '%s' from %s in batches of %d\n", options.table.c_str(), options.replay_address.c_str(),
              options.batch_size);
  absl::Status ran = (*learner)->Run(signals.stop());
  if (!ran.ok()) return Fail("learner", ran);
  std::printf("learner: stopped at update %ld\n", static_cast<long>((*learner)->learner().step()));
  return 0;
}

int RunActor(const Argv& argv) {
  auto args = Args::Parse(argv, WithSecurityFlags({"config", "replay", "learner", "id", "metrics_address", "status",
                                                   "eval_csv", "survival_csv", "max_steps"}),
                          {"evaluator"});
  if (!args.ok()) return Fail("actor", args.status());
  StopSignals signals("actor");
  auto config = LoadRunConfig(*args);
  if (!config.ok()) return Fail("actor", config.status());
  if (!args->Has("learner")) return Fail("actor", absl::InvalidArgumentError("--learner HOST:PORT is required"));
  auto id = args->GetInt("id", 0);
  if (!id.ok()) return Fail("actor", id.status());
  auto security = LoadClientSecurity(SecurityFilesFrom(*args));
  if (!security.ok()) return Fail("actor", security.status());
  SetActingThreads();
  const ActorConfig& actor_config = config->actor();

  if (args->Has("evaluator")) {
    const EvaluatorConfig& eval = config->evaluator();
    auto envs = MakeTaskEnvs(config->task(), TaskRole::kEvaluate, eval.num_envs(), 1, actor_config.seed() + 777,
                             eval.from_clip_start());
    if (!envs.ok()) return Fail("evaluator", envs.status());
    EvaluatorOptions options;
    options.learner_address = args->GetString("learner", "");
    options.interval_s = eval.interval_s();
    options.max_steps = eval.max_steps();
    options.csv_path = args->GetString("eval_csv", "");
    options.survival_path = args->GetString("survival_csv", "");
    options.status_path = args->GetString("status", "");
    options.metrics_address = args->GetString("metrics_address", eval.metrics_address());
    options.security = *security;
    auto evaluator = Evaluator::Create(config->learner(), *std::move(envs), options);
    if (!evaluator.ok()) return Fail("evaluator", evaluator.status());
    std::printf("evaluator: %d envs, at most one evaluation every %.0f s, parameters from %s\n", eval.num_envs(),
                eval.interval_s(), options.learner_address.c_str());
    absl::Status ran = (*evaluator)->Run(signals.stop());
    if (!ran.ok()) return Fail("evaluator", ran);
    std::printf("evaluator: stopped after %ld evaluations\n", static_cast<long>((*evaluator)->evaluations()));
    return 0;
  }

  if (!args->Has("replay")) return Fail("actor", absl::InvalidArgumentError("--replay HOST:PORT is required"));
  auto envs = MakeTaskEnvs(config->task(), TaskRole::kTrain, actor_config.num_envs(), actor_config.env_threads(),
                           actor_config.seed() + 1000 * static_cast<uint64_t>(*id));
  if (!envs.ok()) return Fail("actor", envs.status());
  ActorOptions options;
  options.actor_id = *id;
  options.replay_address = args->GetString("replay", "");
  options.learner_address = args->GetString("learner", "");
  options.table = config->learner_service().table();
  options.unroll_length = actor_config.unroll_length();
  options.parameter_sync_steps = actor_config.parameter_sync_steps();
  options.max_in_flight = actor_config.max_in_flight();
  options.inference_threads = actor_config.inference_threads();
  // a restarted actor draws fresh noise: the pid keeps incarnations apart
  options.seed = actor_config.seed() + 1000 * static_cast<uint64_t>(*id) + 7919 * static_cast<uint64_t>(getpid());
  auto max_steps = args->GetInt("max_steps", 0);
  if (!max_steps.ok()) return Fail("actor", max_steps.status());
  options.max_env_steps = *max_steps;
  options.status_path = args->GetString("status", "");
  options.metrics_address = args->GetString("metrics_address", "");
  options.security = *security;
  auto actor = Actor::Create(config->learner(), *std::move(envs), options);
  if (!actor.ok()) return Fail("actor", actor.status());
  std::printf("actor %d: %d %s envs, unrolls of %d steps to '%s' at %s, parameters from %s every %d steps\n", *id,
              actor_config.num_envs(), config->task().name().c_str(), options.unroll_length, options.table.c_str(),
              options.replay_address.c_str(), options.learner_address.c_str(), options.parameter_sync_steps);
  absl::Status ran = (*actor)->Run(signals.stop());
  if (!ran.ok()) return Fail("actor", ran);
  const ActorCounters& c = (*actor)->counters();
  std::printf("actor %d: stopped after %ld env steps, %ld unrolls, %ld episodes, policy v%ld\n", *id,
              static_cast<long>(c.env_steps), static_cast<long>(c.unrolls), static_cast<long>(c.episodes),
              static_cast<long>(c.policy_version));
  return 0;
}

}  // namespace mimic::cli
