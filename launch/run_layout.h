// Where a local training run keeps its files (docs/architecture.md, "Run directory").
#ifndef MIMIC_LAUNCH_RUN_LAYOUT_H_
#define MIMIC_LAUNCH_RUN_LAYOUT_H_

#include <string>

namespace mimic::launch {

struct RunLayout {
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
        eval_clips_csv(d + "/eval_clips.csv"),
        pids(d + "/pids.txt"),
        summary(d + "/summary.json"),
        eval_svg(d + "/eval.svg"),
        videos(d + "/videos"),
        token(d + "/token") {}

  std::string dir;
  std::string config;              // the completed TrainConfig every process reads
  std::string replay_config;       // the replay process's ReplayConfig
  std::string logs;                // <process>.log
  std::string status;              // <process>.json (common/status_file)
  std::string checkpoints;         // the learner's
  std::string replay_checkpoints;  // replay's
  std::string metrics;             // <process>.prom, scraped just before the stop
  std::string eval_csv;            // the evaluator's rows
  std::string survival_csv;        // per-episode lengths with the policy's noise
  std::string eval_clips_csv;      // the evaluator's per-clip rows (actors/evaluation_files)
  std::string pids;                // the supervisor's pid file
  std::string summary;             // summary.json
  std::string eval_svg;            // curves from eval.csv and survival.csv, stills of videos/
  std::string videos;              // the evaluator's videos of its best and worst episodes
  std::string token;               // this run's bearer token (readable by its owner only)
};

}  // namespace mimic::launch

#endif  // MIMIC_LAUNCH_RUN_LAYOUT_H_
