// `mimic train --config configs/NAME.pbtxt [--run_dir DIR]`: the whole training topology on one
// machine (launch/local_run), with a progress line; Ctrl-C or SIGTERM stops it in order. Every
// process requires the run's token (RUN/token, drawn at random; --token_file names another), and
// the security flags given are handed to every process.
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_join.h"
#include "cli/commands.h"
#include "cli/security_flags.h"
#include "cli/stop_signals.h"
#include "common/args.h"
#include "common/text_proto.h"
#include "launch/local_run.h"
#include "preprocess/stac_job.h"

namespace mimic::cli {
namespace {

const CommandSpec& TrainSpec() {
  static const auto* spec = new CommandSpec{
      "train",
      "train on one machine: replay, learner, actors and evaluator as supervised processes over loopback "
      "gRPC; Ctrl-C stops them in order with final checkpoints, and running again on the same run "
      "directory resumes",
      WithSecurityFlags({
          {"config", FlagType::kString, "", "FILE", "the run's TrainConfig (text proto, configs/*.pbtxt)", true},
          {"run_dir", FlagType::kString, "", "DIR", "run directory (default runs/train-<config name>)"},
          {"max_wall_s", FlagType::kDouble, "", "s", "stop after this long (default: the config's max_wall_seconds; 0 = never)"},
          {"max_updates", FlagType::kInt, "", "updates", "stop after this many learner updates (default: the config's; 0 = never)"},
          {"max_env_steps", FlagType::kInt, "", "steps", "stop after this many environment steps over all actors (default: the config's max_env_steps; 0 = never)"},
          {"actors", FlagType::kInt, "", "actors", "number of actor processes (default: the config's num_actors)"},
          {"check", FlagType::kBool, "", "", "validate the config and exit without starting anything"},
      }, /*server=*/true, /*client=*/true),
      {"./mimic train --config configs/smoke.pbtxt --max_wall_s 60",
       "./mimic train --config configs/rodent_single_clip.pbtxt --check"},
  };
  return *spec;
}

int Check(const std::string& path, const TrainConfig& config) {
  auto checked = launch::CheckTrainConfig(config);
  if (!checked.ok()) return Fail("train", checked.status());
  std::vector<std::string> tables;
  for (const auto& t : checked->replay().tables()) tables.push_back(t.name());
  std::printf("train: config OK (%s, %d actors x %d envs, tables: %s)\n", path.c_str(), checked->num_actors(),
              checked->actor().num_envs(), absl::StrJoin(tables, " ").c_str());
  return 0;
}

}  // namespace

int RunTrain(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(TrainSpec(), argv, &exit_code);
  if (!args) return exit_code;
  const std::string config_path = args->String("config");
  if (args->Bool("check")) {
    auto config = ReadTextProto<TrainConfig>(config_path);
    if (!config.ok()) return Fail("train", config.status());
    if (args->Has("actors")) config->set_num_actors(args->Int("actors"));
    if (args->Has("max_env_steps")) config->set_max_env_steps(args->Int64("max_env_steps"));
    return Check(config_path, *config);
  }
  StopSignals signals("train");
  const bool tty = isatty(STDERR_FILENO);
  launch::LocalRunOptions options;
  options.config_path = config_path;
  options.run_dir = args->String("run_dir");
  if (args->Has("max_wall_s")) options.max_wall_s = args->Double("max_wall_s");
  if (args->Has("max_updates")) options.max_updates = args->Int64("max_updates");
  if (args->Has("max_env_steps")) options.max_env_steps = args->Int64("max_env_steps");
  if (args->Has("actors")) options.actors = args->Int("actors");
  options.security = SecurityFilesFrom(*args);
  options.on_stac_progress = preprocess::StacProgressLines("stac ");
  options.on_event = [tty](const std::string& line) {
    if (tty) std::fprintf(stderr, "\r\033[K");
    std::printf("train: %s\n", line.c_str());
  };
  options.progress_interval_s = tty ? 1.0 : 30.0;
  double max_wall = 0;
  options.on_progress = [tty, &max_wall](const launch::RunFigures& figures, double elapsed) {
    const std::string line = launch::ProgressLine(figures, elapsed, max_wall);
    if (tty) std::fprintf(stderr, "\r\033[K%s", line.c_str());
    else std::fprintf(stderr, "%s\n", line.c_str());
  };
  auto run = launch::LocalRun::Start(options);
  if (!run.ok()) return Fail("train", run.status());
  const TrainConfig& config = (*run)->config();
  max_wall = options.max_wall_s.value_or(config.max_wall_seconds());
  const launch::Ports& ports = (*run)->ports();
  std::printf("train: %s (%s on %s) in %s%s\n", config_path.c_str(),
              config.learner().has_mpo() ? "MPO" : config.learner().has_vtrace() ? "V-trace" : "V-MPO",
              config.task().name().c_str(), (*run)->layout().dir.c_str(),
              (*run)->resuming() ? ", resuming from its checkpoints" : "");
  std::printf("train: replay :%d, learner :%d, %d actors x %d envs, evaluator %s; logs in %s\n", ports.replay,
              ports.learner, config.num_actors(), config.actor().num_envs(),
              config.evaluator().enabled() ? "on" : "off", (*run)->layout().logs.c_str());
  (*run)->Supervise(&signals.stop());
  if (tty) std::fprintf(stderr, "\n");
  launch::RunSummary summary = (*run)->Stop();
  auto& evals = summary.evaluations;
  std::printf("train: %.0f s, %.0f env steps, %.0f learner updates, %d restarts", summary.wall_s,
              summary.figures.env_steps, summary.figures.updates, summary.restarts);
  if (!evals["mean_length"].empty()) {
    std::printf("; over %zu evaluations: episode length %.1f -> %.1f, with the policy's noise %.1f -> %.1f, "
                "reward/step %.3f -> %.3f, body error %.1f -> %.1f mm",
                evals["mean_length"].size(), evals["mean_length"].front(), evals["mean_length"].back(),
                evals["stochastic_mean_length"].front(), evals["stochastic_mean_length"].back(),
                evals["reward_per_step"].front(), evals["reward_per_step"].back(), evals["body_error_mm"].front(),
                evals["body_error_mm"].back());
  }
  std::printf("\ntrain: run directory %s (summary.json, eval.csv, eval.svg, checkpoints/, logs/, metrics/)\n",
              (*run)->layout().dir.c_str());
  return 0;
}

}  // namespace mimic::cli
