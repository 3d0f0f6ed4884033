// The training run's processes as commands, one per Kubernetes pod or launcher child:
//   mimic learner --config RUN/train.pbtxt --replay HOST:PORT [...]
//   mimic actor   --config RUN/train.pbtxt --replay HOST:PORT --learner HOST:PORT --id N [...]
//   mimic actor   --config RUN/train.pbtxt --learner HOST:PORT --evaluator [...]
// Each runs until SIGTERM or Ctrl-C; the learner then writes a final checkpoint.
#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "actors/actor.h"
#include "actors/actor_identity.h"
#include "actors/evaluator.h"
#include "actors/task_factory.h"
#include "cli/commands.h"
#include "cli/security_flags.h"
#include "common/args.h"
#include "cli/stop_signals.h"
#include "common/blas_threads.h"
#include "common/text_proto.h"
#include "learner/learner_service.h"
#include "learner/small_batch_linear.h"
#include "render/evaluation_videos.h"

namespace mimic::cli {
namespace {

const CommandSpec& LearnerSpec() {
  static const auto* spec = new CommandSpec{
      "learner",
      "run the learner service until SIGTERM: samples batches from replay, updates, serves parameters to "
      "actors, checkpoints (and resumes from the newest one)",
      WithSecurityFlags({
          {"config", FlagType::kString, "", "FILE", "the run's TrainConfig (mimic train writes RUN/train.pbtxt)", true},
          {"replay", FlagType::kString, "", "HOST:PORT[,...]", "the replay service, or its shards' list (samples from all)",
           true},
          {"address", FlagType::kString, "", "HOST:PORT", "where to serve parameters (default: the config's)"},
          {"metrics_address", FlagType::kString, "", "HOST:PORT", "Prometheus /metrics (default: the config's)"},
          {"checkpoint_dir", FlagType::kString, "", "DIR", "checkpoints (empty = none)"},
          {"status", FlagType::kString, "", "FILE", "a status file of live figures (empty = none)"},
          {"max_updates", FlagType::kInt, "", "updates", "stop after this many (default: the config's; 0 = never)"},
      }, /*server=*/true, /*client=*/true),
      {"./mimic learner --config runs/train-smoke/train.pbtxt --replay 127.0.0.1:9100 --checkpoint_dir runs/ckpt"},
  };
  return *spec;
}

const CommandSpec& ActorSpec() {
  static const auto* spec = new CommandSpec{
      "actor",
      "run an actor until SIGTERM (batched environments and policy, unrolls streamed to replay, parameters "
      "pulled from the learner) or, with --evaluator, the evaluator",
      WithSecurityFlags({
          {"config", FlagType::kString, "", "FILE", "the run's TrainConfig (mimic train writes RUN/train.pbtxt)", true},
          {"learner", FlagType::kString, "", "HOST:PORT", "the learner's parameter service", true},
          {"replay", FlagType::kString, "", "HOST:PORT[,...]",
           "the replay service, or its shards' list (the actor writes to shard id mod N; actors only)"},
          {"id", FlagType::kString, "0", "index or POD",
           "this actor's index, or a StatefulSet pod name whose ordinal is the index (mimic-actor-3); seeds mix it "
           "with the run seed and a nonce drawn at each start"},
          {"evaluator", FlagType::kBool, "", "", "run the evaluator instead of an actor"},
          {"metrics_address", FlagType::kString, "", "HOST:PORT", "Prometheus /metrics (empty = none)"},
          {"status", FlagType::kString, "", "FILE", "a status file of live figures (empty = none)"},
          {"eval_csv", FlagType::kString, "", "FILE", "evaluator: rows of evaluation figures (empty = none)"},
          {"survival_csv", FlagType::kString, "", "FILE", "evaluator: episode lengths with the policy's noise"},
          {"eval_clips_csv", FlagType::kString, "", "FILE", "evaluator: one row per clip and policy mode (completion, keypoint and tracking errors)"},
          {"video_dir", FlagType::kString, "", "DIR", "evaluator: where videos of its best and worst episodes go "
                                                      "when the config's evaluator { videos: true } (default: "
                                                      "videos/ beside --eval_csv)"},
          {"max_steps", FlagType::kInt, "0", "env steps", "actor: stop after this many (0 = never)"},
      }, /*server=*/false, /*client=*/true),
      {"./mimic actor --config runs/train-smoke/train.pbtxt --replay 127.0.0.1:9100 --learner 127.0.0.1:9200 --id 0"},
  };
  return *spec;
}

absl::StatusOr<TrainConfig> LoadRunConfig(const Args& args) {
  auto config = ReadTextProto<TrainConfig>(args.String("config"));
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
  int exit_code;
  auto args = ParseCommandLine(LearnerSpec(), argv, &exit_code);
  if (!args) return exit_code;
  StopSignals signals("learner");
  auto config = LoadRunConfig(*args);
  if (!config.ok()) return Fail("learner", config.status());
  auto probe = MakeTaskEnvs(config->task(), TaskRole::kTrain, 1, 1, 0);
  if (!probe.ok()) return Fail("learner", probe.status());
  const LearnerServiceConfig& service = config->learner_service();
  LearnerServiceOptions options;
  options.address = args->Has("address") ? args->String("address") : service.address();
  options.metrics_address = args->Has("metrics_address") ? args->String("metrics_address") : service.metrics_address();
  options.replay_address = args->String("replay");
  options.table = service.table();
  options.batch_size = service.batch_size();
  options.prefetch_batches = std::max(0, service.prefetch_batches());
  options.publish_every_updates = std::max(1, service.publish_every_updates());
  options.checkpoint_dir = args->String("checkpoint_dir");
  options.checkpoint_interval_s = service.checkpoint_interval_s();
  options.max_updates = args->Has("max_updates") ? args->Int64("max_updates") : service.max_updates();
  options.status_path = args->String("status");
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
  int exit_code;
  auto args = ParseCommandLine(ActorSpec(), argv, &exit_code);
  if (!args) return exit_code;
  StopSignals signals("actor");
  auto config = LoadRunConfig(*args);
  if (!config.ok()) return Fail("actor", config.status());
  // a number, or the StatefulSet pod's name (--id $(POD_NAME)): its ordinal
  auto parsed_id = ParseActorId(args->String("id"));
  if (!parsed_id.ok()) return Fail("actor", parsed_id.status());
  const int id = *parsed_id;
  auto security = LoadClientSecurity(SecurityFilesFrom(*args));
  if (!security.ok()) return Fail("actor", security.status());
  SetActingThreads();
  const ActorConfig& actor_config = config->actor();

  if (args->Bool("evaluator")) {
    const EvaluatorConfig& eval = config->evaluator();
    auto envs = MakeTaskEnvs(config->task(), TaskRole::kEvaluate, eval.num_envs(), 1, actor_config.seed() + 777,
                             eval.from_clip_start());
    if (!envs.ok()) return Fail("evaluator", envs.status());
    EvaluatorOptions options;
    options.learner_address = args->String("learner");
    options.interval_s = eval.interval_s();
    options.max_steps = eval.max_steps();
    options.csv_path = args->String("eval_csv");
    options.survival_path = args->String("survival_csv");
    options.clips_csv_path = args->String("eval_clips_csv");
    options.stochastic_episodes_per_clip = std::max(1, eval.stochastic_episodes_per_clip());
    options.status_path = args->String("status");
    options.metrics_address = args->Has("metrics_address") ? args->String("metrics_address") : eval.metrics_address();
    options.security = *security;
    std::unique_ptr<render::EvaluationVideos> videos;
    if (eval.videos() && envs->rodent != nullptr) {
      render::EvaluationVideoOptions video_options;
      const std::string csv = args->String("eval_csv");
      video_options.dir = args->Has("video_dir") ? args->String("video_dir")
                          : csv.empty()          ? "evaluator_videos"
                                                 : std::filesystem::path(csv).parent_path().append("videos").string();
      video_options.clips_path = config->task().clips();
      video_options.stac_config = config->task().stac_config();
      video_options.width = eval.video_width();
      video_options.height = eval.video_height();
      video_options.max_frames = eval.video_max_frames();
      video_options.min_interval_s = eval.video_min_interval_s();
      video_options.cancelled = [&signals] { return signals.stop().HasBeenNotified(); };
      auto made = render::EvaluationVideos::Create(envs->rodent->context(), video_options);
      if (!made.ok()) return Fail("evaluator", made.status());
      videos = *std::move(made);
      options.on_episodes = [&videos](int64_t version, const EpisodeTrace& best, const EpisodeTrace& worst) {
        auto episode = [](const EpisodeTrace& t) {
          return render::EvaluationEpisode{t.clip, t.qpos, t.frames, t.end, t.reward_per_step()};
        };
        const render::EvaluationEpisode b = episode(best);
        return videos->WriteEvaluation(version, b, &worst == &best ? b : episode(worst)).status();
      };
      std::printf("evaluator: videos of the best and worst episode of each evaluation in %s\n", video_options.dir.c_str());
    }
    auto evaluator = Evaluator::Create(config->learner(), *std::move(envs), options);
    if (!evaluator.ok()) return Fail("evaluator", evaluator.status());
    // the evaluator measures the policy the learner trains: float32 products, whatever the actors use
    SetInferencePrecision(InferencePrecision::kFloat32);
    std::printf("evaluator: %d envs, at most one evaluation every %.0f s, parameters from %s, %s products\n",
                eval.num_envs(), eval.interval_s(), options.learner_address.c_str(),
                InferencePrecisionName(ActiveInferencePrecision()).c_str());
    absl::Status ran = (*evaluator)->Run(signals.stop());
    if (!ran.ok()) return Fail("evaluator", ran);
    std::printf("evaluator: stopped after %ld evaluations\n", static_cast<long>((*evaluator)->evaluations()));
    return 0;
  }

  if (!args->Has("replay")) return Fail("actor", absl::InvalidArgumentError("--replay HOST:PORT is required for an actor"));
  auto precision = ParseInferencePrecision(actor_config.inference_precision());
  if (!precision.ok()) return Fail("actor", precision.status());
  SetInferencePrecision(*precision);  // this process only acts
  // the run seed and the id, plus a fresh nonce per start: a restarted actor draws new noise
  const uint64_t nonce = IncarnationNonce();
  const ActorSeeds seeds = DeriveActorSeeds(actor_config.seed(), id, nonce);
  auto envs = MakeTaskEnvs(config->task(), TaskRole::kTrain, actor_config.num_envs(), actor_config.env_threads(),
                           seeds.env);
  if (!envs.ok()) return Fail("actor", envs.status());
  ActorOptions options;
  options.actor_id = id;
  options.replay_address = args->String("replay");
  options.learner_address = args->String("learner");
  options.table = config->learner_service().table();
  options.unroll_length = actor_config.unroll_length();
  options.parameter_sync_steps = actor_config.parameter_sync_steps();
  options.max_in_flight = actor_config.max_in_flight();
  options.inference_threads = actor_config.inference_threads();
  options.seed = seeds.policy;
  options.max_env_steps = args->Int64("max_steps");
  options.status_path = args->String("status");
  options.metrics_address = args->String("metrics_address");
  options.security = *security;
  auto actor = Actor::Create(config->learner(), *std::move(envs), options);
  if (!actor.ok()) return Fail("actor", actor.status());
  std::printf("actor %d: %d %s envs, unrolls of %d steps to '%s' at %s, parameters from %s every %d steps "
              "(run seed %lu, incarnation nonce %016lx), %s products\n", id, actor_config.num_envs(),
              config->task().name().c_str(), options.unroll_length, options.table.c_str(),
              options.replay_address.c_str(), options.learner_address.c_str(), options.parameter_sync_steps,
              static_cast<unsigned long>(actor_config.seed()), static_cast<unsigned long>(nonce),
              InferencePrecisionName(ActiveInferencePrecision()).c_str());
  absl::Status ran = (*actor)->Run(signals.stop());
  if (!ran.ok()) return Fail("actor", ran);
  const ActorCounters& c = (*actor)->counters();
  std::printf("actor %d: stopped after %ld env steps, %ld unrolls, %ld episodes, policy v%ld\n", id,
              static_cast<long>(c.env_steps), static_cast<long>(c.unrolls), static_cast<long>(c.episodes),
              static_cast<long>(c.policy_version));
  return 0;
}

}  // namespace mimic::cli
