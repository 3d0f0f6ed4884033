#include "bench/imitation_run.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "actors/evaluation_files.h"
#include "actors/task_factory.h"
#include "common/status_file.h"
#include "common/status_macros.h"
#include "common/svg_chart.h"
#include "common/text_proto.h"
#include "learner/learner.h"

namespace mimic::bench {
namespace {

namespace fs = std::filesystem;

// "nan" is not JSON: missing figures are null
std::string Number(double v, int decimals = 3) {
  return std::isfinite(v) ? absl::StrFormat("%.*f", decimals, v) : "null";
}

// The training clips' mean keypoint error (over every step and keypoint) of each repeat k: the
// k-th of the `repeats` consecutive episodes of every clip.
std::vector<double> JitteredRepeats(const PolicyEvaluation& evaluation, int repeats) {
  std::vector<double> out;
  for (int k = 0; k < repeats; ++k) {
    std::vector<const ClipEpisode*> train;
    for (size_t i = k; i < evaluation.episodes.size(); i += repeats) {
      if (!evaluation.episodes[i].held_out) train.push_back(&evaluation.episodes[i]);
    }
    out.push_back(Summarize(train).keypoint_error_mm);
  }
  return out;
}

std::string Figure(const ImitationBenchResult& r, const std::vector<std::vector<const ClipEpisode*>>& trained,
                   const std::vector<std::vector<const ClipEpisode*>>& untrained,
                   const std::vector<std::vector<const ClipEpisode*>>& trained_noisy,
                   const std::vector<std::vector<const ClipEpisode*>>& untrained_noisy) {
  std::vector<std::string> clips;
  Series kp_trained{"trained", {}, ""}, kp_untrained{"untrained (v0)", {}, ""};
  Series c_trained{"trained", {}, ""}, c_trained_noisy{"trained, noisy", {}, ""},
      c_untrained{"untrained", {}, ""}, c_untrained_noisy{"untrained, noisy", {}, ""};
  for (size_t c = 0; c < trained.size(); ++c) {
    clips.push_back(absl::StrCat(trained[c].front()->clip, trained[c].front()->held_out ? " *" : ""));
    kp_trained.values.push_back(Summarize(trained[c]).keypoint_error_mm);
    kp_untrained.values.push_back(Summarize(untrained[c]).keypoint_error_mm);
    c_trained.values.push_back(Summarize(trained[c]).completion);
    c_trained_noisy.values.push_back(Summarize(trained_noisy[c]).completion);
    c_untrained.values.push_back(Summarize(untrained[c]).completion);
    c_untrained_noisy.values.push_back(Summarize(untrained_noisy[c]).completion);
  }
  const std::string steps = absl::StrFormat("update %d, %.0f env steps", r.final_step, r.run.figures.env_steps);
  return StackSvg({BarChartSvg({absl::StrCat("Keypoint error per clip, model vs real rat, deterministic policy (", steps, ")"),
                                "clip (* held out)", "mm", 900, 360},
                               clips, {kp_trained, kp_untrained}),
                   BarChartSvg({"Fraction of each clip completed from its first frame", "clip (* held out)", "fraction", 900, 360},
                               clips, {c_trained, c_trained_noisy, c_untrained, c_untrained_noisy})},
                  900);
}

}  // namespace

absl::Status ImitationBenchOptions::Validate() const {
  if (config_path.empty()) return absl::InvalidArgumentError("a TrainConfig is required");
  if (run_dir.empty()) return absl::InvalidArgumentError("a run directory is required");
  if (env_steps < 1) return absl::InvalidArgumentError("env_steps must be at least 1");
  if (stochastic_episodes_per_clip < 1) return absl::InvalidArgumentError("stochastic_episodes_per_clip must be >= 1");
  if (eval_threads < 1) return absl::InvalidArgumentError("eval_threads must be >= 1");
  if (jittered_starts < 0) return absl::InvalidArgumentError("jittered_starts must be >= 0");
  if (!(start_jitter_rad > 0) || !std::isfinite(start_jitter_rad)) {
    return absl::InvalidArgumentError("start_jitter_rad must be a positive number of radians");
  }
  return absl::OkStatus();
}

absl::StatusOr<ImitationBenchResult> EvaluateImitationRun(const std::string& run_dir,
                                                          const ImitationBenchOptions& options) {
  MIMIC_RETURN_IF_ERROR(options.Validate());
  const launch::RunLayout layout(run_dir);
  MIMIC_ASSIGN_OR_RETURN(TrainConfig config, ReadTextProto<TrainConfig>(layout.config));
  if (config.task().name() != "rodent") {
    return absl::InvalidArgumentError(absl::StrCat(layout.config, ": the imitation benchmark needs the rodent task"));
  }
  MIMIC_ASSIGN_OR_RETURN(TaskEnvs envs, MakeTaskEnvs(config.task(), TaskRole::kEvaluate, 1, 1, options.eval_seed, true));
  MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<Learner> trained,
                         Learner::FromCheckpointDir(layout.checkpoints, envs.obs_size, envs.num_actions));
  // version 0 of the same run: the learner process built its networks from this config and seed
  MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<Learner> untrained,
                         Learner::Create(config.learner(), envs.obs_size, envs.num_actions));
  ImitationBenchResult r;
  r.run_dir = run_dir;
  // the run's figures as its launcher left them (summary.json), for --evaluate_only and the figure
  if (auto summary = ReadStatusFile(layout.summary); summary.ok()) {
    r.run.summary = *summary;
    auto get = [&](const char* key) { return summary->count(key) ? summary->at(key) : 0.0; };
    r.run.figures.env_steps = get("env_steps");
    r.run.figures.updates = get("updates");
    r.run.wall_s = get("wall_s");
  }
  r.final_step = trained->step();
  r.stochastic_episodes_per_clip = options.stochastic_episodes_per_clip;
  ClipEvaluationOptions deterministic;
  deterministic.seed = options.eval_seed;
  deterministic.threads = options.eval_threads;
  ClipEvaluationOptions noisy = deterministic;
  noisy.deterministic = false;
  noisy.episodes_per_clip = options.stochastic_episodes_per_clip;
  const EnvContext& context = *envs.context;
  MIMIC_ASSIGN_OR_RETURN(r.trained, EvaluateClips(trained->acting_networks(), context, envs.clip_ids, envs.held_out, deterministic));
  MIMIC_ASSIGN_OR_RETURN(r.trained_noisy, EvaluateClips(trained->acting_networks(), context, envs.clip_ids, envs.held_out, noisy));
  MIMIC_ASSIGN_OR_RETURN(r.untrained, EvaluateClips(untrained->acting_networks(), context, envs.clip_ids, envs.held_out, deterministic));
  MIMIC_ASSIGN_OR_RETURN(r.untrained_noisy, EvaluateClips(untrained->acting_networks(), context, envs.clip_ids, envs.held_out, noisy));
  if (!std::isfinite(r.trained.train.keypoint_error_mm) || !std::isfinite(r.untrained.train.keypoint_error_mm)) {
    return absl::FailedPreconditionError(absl::StrCat("no keypoint errors on the training clips: ",
                                                      r.trained.train.keypoint_note));
  }
  r.ratio = r.untrained.train.keypoint_error_mm / r.trained.train.keypoint_error_mm;
  if (options.jittered_starts > 0) {
    TaskConfig jittered_task = config.task();
    jittered_task.mutable_env()->mutable_perturbation()->set_reset_qpos_noise(options.start_jitter_rad);
    MIMIC_ASSIGN_OR_RETURN(TaskEnvs jittered_envs,
                           MakeTaskEnvs(jittered_task, TaskRole::kEvaluate, 1, 1, options.eval_seed, true));
    ClipEvaluationOptions jittered = deterministic;
    jittered.episodes_per_clip = options.jittered_starts;  // each row's environment draws its own jitter
    MIMIC_ASSIGN_OR_RETURN(r.trained_jittered, EvaluateClips(trained->acting_networks(), *jittered_envs.context,
                                                             jittered_envs.clip_ids, jittered_envs.held_out, jittered));
    r.jittered_starts = options.jittered_starts;
    r.start_jitter_rad = options.start_jitter_rad;
    r.jittered_keypoint_error_mm_train = JitteredRepeats(r.trained_jittered, options.jittered_starts);
  }

  const std::string csv = run_dir + "/bench_clips.csv";
  fs::remove(csv);
  const int k = options.stochastic_episodes_per_clip;
  std::vector<LabelledEvaluation> rows = {{"trained", &r.trained, 1},
                                          {"trained_stochastic", &r.trained_noisy, k},
                                          {"untrained", &r.untrained, 1},
                                          {"untrained_stochastic", &r.untrained_noisy, k}};
  if (r.jittered_starts > 0) rows.push_back({"trained_jittered", &r.trained_jittered, r.jittered_starts});
  MIMIC_RETURN_IF_ERROR(AppendClipRows(csv, 0, r.final_step, rows));
  std::ofstream(run_dir + "/imitation.svg")
      << Figure(r, EpisodesByClip(r.trained, 1), EpisodesByClip(r.untrained, 1), EpisodesByClip(r.trained_noisy, k),
                EpisodesByClip(r.untrained_noisy, k));
  return r;
}

