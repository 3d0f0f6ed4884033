#include "launch/local_run.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <google/protobuf/text_format.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "actors/task_factory.h"
#include "common/health_check.h"
#include "common/http_get.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "learner/small_batch_linear.h"
#include "launch/eval_figure.h"
#include "preprocess/stac_job.h"

namespace mimic::launch {
namespace {

namespace fs = std::filesystem;

absl::Status WriteText(const std::string& path, const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(message, &text);
  std::ofstream out(path, std::ios::trunc);
  out << "# written by mimic train; every process of this run reads this file\n" << text;
  if (!out.good()) return absl::UnavailableError("cannot write " + path);
  return absl::OkStatus();
}

absl::StatusOr<Ports> PickPorts(int actors) {
  Ports p;
  for (int* port : {&p.replay, &p.learner, &p.replay_metrics, &p.learner_metrics, &p.evaluator_metrics}) {
    MIMIC_ASSIGN_OR_RETURN(*port, FreeLocalPort());
  }
  for (int i = 0; i < actors; ++i) {
    MIMIC_ASSIGN_OR_RETURN(int port, FreeLocalPort());
    p.actor_metrics.push_back(port);
  }
  return p;
}

std::string Local(int port) { return absl::StrCat("127.0.0.1:", port); }

double SecondsSince(absl::Time t) { return absl::ToDoubleSeconds(absl::Now() - t); }

// Settings only the actor processes read: refused before anything starts, not by actors restarted
// until the supervisor gives up.
absl::Status CheckActorSettings(const TrainConfig& config) {
  if (auto precision = ParseInferencePrecision(config.actor().inference_precision()); !precision.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("actor.inference_precision: ", precision.status().message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TrainConfig> CheckTrainConfig(const TrainConfig& config) {
  MIMIC_RETURN_IF_ERROR(CheckActorSettings(config));
  if (!config.task().keypoints().empty() && !fs::exists(config.task().keypoints())) {
    return absl::NotFoundError(absl::StrCat("task.keypoints: no file ", config.task().keypoints()));
  }
  TrainConfig probe = config;
  if (!probe.task().keypoints().empty() && probe.task().clips().empty()) {
    // registered at start: the clips do not exist yet, so their lists are checked then
    probe.mutable_task()->clear_keypoints();
    probe.mutable_task()->clear_clip_ids();
    probe.mutable_task()->clear_held_out_clip_ids();
    probe.mutable_task()->clear_eval_clip_ids();
  }
  return CompleteTrainConfig(probe);
}

LocalRun::LocalRun(LocalRunOptions options, RunLayout layout)
    : options_(std::move(options)), layout_(std::move(layout)) {}

LocalRun::~LocalRun() {
  if (!summary_.has_value() && supervisor_ != nullptr) Stop();
}

void LocalRun::Event(const std::string& line) const {
  if (options_.on_event) options_.on_event(line);
}

absl::StatusOr<std::unique_ptr<LocalRun>> LocalRun::Start(const LocalRunOptions& options) {
  if (options.config_path.empty()) return absl::InvalidArgumentError("a TrainConfig file is required");
  MIMIC_ASSIGN_OR_RETURN(TrainConfig config, ReadTextProto<TrainConfig>(options.config_path));
  if (options.actors.has_value()) config.set_num_actors(*options.actors);
  const std::string dir = options.run_dir.empty()
                              ? "runs/train-" + fs::path(options.config_path).stem().string()
                              : options.run_dir;
  std::unique_ptr<LocalRun> run(new LocalRun(options, RunLayout(dir)));
  run->max_wall_s_ = options.max_wall_s.value_or(config.max_wall_seconds());
  run->max_updates_ = options.max_updates.value_or(config.max_updates());
  run->max_env_steps_ = options.max_env_steps.value_or(config.max_env_steps());
  // the budget the run keeps is the one written into its config (a learning-rate decay spans it)
  config.set_max_env_steps(run->max_env_steps_);
  // everything `mimic train --check` refuses, before registering clips, which takes minutes
  MIMIC_RETURN_IF_ERROR(CheckTrainConfig(config).status());
  MIMIC_RETURN_IF_ERROR(run->Prepare(std::move(config)));
  MIMIC_RETURN_IF_ERROR(run->StartProcesses());
  return run;
}

absl::Status LocalRun::Prepare(TrainConfig config) {
  std::error_code ec;
  for (const std::string& d : {layout_.dir, layout_.logs, layout_.status, layout_.metrics}) {
    fs::create_directories(d, ec);
    if (ec) return absl::PermissionDeniedError(absl::StrCat("cannot create ", d, ": ", ec.message()));
  }
  resuming_ = fs::exists(layout_.checkpoints) && !fs::is_empty(layout_.checkpoints);
  // every process of the run requires this run's token of every caller
  security_ = options_.security;
  if (security_.token_file.empty()) {
    MIMIC_RETURN_IF_ERROR(WriteRandomTokenFile(layout_.token).status());
    security_.token_file = layout_.token;
  }

  // keypoints rather than clips: register them with STAC once per run directory
  TaskConfig* task = config.mutable_task();
  if (task->name() == "rodent" && task->clips().empty() && !task->keypoints().empty()) {
    const std::string clips = layout_.dir + "/clips.h5";
    if (!fs::exists(clips)) {
      preprocess::StacJob job;
      job.keypoints = task->keypoints();
      job.config = task->stac_config();
      job.out = clips;
      job.on_progress = options_.on_stac_progress;
      MIMIC_ASSIGN_OR_RETURN(preprocess::StacOutcome outcome, preprocess::RunStacJob(job));
      Event(absl::StrFormat("registered %s with STAC: %d frames -> %d clips, mean residual %.2f mm",
                            job.keypoints, outcome.frames, outcome.clips, outcome.mean_residual_mm));
    }
    task->set_clips(clips);
  }
  MIMIC_ASSIGN_OR_RETURN(config_, CompleteTrainConfig(config));
  // local runs film their evaluations unless the config says otherwise
  if (!config_.evaluator().has_videos()) config_.mutable_evaluator()->set_videos(true);
  MIMIC_ASSIGN_OR_RETURN(ports_, PickPorts(config_.num_actors()));

  ReplayConfig replay = config_.replay();
  replay.set_address(Local(ports_.replay));
  replay.set_metrics_address(Local(ports_.replay_metrics));
  replay.set_checkpoint_dir(layout_.replay_checkpoints);
  replay.set_checkpoint_interval_s(config_.replay_checkpoint_interval_s());
  config_.mutable_learner_service()->set_address(Local(ports_.learner));
  config_.mutable_learner_service()->set_metrics_address(Local(ports_.learner_metrics));
  MIMIC_RETURN_IF_ERROR(WriteText(layout_.config, config_));
  return WriteText(layout_.replay_config, replay);
}

absl::Status LocalRun::StartProcesses() {
  const std::string self = options_.binary.empty() ? fs::read_symlink("/proc/self/exe").string() : options_.binary;
  SupervisorOptions supervisor_options;
  supervisor_options.pid_file = layout_.pids;
  supervisor_ = std::make_unique<ProcessSupervisor>(supervisor_options);
  const std::vector<std::string> security_args = SecurityFileArgs(security_);
  MIMIC_ASSIGN_OR_RETURN(const ClientSecurity client, LoadClientSecurity(security_));
  auto start = [&](const std::string& process, std::vector<std::string> args) {
    args.insert(args.begin(), self);
    args.insert(args.end(), security_args.begin(), security_args.end());
    return supervisor_->Start({process, args, layout_.logs + "/" + process + ".log", true});
  };
  started_at_ = absl::Now();
  MIMIC_RETURN_IF_ERROR(start("replay", {"replay", "--config", layout_.replay_config}));
  // the others only need replay to be reachable eventually, but waiting keeps the logs clean
  for (int i = 0; i < 100; ++i) {
    auto healthy = CheckHealth(SecureChannel(Local(ports_.replay), client), "", absl::Milliseconds(200));
    if (healthy.ok() && *healthy) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  MIMIC_RETURN_IF_ERROR(start("learner", {"learner", "--config", layout_.config, "--replay", Local(ports_.replay),
                                          "--checkpoint_dir", layout_.checkpoints, "--status",
                                          layout_.status + "/learner.json"}));
  for (int i = 0; i < config_.num_actors(); ++i) {
    actor_names_.push_back(absl::StrCat("actor-", i));
    MIMIC_RETURN_IF_ERROR(start(actor_names_.back(),
                                {"actor", "--config", layout_.config, "--id", absl::StrCat(i), "--replay",
                                 Local(ports_.replay), "--learner", Local(ports_.learner), "--status",
                                 absl::StrCat(layout_.status, "/actor-", i, ".json"), "--metrics_address",
                                 Local(ports_.actor_metrics[i])}));
  }
  if (config_.evaluator().enabled()) {
    actor_names_.push_back("evaluator");
    MIMIC_RETURN_IF_ERROR(start("evaluator", {"actor", "--evaluator", "--config", layout_.config, "--learner",
                                              Local(ports_.learner), "--eval_csv", layout_.eval_csv,
                                              "--survival_csv", layout_.survival_csv, "--eval_clips_csv",
                                              layout_.eval_clips_csv, "--video_dir", layout_.videos, "--status",
                                              layout_.status + "/evaluator.json", "--metrics_address",
                                              Local(ports_.evaluator_metrics)}));
  }
  return absl::OkStatus();
}

void LocalRun::Supervise(absl::Notification* stop) {
  double last_progress = -1e9;
  while (stop == nullptr ? (absl::SleepFor(absl::Milliseconds(500)), true)
                         : !stop->WaitForNotificationWithTimeout(absl::Milliseconds(500))) {
    const double elapsed = SecondsSince(started_at_);
    for (const std::string& event : supervisor_->Poll()) Event(event);
    const RunFigures figures = Figures();
    if (options_.on_progress && elapsed - last_progress >= options_.progress_interval_s) {
      last_progress = elapsed;
      options_.on_progress(figures, elapsed);
    }
    if (max_wall_s_ > 0 && elapsed >= max_wall_s_) {
      stop_reason_ = absl::StrFormat("reached the wall-time budget of %.0f s", max_wall_s_);
      return;
    }
    if (max_updates_ > 0 && figures.updates >= max_updates_) {
      stop_reason_ = absl::StrCat("reached ", max_updates_, " learner updates");
      return;
    }
    if (max_env_steps_ > 0 && figures.env_steps >= max_env_steps_) {
      stop_reason_ = absl::StrCat("reached ", max_env_steps_, " environment steps");
      return;
    }
  }
}

void LocalRun::SnapshotMetrics() const {
  std::vector<std::pair<std::string, int>> pages = {{"replay", ports_.replay_metrics},
                                                    {"learner", ports_.learner_metrics},
                                                    {"evaluator", ports_.evaluator_metrics}};
  for (size_t i = 0; i < ports_.actor_metrics.size(); ++i) {
    pages.emplace_back(absl::StrCat("actor-", i), ports_.actor_metrics[i]);
  }
  for (const auto& [name, port] : pages) {
    auto page = HttpGet("127.0.0.1", port, "/metrics", absl::Seconds(2));
    if (page.ok()) std::ofstream(layout_.metrics + "/" + name + ".prom") << *page;
  }
}

RunSummary LocalRun::Stop() {
  if (summary_.has_value()) return *summary_;
  Event(absl::StrCat(stop_reason_, "; stopping"));
  SnapshotMetrics();
  for (const std::string& event : supervisor_->StopAll({actor_names_, {"learner"}, {"replay"}}, absl::Seconds(20))) {
    Event(event);
  }
  RunSummary out;
  out.stop_reason = stop_reason_;
  out.figures = Figures();
  WriteEvalFigure(layout_);
  out.wall_s = SecondsSince(started_at_);
  for (const std::string& process : supervisor_->names()) out.restarts += supervisor_->restarts(process);
  const RunFigures& f = out.figures;
  out.summary = {{"wall_s", out.wall_s},
                 {"env_steps", f.env_steps},
                 {"updates", f.updates},
                 {"restarts", static_cast<double>(out.restarts)},
                 {"eval_mean_length", f.eval_length},
                 {"eval_body_error_mm", f.eval_body_error_mm},
                 {"eval_reward_per_step", f.eval_reward_per_step},
                 {"eval_noisy_mean_length", f.eval_noisy_length},
                 {"eval_completion_train", f.eval_completion},
                 {"eval_noisy_completion_train", f.eval_noisy_completion},
                 {"eval_completion_held_out", f.eval_completion_held_out},
                 {"eval_keypoint_error_mm_train", f.eval_keypoint_error_mm},
                 {"eval_keypoint_error_mm_held_out", f.eval_keypoint_error_mm_held_out}};
  out.evaluations = ReadCsvColumns(layout_.eval_csv);
  auto& evals = out.evaluations;
  if (!evals["mean_length"].empty()) {
    out.summary["eval_first_mean_length"] = evals["mean_length"].front();
    out.summary["eval_best_mean_length"] = *std::max_element(evals["mean_length"].begin(), evals["mean_length"].end());
    out.summary["evaluations"] = static_cast<double>(evals["mean_length"].size());
    const auto& noisy = evals["stochastic_mean_length"];
    if (!noisy.empty()) {
      out.summary["eval_first_noisy_mean_length"] = noisy.front();
      out.summary["eval_best_noisy_mean_length"] = *std::max_element(noisy.begin(), noisy.end());
    }
    out.summary["eval_first_reward_per_step"] = evals["reward_per_step"].front();
    out.summary["eval_first_body_error_mm"] = evals["body_error_mm"].front();
  }
  WriteStatusFile(layout_.summary, out.summary).IgnoreError();
  summary_ = out;
  return out;
}

}  // namespace mimic::launch
