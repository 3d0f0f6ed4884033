// `mimic train --config configs/NAME.pbtxt [--run_dir DIR]`: the whole training topology on one
// machine as separate processes — replay, learner, N actors and an evaluator — supervised by this
// one: a crashed process is restarted, Ctrl-C or SIGTERM stops them all in order (actors, then
// the learner with its final checkpoint, then replay with its own). The run directory holds the
// config every process read, their logs, checkpoints, status files, the evaluation curves and a
// metrics snapshot. Running again on the same directory resumes from its checkpoints. Every process
// of the run requires a random token drawn for the run (RUN/token, readable by its owner only;
// --token_file names another), and the security flags given are handed to every process.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <google/protobuf/text_format.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "actors/task_factory.h"
#include "cli/commands.h"
#include "cli/env_setup.h"
#include "cli/security_flags.h"
#include "cli/stop_signals.h"
#include "common/grpc_security.h"
#include "common/health_check.h"
#include "common/http_get.h"
#include "common/process_supervisor.h"
#include "common/status_file.h"
#include "common/svg_chart.h"
#include "common/text_proto.h"
#include "preprocess/stac_job.h"

namespace mimic::cli {
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

std::string SelfPath() { return fs::read_symlink("/proc/self/exe").string(); }

struct RunLayout {
  std::string dir, config, replay_config, logs, status, checkpoints, replay_checkpoints, metrics, eval_csv,
      survival_csv, pids;
  explicit RunLayout(const std::string& d)
      : dir(d),
        config(d + "/train.pbtxt"),
        replay_config(d + "/replay.pbtxt"),
        logs(d + "/logs"),
        status(d + "/status"),
        checkpoints(d + "/checkpoints"),
        replay_checkpoints(d + "/replay_checkpoints"),
        metrics(d + "/metrics"),
        eval_csv(d + "/eval.csv"),
        survival_csv(d + "/survival.csv"),
        pids(d + "/pids.txt") {}
};

struct Ports {
  int replay = 0, learner = 0, replay_metrics = 0, learner_metrics = 0, evaluator_metrics = 0;
  std::vector<int> actor_metrics;
};

absl::StatusOr<Ports> PickPorts(int actors) {
  Ports p;
  for (int* port : {&p.replay, &p.learner, &p.replay_metrics, &p.learner_metrics, &p.evaluator_metrics}) {
    auto free = FreeLocalPort();
    if (!free.ok()) return free.status();
    *port = *free;
  }
  for (int i = 0; i < actors; ++i) {
    auto free = FreeLocalPort();
    if (!free.ok()) return free.status();
    p.actor_metrics.push_back(*free);
  }
  return p;
}

std::string Local(int port) { return absl::StrCat("127.0.0.1:", port); }

// Reads the evaluation rows written so far: column name → values.
std::map<std::string, std::vector<double>> ReadEvalCsv(const std::string& path) {
  std::map<std::string, std::vector<double>> columns;
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return columns;
  const std::vector<std::string> names = absl::StrSplit(line, ',');
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = absl::StrSplit(line, ',');
    if (cells.size() != names.size()) continue;
    for (size_t i = 0; i < cells.size(); ++i) columns[names[i]].push_back(std::strtod(cells[i].c_str(), nullptr));
  }
  return columns;
}

// Survival curves of the noisy policy's episodes: the share still going after t steps, for the
// first and the last evaluated version.
std::string SurvivalChart(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::map<long, std::vector<int>> lengths;  // version -> stochastic episode lengths
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = absl::StrSplit(line, ',');
    if (cells.size() != 4 || cells[1] != "stochastic") continue;
    lengths[std::strtol(cells[0].c_str(), nullptr, 10)].push_back(std::atoi(cells[3].c_str()));
  }
  if (lengths.size() < 1) return "";
  int longest = 1;
  for (const auto& [v, l] : lengths) longest = std::max(longest, *std::max_element(l.begin(), l.end()));
  std::vector<double> t;
  for (int s = 0; s <= longest; s += std::max(1, longest / 100)) t.push_back(s);
  auto curve = [&](const std::vector<int>& l) {
    std::vector<double> share;
    for (double s : t) share.push_back(static_cast<double>(std::count_if(l.begin(), l.end(), [s](int x) { return x >= s; })) / l.size());
    return share;
  };
  std::vector<Series> series = {{absl::StrCat("v", lengths.begin()->first, " (first)"), curve(lengths.begin()->second), ""}};
  if (lengths.size() > 1) series.push_back({absl::StrCat("v", lengths.rbegin()->first, " (last)"), curve(lengths.rbegin()->second), ""});
  return LineChartSvg({"Survival with the policy's noise: share of episodes lasting at least t steps", "t (steps)",
                       "share", 900, 300},
                      t, series);
}

