#include "actors/evaluator.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "actors/evaluation_files.h"
#include "common/status_file.h"
#include "common/status_macros.h"
#include "envs/rodent_env.h"
#include "learner/parameter_server.h"
#include "learner/policy_actor.h"
#include "learner/policy_network.h"
#include "learner/unroll_collector.h"
#include "learner/wire_codec.h"

namespace mimic {

absl::StatusOr<TrackingEvaluation> EvaluateTracking(Networks networks, TaskEnvs& envs, uint64_t seed,
                                                    int max_steps, bool deterministic,
                                                    std::vector<EpisodeTrace>* traces) {
  VectorEnv& env = *envs.env;
  const int E = env.num_envs();
  PolicyActor actor(networks, E, seed, deterministic);
  MIMIC_RETURN_IF_ERROR(env.Reset());
  std::vector<double> returns(E, 0.0);
  std::vector<int> lengths(E, 0);
  std::vector<bool> done(E, false);
  double com = 0, body = 0, end_effector = 0;
  int64_t tracked_steps = 0;
  int remaining = E;
  if (traces != nullptr) {
    traces->assign(E, EpisodeTrace());
    for (int i = 0; i < E; ++i) {
      (*traces)[i].env = i;
      if (envs.rodent) (*traces)[i].clip = envs.rodent->env(i).clip();
    }
  }
  for (int t = 0; t < max_steps && remaining > 0; ++t) {
    torch::Tensor action = actor.Act(ObservationsOf(env), FirstFlagsOf(env)).action.contiguous();
    MIMIC_RETURN_IF_ERROR(env.Step(absl::MakeConstSpan(action.data_ptr<float>(), action.numel())));
    for (int i = 0; i < E; ++i) {
      if (done[i]) continue;
      returns[i] += env.rewards()[i];
      lengths[i] += 1;
      if (traces != nullptr) {
        EpisodeTrace& trace = (*traces)[i];
        trace.reward_sum = returns[i];
        trace.length = lengths[i];
        if (env.first()[i] && envs.rodent) {
          trace.end = EpisodeEndName(static_cast<EpisodeEnd>(envs.rodent->episode_end()[i]));
        } else if (envs.rodent) {
          const mjData* d = envs.rodent->env(i).physics().data();
          trace.qpos.insert(trace.qpos.end(), d->qpos, d->qpos + envs.rodent->env(i).physics().model()->nq);
          trace.frames.push_back(envs.rodent->env(i).frame());
        }
      }
      if (env.first()[i]) {
        done[i] = true;
        --remaining;
      } else if (envs.rodent) {
        // the pose after this step against its reference frame (not after an auto-reset)
        const RewardTerms terms = envs.rodent->env(i).CurrentTerms();
        com += terms.com_distance;
        body += terms.mean_body_error;
        end_effector += terms.mean_end_effector_error;
        ++tracked_steps;
      }
    }
  }
  TrackingEvaluation out;
  out.episodes = E;
  out.lengths = lengths;
  double steps = 0;
  for (int i = 0; i < E; ++i) {
    out.mean_length += static_cast<double>(lengths[i]) / E;
    out.mean_return += returns[i] / E;
    steps += lengths[i];
  }
  out.reward_per_step = out.mean_return * E / std::max(1.0, steps);
  if (tracked_steps > 0) {
    out.com_error_mm = 1000 * com / tracked_steps;
    out.body_error_mm = 1000 * body / tracked_steps;
    out.end_effector_error_mm = 1000 * end_effector / tracked_steps;
  }
  return out;
}

TrackingEvaluation FromClipEvaluations(PolicyEvaluation deterministic, PolicyEvaluation stochastic) {
  TrackingEvaluation out;
  auto lengths = [](const PolicyEvaluation& e, std::vector<int>* lengths, double* mean_length, double* mean_return,
                    double* reward_per_step) {
    double steps = 0, returns = 0;
    for (const ClipEpisode& episode : e.episodes) {
      lengths->push_back(episode.steps_before_failure);
      steps += episode.steps_before_failure;
      returns += episode.first_episode_return;
    }
    const double n = std::max<size_t>(1, e.episodes.size());
    *mean_length = steps / n;
    if (mean_return != nullptr) *mean_return = returns / n;
    *reward_per_step = returns / std::max(1.0, steps);
  };
  lengths(deterministic, &out.lengths, &out.mean_length, &out.mean_return, &out.reward_per_step);
  lengths(stochastic, &out.stochastic_lengths, &out.stochastic_mean_length, nullptr, &out.stochastic_reward_per_step);
  out.episodes = static_cast<int>(deterministic.episodes.size());
  out.com_error_mm = deterministic.all.com_error_mm;
  out.body_error_mm = deterministic.all.body_error_mm;
  out.end_effector_error_mm = deterministic.all.end_effector_error_mm;
  out.clips = std::make_shared<const PolicyEvaluation>(std::move(deterministic));
  out.stochastic_clips = std::make_shared<const PolicyEvaluation>(std::move(stochastic));
  return out;
}

absl::StatusOr<std::unique_ptr<Evaluator>> Evaluator::Create(const LearnerConfig& config, TaskEnvs envs,
                                                             const EvaluatorOptions& options) {
  std::unique_ptr<Evaluator> e(new Evaluator());
  e->options_ = options;
  e->envs_ = std::move(envs);
  e->networks_ = Networks(WithNetworkDefaults(config.network(), e->envs_.obs_size), e->envs_.obs_size,
                          e->envs_.num_actions, CriticKind::kValue);
  e->networks_->eval();
  e->registry_ = std::make_shared<prometheus::Registry>();
  auto& r = *e->registry_;
  e->version_ = &prometheus::BuildGauge().Name("mimic_evaluator_policy_version").Help("Parameter version last evaluated").Register(r).Add({});
  e->length_ = &prometheus::BuildGauge().Name("mimic_evaluator_episode_length_steps").Help("Mean episode length, by policy mode").Register(r).Add({{"policy", "deterministic"}});
  e->noisy_length_ = &prometheus::BuildGauge().Name("mimic_evaluator_episode_length_steps").Help("Mean episode length, by policy mode").Register(r).Add({{"policy", "stochastic"}});
  e->reward_per_step_ = &prometheus::BuildGauge().Name("mimic_evaluator_reward_per_step").Help("Mean imitation reward per step").Register(r).Add({});
  e->tracking_error_ = &prometheus::BuildGauge().Name("mimic_evaluator_tracking_error_meters").Help("Mean tracking error by body part").Register(r);
  e->completion_ = &prometheus::BuildGauge().Name("mimic_evaluator_completion_ratio").Help("Mean fraction of the clips completed before the first termination, by split and policy mode").Register(r);
  e->keypoint_error_ = &prometheus::BuildGauge().Name("mimic_evaluator_keypoint_error_meters").Help("Distance between the model's and the real rat's keypoints (deterministic policy), by split and statistic").Register(r);
  e->clip_completion_ = &prometheus::BuildGauge().Name("mimic_evaluator_clip_completion_ratio").Help("Fraction of each clip completed before the first termination, by policy mode").Register(r);
  e->clip_keypoint_error_ = &prometheus::BuildGauge().Name("mimic_evaluator_clip_keypoint_error_meters").Help("Mean keypoint error of each clip (deterministic policy)").Register(r);
  e->keypoint_height_bias_ = &prometheus::BuildGauge().Name("mimic_evaluator_keypoint_height_bias_meters").Help("Mean height of the model's keypoints minus the real rat's (deterministic policy; negative: the model sits low), by split").Register(r);
  e->reward_term_ = &prometheus::BuildGauge().Name("mimic_evaluator_reward_term_per_step").Help("Mean per step of each term of the task's reward over the training clips (deterministic policy; costs as positive amounts), by term").Register(r);
  if (!options.metrics_address.empty()) {
    MIMIC_ASSIGN_OR_RETURN(e->metrics_server_, MetricsServer::Start(options.metrics_address));
    e->metrics_server_->Register(e->registry_);
  }
  return e;
}

absl::Status Evaluator::Record(int64_t version, double wall_seconds, const TrackingEvaluation& result) {
  version_->Set(static_cast<double>(version));
  length_->Set(result.mean_length);
  if (!std::isnan(result.stochastic_mean_length)) noisy_length_->Set(result.stochastic_mean_length);
  reward_per_step_->Set(result.reward_per_step);
  if (!std::isnan(result.body_error_mm)) {
    tracking_error_->Add({{"part", "com"}}).Set(result.com_error_mm / 1000);
    tracking_error_->Add({{"part", "body"}}).Set(result.body_error_mm / 1000);
    tracking_error_->Add({{"part", "end_effector"}}).Set(result.end_effector_error_mm / 1000);
  }
  // per-clip aggregates (NaN without clips: cartpole)
  const ImitationSummary none;
  const ImitationSummary& train = result.clips ? result.clips->train : none;
  const ImitationSummary& held = result.clips ? result.clips->held_out : none;
  const ImitationSummary& noisy_train = result.stochastic_clips ? result.stochastic_clips->train : none;
  const ImitationSummary& noisy_held = result.stochastic_clips ? result.stochastic_clips->held_out : none;
  const double joint_error = result.clips ? result.clips->all.joint_error_rad : std::nan("");
  if (!options_.csv_path.empty()) {
    const bool fresh = !std::filesystem::exists(options_.csv_path);
    std::ofstream csv(options_.csv_path, std::ios::app);
    if (fresh) {
      csv << "wall_s,version,episodes,mean_length,mean_return,reward_per_step,com_error_mm,body_error_mm,"
             "end_effector_error_mm,stochastic_mean_length,stochastic_reward_per_step,completion_train,"
             "completion_held_out,stochastic_completion_train,stochastic_completion_held_out,keypoint_error_mm_train,"
             "keypoint_error_mm_held_out,keypoint_error_median_mm_train,keypoint_error_median_mm_held_out,"
             "stochastic_keypoint_error_mm_train,stochastic_keypoint_error_mm_held_out,joint_error_rad\n";
    }
    csv << absl::StrFormat("%.1f,%d,%d,%.2f,%.4f,%.5f,%.2f,%.2f,%.2f,%.2f,%.5f,", wall_seconds, version,
                           result.episodes, result.mean_length, result.mean_return, result.reward_per_step,
                           result.com_error_mm, result.body_error_mm, result.end_effector_error_mm,
                           result.stochastic_mean_length, result.stochastic_reward_per_step)
        << absl::StrFormat("%.4f,%.4f,%.4f,%.4f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.5f\n", train.completion,
                           held.completion, noisy_train.completion, noisy_held.completion, train.keypoint_error_mm,
                           held.keypoint_error_mm, train.keypoint_error_median_mm, held.keypoint_error_median_mm,
                           noisy_train.keypoint_error_mm, noisy_held.keypoint_error_mm, joint_error);
    if (!csv.good()) return absl::UnavailableError("cannot append to " + options_.csv_path);
  }
  if (result.clips) {
    completion_->Add({{"split", "train"}, {"policy", "deterministic"}}).Set(train.completion);
    completion_->Add({{"split", "train"}, {"policy", "stochastic"}}).Set(noisy_train.completion);
    if (held.episodes > 0) {
      completion_->Add({{"split", "held_out"}, {"policy", "deterministic"}}).Set(held.completion);
      completion_->Add({{"split", "held_out"}, {"policy", "stochastic"}}).Set(noisy_held.completion);
    }
    for (const auto& [split, summary] : {std::pair<const char*, const ImitationSummary*>{"train", &train},
                                         std::pair<const char*, const ImitationSummary*>{"held_out", &held}}) {
      if (std::isnan(summary->keypoint_error_mm)) continue;
      keypoint_error_->Add({{"split", split}, {"statistic", "mean"}}).Set(summary->keypoint_error_mm / 1000);
      keypoint_error_->Add({{"split", split}, {"statistic", "median"}}).Set(summary->keypoint_error_median_mm / 1000);
      keypoint_error_->Add({{"split", split}, {"statistic", "horizontal"}}).Set(summary->keypoint_horizontal_error_mm / 1000);
      keypoint_height_bias_->Add({{"split", split}}).Set(summary->keypoint_height_bias_mm / 1000);
    }
    for (const auto& [term, value] : train.reward_terms) reward_term_->Add({{"term", term}}).Set(value);
    for (const ClipEpisode& e : result.clips->episodes) {
      clip_completion_->Add({{"clip", e.clip}, {"policy", "deterministic"}}).Set(e.completion);
      if (!e.keypoint_errors_mm.empty()) clip_keypoint_error_->Add({{"clip", e.clip}}).Set(Summarize({&e}).keypoint_error_mm / 1000);
    }
    for (const auto& episodes : EpisodesByClip(*result.stochastic_clips, options_.stochastic_episodes_per_clip)) {
      clip_completion_->Add({{"clip", episodes.front()->clip}, {"policy", "stochastic"}}).Set(Summarize(episodes).completion);
    }
    if (!options_.clips_csv_path.empty()) {
      MIMIC_RETURN_IF_ERROR(AppendClipRows(options_.clips_csv_path, wall_seconds, version,
                                           {{"deterministic", result.clips.get(), 1},
                                            {"stochastic", result.stochastic_clips.get(),
                                             options_.stochastic_episodes_per_clip}}));
    }
  }
  if (!options_.survival_path.empty()) {
    const bool fresh = !std::filesystem::exists(options_.survival_path);
    std::ofstream csv(options_.survival_path, std::ios::app);
    if (fresh) csv << "version,policy,episode,length\n";
    for (size_t i = 0; i < result.lengths.size(); ++i) {
      csv << version << ",deterministic," << i << "," << result.lengths[i] << "\n";
    }
    for (size_t i = 0; i < result.stochastic_lengths.size(); ++i) {
      csv << version << ",stochastic," << i << "," << result.stochastic_lengths[i] << "\n";
    }
  }
  if (!options_.status_path.empty()) {
    MIMIC_RETURN_IF_ERROR(WriteStatusFile(options_.status_path,
                                          {{"version", static_cast<double>(version)},
                                           {"evaluations", static_cast<double>(evaluations_)},
                                           {"mean_length", result.mean_length},
                                           {"mean_return", result.mean_return},
                                           {"reward_per_step", result.reward_per_step},
                                           {"com_error_mm", result.com_error_mm},
                                           {"body_error_mm", result.body_error_mm},
                                           {"end_effector_error_mm", result.end_effector_error_mm},
                                           {"stochastic_mean_length", result.stochastic_mean_length},
                                           {"stochastic_reward_per_step", result.stochastic_reward_per_step},
                                           {"completion_train", train.completion},
                                           {"completion_held_out", held.completion},
                                           {"stochastic_completion_train", noisy_train.completion},
                                           {"stochastic_completion_held_out", noisy_held.completion},
                                           {"keypoint_error_mm_train", train.keypoint_error_mm},
                                           {"keypoint_error_mm_held_out", held.keypoint_error_mm},
                                           {"keypoint_error_median_mm_train", train.keypoint_error_median_mm},
                                           {"keypoint_error_median_mm_held_out", held.keypoint_error_median_mm},
                                           {"joint_error_rad", joint_error}}));
  }
  return absl::OkStatus();
}

absl::StatusOr<TrackingEvaluation> Evaluator::Evaluate(std::vector<EpisodeTrace>* traces) {
  if (envs_.context == nullptr) {  // no clips (cartpole): episodes in the batched envs
    MIMIC_ASSIGN_OR_RETURN(TrackingEvaluation result,
                           EvaluateTracking(networks_, envs_, options_.seed, options_.max_steps, true, traces));
    MIMIC_ASSIGN_OR_RETURN(TrackingEvaluation noisy,
                           EvaluateTracking(networks_, envs_, options_.seed, options_.max_steps, false));
    result.stochastic_mean_length = noisy.mean_length;
    result.stochastic_reward_per_step = noisy.reward_per_step;
    result.stochastic_lengths = noisy.lengths;
    return result;
  }
  ClipEvaluationOptions options;
  options.max_steps = options_.max_steps;
  options.seed = options_.seed;
  if (traces != nullptr) options.trace_steps = options_.max_steps > 0 ? options_.max_steps : 1 << 30;
  MIMIC_ASSIGN_OR_RETURN(PolicyEvaluation deterministic,
                         EvaluateClips(networks_, *envs_.context, envs_.clip_ids, envs_.held_out, options));
  if (traces != nullptr) {
    traces->clear();
    for (size_t i = 0; i < deterministic.episodes.size(); ++i) {
      ClipEpisode& e = deterministic.episodes[i];
      EpisodeTrace trace;
      trace.env = static_cast<int>(i);
      trace.clip = static_cast<int>(i);  // one deterministic episode per library clip, in order
      trace.qpos = std::move(e.trace_qpos);
      trace.frames = std::move(e.trace_frames);
      trace.end = e.trace_end;
      trace.reward_sum = e.first_episode_return;
      trace.length = e.steps_before_failure;
      traces->push_back(std::move(trace));
    }
  }
  options.deterministic = false;
  options.trace_steps = 0;
  options.episodes_per_clip = options_.stochastic_episodes_per_clip;
  MIMIC_ASSIGN_OR_RETURN(PolicyEvaluation stochastic,
                         EvaluateClips(networks_, *envs_.context, envs_.clip_ids, envs_.held_out, options));
  if (!keypoint_note_logged_ && !deterministic.all.keypoint_note.empty()) {
    std::fprintf(stderr, "evaluator: no keypoint errors: %s\n", deterministic.all.keypoint_note.c_str());
    keypoint_note_logged_ = true;
  }
  return FromClipEvaluations(std::move(deterministic), std::move(stochastic));
}

void Evaluator::ReportEpisodes(int64_t version, const std::vector<EpisodeTrace>& traces) {
  const EpisodeTrace *best = nullptr, *worst = nullptr;
  for (const EpisodeTrace& trace : traces) {
    if (trace.frames.empty()) continue;
    if (best == nullptr || trace.reward_per_step() > best->reward_per_step()) best = &trace;
    if (worst == nullptr || trace.reward_per_step() < worst->reward_per_step()) worst = &trace;
  }
  if (best == nullptr) return;
  // one distinct episode (e.g. every env on the same clip, deterministically): the same object twice
  if (worst->clip == best->clip && worst->reward_per_step() == best->reward_per_step()) worst = best;
  const auto start = std::chrono::steady_clock::now();
  absl::Status s = options_.on_episodes(version, *best, *worst);
  const double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!s.ok()) {
    std::fprintf(stderr, "evaluator: episode videos of v%ld failed: %s\n", static_cast<long>(version),
                 std::string(s.message()).c_str());
  } else {
    std::printf("evaluator: v%ld videos of the best and worst episode in %.1f s\n", static_cast<long>(version), spent);
  }
}