absl::StatusOr<ImitationBenchResult> RunImitationBenchmark(const ImitationBenchOptions& options) {
  MIMIC_RETURN_IF_ERROR(options.Validate());
  if (options.fresh) {
    std::error_code ec;
    fs::remove_all(options.run_dir, ec);
    if (ec) return absl::PermissionDeniedError(absl::StrCat("cannot clear ", options.run_dir, ": ", ec.message()));
  }
  launch::LocalRunOptions run_options;
  run_options.config_path = options.config_path;
  run_options.run_dir = options.run_dir;
  run_options.max_env_steps = options.env_steps;
  run_options.max_wall_s = options.max_wall_s;
  run_options.max_updates = 0;
  run_options.binary = options.binary;
  run_options.on_event = options.on_event;
  run_options.on_progress = options.on_progress;
  run_options.progress_interval_s = options.progress_interval_s;
  MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<launch::LocalRun> run, launch::LocalRun::Start(run_options));
  run->Supervise(nullptr);
  launch::RunSummary summary = run->Stop();
  if (summary.figures.env_steps < options.env_steps) {
    return absl::DeadlineExceededError(absl::StrFormat("the run stopped after %.0f of %d environment steps (%s)",
                                                       summary.figures.env_steps, options.env_steps,
                                                       summary.stop_reason));
  }
  MIMIC_ASSIGN_OR_RETURN(ImitationBenchResult result, EvaluateImitationRun(options.run_dir, options));
  result.run = std::move(summary);
  return result;
}