void WriteEvalFigure(const RunLayout& run) {
  auto columns = ReadEvalCsv(run.eval_csv);
  if (columns["version"].empty()) return;
  const std::vector<double>& x = columns["version"];
  std::vector<std::string> charts;
  charts.push_back(LineChartSvg({"Evaluator: mean episode length", "learner update", "steps", 900, 300}, x,
                                {{"deterministic policy", columns["mean_length"], ""},
                                 {"with the policy's noise", columns["stochastic_mean_length"], ""}}));
  charts.push_back(LineChartSvg({"Imitation reward per step", "learner update", "reward / step", 900, 300}, x,
                                {{"deterministic policy", columns["reward_per_step"], ""},
                                 {"with the policy's noise", columns["stochastic_reward_per_step"], ""}}));
  charts.push_back(LineChartSvg({"Tracking error", "learner update", "mm", 900, 300}, x,
                                {{"centre of mass", columns["com_error_mm"], ""},
                                 {"tracked bodies", columns["body_error_mm"], ""},
                                 {"end effectors", columns["end_effector_error_mm"], ""}}));
  if (std::string survival = SurvivalChart(run.survival_csv); !survival.empty()) charts.push_back(survival);
  std::ofstream(run.dir + "/eval.svg") << StackSvg(charts, 900);
}

StatusFigures ReadFigures(const std::string& path) {
  auto figures = ReadStatusFile(path);
  return figures.ok() ? *figures : StatusFigures{};
}

double Get(const StatusFigures& f, const std::string& key) {
  auto it = f.find(key);
  return it == f.end() ? std::nan("") : it->second;
}

// What the progress line and the summary show, gathered from the status files.
struct RunFigures {
  double env_steps = 0, env_steps_per_s = 0, episode_return = std::nan(""), updates = 0, updates_per_s = 0,
         policy_lag = std::nan(""), eval_length = std::nan(""), eval_body_error_mm = std::nan(""),
         eval_reward_per_step = std::nan(""), eval_noisy_length = std::nan("");
};

RunFigures Gather(const RunLayout& run, int actors) {
  RunFigures out;
  double returns = 0;
  int with_return = 0;
  for (int i = 0; i < actors; ++i) {
    const StatusFigures a = ReadFigures(absl::StrCat(run.status, "/actor-", i, ".json"));
    if (!std::isnan(Get(a, "env_steps"))) out.env_steps += Get(a, "env_steps");
    if (!std::isnan(Get(a, "env_steps_per_s"))) out.env_steps_per_s += Get(a, "env_steps_per_s");
    if (!std::isnan(Get(a, "episode_return"))) {
      returns += Get(a, "episode_return");
      ++with_return;
    }
  }
  if (with_return > 0) out.episode_return = returns / with_return;
  const StatusFigures l = ReadFigures(run.status + "/learner.json");
  out.updates = std::isnan(Get(l, "updates")) ? 0 : Get(l, "updates");
  out.updates_per_s = std::isnan(Get(l, "updates_per_s")) ? 0 : Get(l, "updates_per_s");
  out.policy_lag = Get(l, "policy_lag");
  const StatusFigures e = ReadFigures(run.status + "/evaluator.json");
  out.eval_length = Get(e, "mean_length");
  out.eval_body_error_mm = Get(e, "body_error_mm");
  out.eval_reward_per_step = Get(e, "reward_per_step");
  out.eval_noisy_length = Get(e, "stochastic_mean_length");
  return out;
}

