// `mimic train` as a library: the whole training topology on one machine as separate processes —
// replay, learner, N actors and an evaluator — supervised by the caller's process. A crashed
// process is restarted; Stop() ends them in order (actors and evaluator, then the learner with
// its final checkpoint, then replay with its own). The run directory (RunLayout) holds the config
// every process read, logs, checkpoints, status files, the evaluation curves and a metrics
// snapshot; starting again on the same directory resumes from its checkpoints. Tests and
// benchmarks drive whole runs through it.
#ifndef MIMIC_LAUNCH_LOCAL_RUN_H_
#define MIMIC_LAUNCH_LOCAL_RUN_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "common/grpc_security.h"
#include "common/process_supervisor.h"
#include "common/status_file.h"
#include "launch/run_figures.h"
#include "launch/run_layout.h"
#include "preprocess/stac_pipeline.h"
#include "proto/train_config.pb.h"

namespace mimic::launch {

struct LocalRunOptions {
  std::string config_path;             // a TrainConfig text proto (required)
  std::string run_dir;                 // "" = runs/train-<config file stem>
  std::optional<double> max_wall_s;    // unset: the config's max_wall_seconds (0 = no limit)
  std::optional<int64_t> max_updates;  // unset: the config's max_updates (0 = no limit)
  std::optional<int64_t> max_env_steps;  // unset: the config's max_env_steps (0 = no limit); all actors together
  std::optional<int> actors;           // unset: the config's num_actors
  std::string binary;                  // the `mimic` binary the processes run; "" = this process's own
  // Lines worth showing: process events (started, exited, restarted), STAC results, stop reasons.
  std::function<void(const std::string&)> on_event;
  // Called every `progress_interval_s` while supervising, with the live figures.
  std::function<void(const RunFigures&, double elapsed_s)> on_progress;
  double progress_interval_s = 1.0;
  std::function<void(const preprocess::StacProgress&)> on_stac_progress;
  // Handed to every process (common/grpc_security). Without a token file, a random token is drawn
  // for the run into RUN/token (mode 0600): every process requires it of every caller.
  SecurityFiles security;
};

struct Ports {
  int replay = 0, learner = 0, replay_metrics = 0, learner_metrics = 0, evaluator_metrics = 0;
  std::vector<int> actor_metrics;
};

struct RunSummary {
  std::string stop_reason;
  double wall_s = 0;
  RunFigures figures;  // the last ones
  int restarts = 0;    // over all processes
  StatusFigures summary;  // as written to summary.json
  std::map<std::string, std::vector<double>> evaluations;  // eval.csv's columns
};

// Checks a config as `train --check` does, without starting anything or touching a run
// directory: the keypoints file exists, and the completed config is consistent.
absl::StatusOr<TrainConfig> CheckTrainConfig(const TrainConfig& config);

class LocalRun {
 public:
  // Prepares the run directory (STAC of the config's keypoints, once per directory), writes the
  // completed config with free loopback ports, and starts replay (waiting for its health), the
  // learner, the actors and the evaluator.
  static absl::StatusOr<std::unique_ptr<LocalRun>> Start(const LocalRunOptions& options);
  ~LocalRun();  // stops what is still running

  // Returns when the wall-time, update or environment-step budget is spent or `stop` (may be null) is notified;
  // restarts crashed processes meanwhile. The reason is kept for the summary.
  void Supervise(absl::Notification* stop);

  // Scrapes every process's /metrics into the run directory, stops them in order, writes
  // eval.svg and summary.json. Calling it again returns the same summary.
  RunSummary Stop();

  // The current figures (status files).
  RunFigures Figures() const { return GatherRunFigures(layout_, config_.num_actors()); }
  // The security every process of the run was given (the token file included).
  const SecurityFiles& security() const { return security_; }

  const TrainConfig& config() const { return config_; }  // completed, as the processes read it
  const RunLayout& layout() const { return layout_; }
  const Ports& ports() const { return ports_; }
  bool resuming() const { return resuming_; }

 private:
  LocalRun(LocalRunOptions options, RunLayout layout);
  absl::Status Prepare(TrainConfig config);
  absl::Status StartProcesses();
  void Event(const std::string& line) const;
  void SnapshotMetrics() const;

  LocalRunOptions options_;
  RunLayout layout_;
  SecurityFiles security_;
  TrainConfig config_;
  Ports ports_;
  bool resuming_ = false;
  double max_wall_s_ = 0;
  int64_t max_updates_ = 0;
  int64_t max_env_steps_ = 0;
  std::unique_ptr<ProcessSupervisor> supervisor_;
  std::vector<std::string> actor_names_;  // actors and the evaluator: stopped first
  absl::Time started_at_;
  std::string stop_reason_ = "stopped by signal";
  std::optional<RunSummary> summary_;
};

}  // namespace mimic::launch

#endif  // MIMIC_LAUNCH_LOCAL_RUN_H_