absl::Status Evaluator::Run(absl::Notification& stop) {
  ParameterClient client(options_.learner_address, options_.security);
  const auto start = std::chrono::steady_clock::now();
  int64_t version = -1;
  while (!stop.HasBeenNotified()) {
    if (options_.max_evaluations > 0 && evaluations_ >= options_.max_evaluations) break;
    const auto round_start = std::chrono::steady_clock::now();
    absl::StatusOr<Parameters> fetched = client.FetchNewerThan(version, absl::Seconds(5));
    if (fetched.ok() && fetched->updated()) {
      absl::Status loaded = LoadPolicyParameters(fetched->tensors(), *networks_);
      if (!loaded.ok()) {
        std::fprintf(stderr, "evaluator: parameters v%ld refused: %s\n", static_cast<long>(fetched->version()),
                     std::string(loaded.message()).c_str());
      } else {
        version = fetched->version();
        std::vector<EpisodeTrace> traces;
        MIMIC_ASSIGN_OR_RETURN(TrackingEvaluation result, Evaluate(options_.on_episodes ? &traces : nullptr));
        ++evaluations_;
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        MIMIC_RETURN_IF_ERROR(Record(version, wall, result));
        std::printf("evaluator: v%ld episode length %.1f (with noise %.1f), reward/step %.3f (%.3f), body error %.1f mm",
                    static_cast<long>(version), result.mean_length, result.stochastic_mean_length,
                    result.reward_per_step, result.stochastic_reward_per_step, result.body_error_mm);
        if (result.clips) {
          std::printf("; completed %.0f%% (with noise %.0f%%) of the training clips, %.0f%% of the held-out, keypoint error %.1f mm",
                      100 * result.clips->train.completion, 100 * result.stochastic_clips->train.completion,
                      100 * result.clips->held_out.completion, result.clips->train.keypoint_error_mm);
        }
        std::printf("\n");
        if (options_.on_episodes) ReportEpisodes(version, traces);
        if (options_.max_evaluations > 0 && evaluations_ >= options_.max_evaluations) break;
      }
    }
    const double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - round_start).count();
    // a short wait when nothing was evaluated (learner away or nothing new), the interval otherwise
    const double wait = fetched.ok() && fetched->updated() ? std::max(0.0, options_.interval_s - spent) : 1.0;
    stop.WaitForNotificationWithTimeout(absl::Seconds(wait));
  }
  return absl::OkStatus();
}

}  // namespace mimic