std::string ProgressLine(const RunFigures& f, double elapsed, double max_wall) {
  std::string line = absl::StrFormat("train %6.0fs | %9.0f env steps %6.0f/s | %6.0f updates %5.2f/s", elapsed,
                                     f.env_steps, f.env_steps_per_s, f.updates, f.updates_per_s);
  if (!std::isnan(f.episode_return)) absl::StrAppend(&line, absl::StrFormat(" | return %.1f", f.episode_return));
  if (!std::isnan(f.policy_lag)) absl::StrAppend(&line, absl::StrFormat(" | lag %.1f", f.policy_lag));
  if (!std::isnan(f.eval_length)) {
    absl::StrAppend(&line, absl::StrFormat(" | eval length %.0f (noisy %.0f)", f.eval_length, f.eval_noisy_length));
  }
  if (!std::isnan(f.eval_body_error_mm)) absl::StrAppend(&line, absl::StrFormat(" err %.1f mm", f.eval_body_error_mm));
  if (max_wall > 0) absl::StrAppend(&line, absl::StrFormat(" | ETA %.0fs", std::max(0.0, max_wall - elapsed)));
  return line;
}

// Saves each process's /metrics page into the run directory.
void SnapshotMetrics(const RunLayout& run, const Ports& ports) {
  std::vector<std::pair<std::string, int>> pages = {{"replay", ports.replay_metrics},
                                                    {"learner", ports.learner_metrics},
                                                    {"evaluator", ports.evaluator_metrics}};
  for (size_t i = 0; i < ports.actor_metrics.size(); ++i) pages.emplace_back(absl::StrCat("actor-", i), ports.actor_metrics[i]);
  for (const auto& [name, port] : pages) {
    auto page = HttpGet("127.0.0.1", port, "/metrics", absl::Seconds(2));
    if (page.ok()) std::ofstream(run.metrics + "/" + name + ".prom") << *page;
  }
}

absl::Status PrepareClips(TrainConfig& config, const RunLayout& run) {
  TaskConfig* task = config.mutable_task();
  if (task->name() != "rodent" || !task->clips().empty() || task->keypoints().empty()) return absl::OkStatus();
  const std::string clips = run.dir + "/clips.h5";
  if (!fs::exists(clips)) {
    preprocess::StacJob job;
    job.keypoints = task->keypoints();
    job.config = task->stac_config();
    job.out = clips;
    job.on_progress = StacProgressPrinter("stac ");
    auto outcome = preprocess::RunStacJob(job);
    if (!outcome.ok()) return outcome.status();
    std::printf("train: registered %s with STAC: %d frames -> %d clips, mean residual %.2f mm\n",
                job.keypoints.c_str(), outcome->frames, outcome->clips, outcome->mean_residual_mm);
  }
  task->set_clips(clips);
  return absl::OkStatus();
}

}  // namespace