std::vector<std::string> ClipLines(const ImitationBenchResult& r) {
  std::vector<std::string> lines;
  const int k = r.stochastic_episodes_per_clip;
  const auto trained = EpisodesByClip(r.trained, 1), untrained = EpisodesByClip(r.untrained, 1);
  const auto trained_noisy = EpisodesByClip(r.trained_noisy, k), untrained_noisy = EpisodesByClip(r.untrained_noisy, k);
  const auto jittered = r.jittered_starts > 0 ? EpisodesByClip(r.trained_jittered, r.jittered_starts)
                                               : std::vector<std::vector<const ClipEpisode*>>();
  for (size_t c = 0; c < trained.size(); ++c) {
    const ClipEpisode& e = *trained[c].front();
    const ImitationSummary t = Summarize(trained[c]), tn = Summarize(trained_noisy[c]);
    const ImitationSummary u = Summarize(untrained[c]), un = Summarize(untrained_noisy[c]);
    std::string jitter;
    if (c < jittered.size()) {
      double lo = INFINITY, hi = -INFINITY;
      for (const ClipEpisode* j : jittered[c]) {
        const double mm = Summarize({j}).keypoint_error_mm;
        lo = std::min(lo, mm);
        hi = std::max(hi, mm);
      }
      jitter = absl::StrFormat(" | jittered starts %.1f mm (%.1f-%.1f)", Summarize(jittered[c]).keypoint_error_mm, lo, hi);
    }
    lines.push_back(absl::StrCat(absl::StrFormat(
        "clip %-12s %-8s completed %5.1f%% (noisy %5.1f%%) vs untrained %5.1f%% (%5.1f%%) | keypoint error "
        "%6.1f mm (median %5.1f; height %+5.1f, horizontal %5.1f) vs untrained %6.1f mm | body %5.1f mm, joints "
        "%.3f rad, %d resets",
        e.clip, e.held_out ? "held-out" : "train", 100 * t.completion, 100 * tn.completion, 100 * u.completion,
        100 * un.completion, t.keypoint_error_mm, t.keypoint_error_median_mm, t.keypoint_height_bias_mm,
        t.keypoint_horizontal_error_mm, u.keypoint_error_mm, t.body_error_mm, t.joint_error_rad, e.resets), jitter));
  }
  return lines;
}