int RunTrain(const Argv& argv) {
  auto args = Args::Parse(argv, WithSecurityFlags({"config", "run_dir", "max_wall_s", "max_updates", "actors"}), {"check"});
  if (!args.ok()) return Fail("train", args.status());
  StopSignals signals("train");
  if (!args->Has("config")) return Fail("train", absl::InvalidArgumentError("--config configs/NAME.pbtxt is required"));
  const std::string config_path = args->GetString("config", "");
  auto read = ReadTextProto<TrainConfig>(config_path);
  if (!read.ok()) return Fail("train", read.status());
  TrainConfig config = *read;
  auto max_wall = args->GetDouble("max_wall_s", config.max_wall_seconds());
  auto max_updates = args->GetInt("max_updates", static_cast<int>(config.max_updates()));
  auto actors = args->GetInt("actors", config.num_actors());
  if (!max_wall.ok() || !max_updates.ok() || !actors.ok()) {
    return Fail("train", absl::InvalidArgumentError("--max_wall_s, --max_updates and --actors take numbers"));
  }
  config.set_num_actors(*actors);
  if (args->Has("check")) {
    // validate without starting anything or touching a run directory
    if (!config.task().keypoints().empty() && !fs::exists(config.task().keypoints())) {
      return Fail("train", absl::NotFoundError(absl::StrCat("task.keypoints: no file ", config.task().keypoints())));
    }
    TrainConfig probe = config;
    probe.mutable_task()->clear_keypoints();
    auto checked = CompleteTrainConfig(probe);
    if (!checked.ok()) return Fail("train", checked.status());
    std::printf("train: config OK (%s, %d actors x %d envs, tables:", config_path.c_str(), checked->num_actors(),
                checked->actor().num_envs());
    for (const auto& t : checked->replay().tables()) std::printf(" %s", t.name().c_str());
    std::printf(")\n");
    return 0;
  }
  const std::string name = fs::path(config_path).stem().string();
  const RunLayout run(args->GetString("run_dir", "runs/train-" + name));
  std::error_code ec;
  for (const std::string& dir : {run.dir, run.logs, run.status, run.metrics}) {
    fs::create_directories(dir, ec);
    if (ec) return Fail("train", absl::PermissionDeniedError(absl::StrCat("cannot create ", dir, ": ", ec.message())));
  }
  const bool resuming = fs::exists(run.checkpoints) && !fs::is_empty(run.checkpoints);
  // every process of the run requires this run's token of every caller
  SecurityFiles security_files = SecurityFilesFrom(*args);
  if (security_files.token_file.empty()) {
    security_files.token_file = run.dir + "/token";
    if (auto token = WriteRandomTokenFile(security_files.token_file); !token.ok()) return Fail("train", token.status());
  }
  auto client_security = LoadClientSecurity(security_files);
  if (!client_security.ok()) return Fail("train", client_security.status());

  if (absl::Status clips = PrepareClips(config, run); !clips.ok()) return Fail("train", clips);
  auto completed = CompleteTrainConfig(config);
  if (!completed.ok()) return Fail("train", completed.status());
  config = *completed;
  auto ports = PickPorts(config.num_actors());
  if (!ports.ok()) return Fail("train", ports.status());

  ReplayConfig replay = config.replay();
  replay.set_address(Local(ports->replay));
  replay.set_metrics_address(Local(ports->replay_metrics));
  replay.set_checkpoint_dir(run.replay_checkpoints);
  replay.set_checkpoint_interval_s(config.replay_checkpoint_interval_s());
  config.mutable_learner_service()->set_address(Local(ports->learner));
  config.mutable_learner_service()->set_metrics_address(Local(ports->learner_metrics));
  if (absl::Status s = WriteText(run.config, config); !s.ok()) return Fail("train", s);
  if (absl::Status s = WriteText(run.replay_config, replay); !s.ok()) return Fail("train", s);

  const std::string self = SelfPath();
  SupervisorOptions supervisor_options;
  supervisor_options.pid_file = run.pids;
  ProcessSupervisor supervisor(supervisor_options);
  std::vector<std::string> actor_names;
  const std::vector<std::string> security_args = SecurityArgs(security_files);
  auto start = [&](const std::string& process, std::vector<std::string> process_args) -> absl::Status {
    process_args.insert(process_args.begin(), self);
    process_args.insert(process_args.end(), security_args.begin(), security_args.end());
    return supervisor.Start({process, process_args, run.logs + "/" + process + ".log", true});
  };

  std::printf("train: %s (%s on %s) in %s%s\n", config_path.c_str(), config.learner().has_mpo() ? "MPO"
              : config.learner().has_vtrace() ? "V-trace" : "V-MPO", config.task().name().c_str(), run.dir.c_str(),
              resuming ? ", resuming from its checkpoints" : "");
  std::printf("train: replay :%d, learner :%d, %d actors x %d envs, evaluator %s; logs in %s\n", ports->replay,
              ports->learner, config.num_actors(), config.actor().num_envs(),
              config.evaluator().enabled() ? "on" : "off", run.logs.c_str());
  if (absl::Status s = start("replay", {"replay", "--config", run.replay_config}); !s.ok()) return Fail("train", s);
  // the others only need replay to be reachable eventually, but waiting keeps the logs clean
  for (int i = 0; i < 100; ++i) {
    auto healthy = CheckHealth(SecureChannel(Local(ports->replay), *client_security), "", absl::Milliseconds(200));
    if (healthy.ok() && *healthy) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  absl::Status started = start("learner", {"learner", "--config", run.config, "--replay", Local(ports->replay),
                                           "--checkpoint_dir", run.checkpoints, "--status", run.status + "/learner.json"});
  for (int i = 0; started.ok() && i < config.num_actors(); ++i) {
    actor_names.push_back(absl::StrCat("actor-", i));
    started = start(actor_names.back(),
                    {"actor", "--config", run.config, "--id", absl::StrCat(i), "--replay", Local(ports->replay),
                     "--learner", Local(ports->learner), "--status", absl::StrCat(run.status, "/actor-", i, ".json"),
                     "--metrics_address", Local(ports->actor_metrics[i])});
  }
  if (started.ok() && config.evaluator().enabled()) {
    actor_names.push_back("evaluator");
    started = start("evaluator", {"actor", "--evaluator", "--config", run.config, "--learner", Local(ports->learner),
                                  "--eval_csv", run.eval_csv, "--survival_csv", run.survival_csv, "--status",
                                  run.status + "/evaluator.json", "--metrics_address",
                                  Local(ports->evaluator_metrics)});
  }
  if (!started.ok()) return Fail("train", started);

  const auto t0 = std::chrono::steady_clock::now();
  const bool tty = isatty(STDERR_FILENO);
  std::string reason = "stopped by signal";
  double last_print = -1e9;
  RunFigures figures;
  while (!signals.stop().WaitForNotificationWithTimeout(absl::Milliseconds(500))) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (const std::string& event : supervisor.Poll()) {
      if (tty) std::fprintf(stderr, "\r\033[K");
      std::printf("train: %s\n", event.c_str());
    }
    figures = Gather(run, config.num_actors());
    if (elapsed - last_print >= (tty ? 1.0 : 30.0)) {
      last_print = elapsed;
      const std::string line = ProgressLine(figures, elapsed, *max_wall);
      if (tty) std::fprintf(stderr, "\r\033[K%s", line.c_str());
      else std::fprintf(stderr, "%s\n", line.c_str());
    }
    if (*max_wall > 0 && elapsed >= *max_wall) {
      reason = absl::StrFormat("reached the wall-time budget of %.0f s", *max_wall);
      break;
    }
    if (*max_updates > 0 && figures.updates >= *max_updates) {
      reason = absl::StrCat("reached ", *max_updates, " learner updates");
      break;
    }
  }
  if (tty) std::fprintf(stderr, "\n");
  std::printf("train: %s; stopping\n", reason.c_str());
  SnapshotMetrics(run, *ports);
  for (const std::string& event : supervisor.StopAll({actor_names, {"learner"}, {"replay"}}, absl::Seconds(20))) {
    std::printf("train: %s\n", event.c_str());
  }
  figures = Gather(run, config.num_actors());
  WriteEvalFigure(run);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int restarts = 0;
  for (const std::string& process : supervisor.names()) restarts += supervisor.restarts(process);
  StatusFigures summary = {{"wall_s", elapsed},
                           {"env_steps", figures.env_steps},
                           {"updates", figures.updates},
                           {"restarts", static_cast<double>(restarts)},
                           {"eval_mean_length", figures.eval_length},
                           {"eval_body_error_mm", figures.eval_body_error_mm},
                           {"eval_reward_per_step", figures.eval_reward_per_step},
                           {"eval_noisy_mean_length", figures.eval_noisy_length}};
  auto evals = ReadEvalCsv(run.eval_csv);
  if (!evals["mean_length"].empty()) {
    summary["eval_first_mean_length"] = evals["mean_length"].front();
    summary["eval_best_mean_length"] = *std::max_element(evals["mean_length"].begin(), evals["mean_length"].end());
    summary["evaluations"] = static_cast<double>(evals["mean_length"].size());
    const auto& noisy = evals["stochastic_mean_length"];
    if (!noisy.empty()) {
      summary["eval_first_noisy_mean_length"] = noisy.front();
      summary["eval_best_noisy_mean_length"] = *std::max_element(noisy.begin(), noisy.end());
    }
    summary["eval_first_reward_per_step"] = evals["reward_per_step"].front();
    summary["eval_first_body_error_mm"] = evals["body_error_mm"].front();
  }
  WriteStatusFile(run.dir + "/summary.json", summary).IgnoreError();
  std::printf("train: %.0f s, %.0f env steps, %.0f learner updates, %d restarts", elapsed, figures.env_steps,
              figures.updates, restarts);
  if (!evals["mean_length"].empty()) {
    std::printf("; over %zu evaluations: episode length %.1f -> %.1f, with the policy's noise %.1f -> %.1f, "
                "reward/step %.3f -> %.3f, body error %.1f -> %.1f mm",
                evals["mean_length"].size(), evals["mean_length"].front(), evals["mean_length"].back(),
                evals["stochastic_mean_length"].front(), evals["stochastic_mean_length"].back(),
                evals["reward_per_step"].front(), evals["reward_per_step"].back(), evals["body_error_mm"].front(),
                evals["body_error_mm"].back());
  }
  std::printf("\ntrain: run directory %s (summary.json, eval.csv, eval.svg, checkpoints/, logs/, metrics/)\n",
              run.dir.c_str());
  return 0;
}

}  // namespace mimic::cli