namespace {

// The jittered starts' figures for the JSON line ("" when there were none): the pooled mean of the
// training clips and the lowest and highest repeat.
std::string JitteredJson(const ImitationBenchResult& r) {
  if (r.jittered_starts == 0) return "";
  const std::vector<double>& v = r.jittered_keypoint_error_mm_train;
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return absl::StrCat(",\"jittered_starts\":", r.jittered_starts, ",\"start_jitter_rad\":", Number(r.start_jitter_rad, 6),
                      ",\"keypoint_error_mm_train_jittered\":", Number(r.trained_jittered.train.keypoint_error_mm, 2),
                      ",\"keypoint_error_mm_train_jittered_min\":", Number(*lo, 2),
                      ",\"keypoint_error_mm_train_jittered_max\":", Number(*hi, 2),
                      ",\"completion_train_jittered\":", Number(r.trained_jittered.train.completion));
}

}  // namespace

std::string ImitationJson(const ImitationBenchResult& r) {
  const ImitationSummary& t = r.trained.train;
  const ImitationSummary& h = r.trained.held_out;
  return absl::StrCat(
      "{\"bench\":\"imitation\",\"env_steps\":", Number(r.run.figures.env_steps, 0),
      ",\"updates\":", Number(r.run.figures.updates, 0), ",\"checkpoint_step\":", r.final_step,
      ",\"wall_s\":", Number(r.run.wall_s, 1), ",\"clips_train\":", t.episodes, ",\"clips_held_out\":", h.episodes,
      ",\"completion_train\":", Number(t.completion), ",\"completion_held_out\":", Number(h.completion),
      ",\"stochastic_completion_train\":", Number(r.trained_noisy.train.completion),
      ",\"stochastic_completion_held_out\":", Number(r.trained_noisy.held_out.completion),
      ",\"keypoint_error_mm_train\":", Number(t.keypoint_error_mm, 2),
      ",\"keypoint_error_mm_held_out\":", Number(h.keypoint_error_mm, 2),
      ",\"keypoint_error_median_mm_train\":", Number(t.keypoint_error_median_mm, 2),
      ",\"keypoint_height_bias_mm_train\":", Number(t.keypoint_height_bias_mm, 2),
      ",\"keypoint_horizontal_error_mm_train\":", Number(t.keypoint_horizontal_error_mm, 2),
      ",\"untrained_completion_train\":", Number(r.untrained.train.completion),
      ",\"untrained_stochastic_completion_train\":", Number(r.untrained_noisy.train.completion),
      ",\"untrained_keypoint_error_mm_train\":", Number(r.untrained.train.keypoint_error_mm, 2),
      ",\"untrained_keypoint_error_mm_held_out\":", Number(r.untrained.held_out.keypoint_error_mm, 2),
      JitteredJson(r), ",\"ratio\":", Number(r.ratio), "}");
}

}  // namespace mimic::bench
