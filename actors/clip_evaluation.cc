#include "actors/clip_evaluation.h"

#include <algorithm>
#include <memory>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/thread_pool.h"
#include "envs/model_keypoints.h"
#include "envs/rodent_env.h"
#include "learner/policy_actor.h"

namespace mimic {
namespace {

// One row of the batch: an episode over one clip, with its running sums.
struct Row {
  std::unique_ptr<RodentEnv> env;
  int clip = 0;
  bool done = false;
  bool first = true;
  bool failed = false;
  int steps = 0;
  double reward = 0;
  int error_steps = 0;
  double com = 0, body = 0, end_effector = 0, joints = 0;
  std::vector<double> term_sums;  // per reward term of the preset
  double height_sum = 0, horizontal_sum = 0;  // metres, over every (step, keypoint)
  std::vector<double> keypoint_scratch;  // (K x 3) offsets
  ClipEpisode out;
};

double MeanOf(double sum, int n) { return n > 0 ? sum / n : std::nan(""); }

// One control step of row r; records what the step reached.
void StepRow(Row& r, const ClipFeatures& f, const std::vector<RewardTermField>& terms, const float* action,
             int num_actions, int trace_steps, float* obs) {
  auto stepped = r.env->Step(absl::MakeConstSpan(action, num_actions), obs);
  if (!stepped.ok()) {  // actions are finite and the episode runs: cannot happen, but do not loop
    r.done = true;
    return;
  }
  const StepResult& s = *stepped;
  ++r.steps;
  r.reward += s.reward;
  if (!r.failed) r.out.first_episode_return += s.reward;
  // the state after this step against the frame it reached (before any reset)
  r.com += s.terms.com_distance;
  r.body += s.terms.mean_body_error;
  r.end_effector += s.terms.mean_end_effector_error;
  r.joints += s.terms.mean_joint_error;
  // an unstable step earns no reward (the env resets its physics): its terms do not count either
  if (s.end != EpisodeEnd::kUnstable) {
    for (size_t i = 0; i < terms.size(); ++i) r.term_sums[i] += s.terms.*terms[i].value;
  }
  ++r.error_steps;
  if (r.out.keypoint_note.empty()) {
    KeypointOffsets(r.env->physics().data(), f, r.env->frame(), r.keypoint_scratch.data());
    for (size_t k = 0; 3 * k < r.keypoint_scratch.size(); ++k) {
      const double* offset = &r.keypoint_scratch[3 * k];
      const double horizontal = std::hypot(offset[0], offset[1]);
      const double e = std::hypot(horizontal, offset[2]);
      if (!std::isfinite(e)) continue;  // a keypoint missing from the recording
      r.height_sum += offset[2];
      r.horizontal_sum += horizontal;
      const float mm = static_cast<float>(1000 * e);
      r.out.keypoint_errors_mm.push_back(mm);
      const std::string& group = f.clip.keypoint_groups.empty() || f.clip.keypoint_groups[k].empty()
                                     ? std::string("ungrouped")
                                     : f.clip.keypoint_groups[k];
      r.out.keypoint_errors_mm_by_part[group].push_back(mm);
    }
  }
  if (!r.failed && r.out.trace_end.empty() && r.steps <= trace_steps) {
    const mjData* d = r.env->physics().data();
    r.out.trace_qpos.insert(r.out.trace_qpos.end(), d->qpos, d->qpos + r.env->physics().model()->nq);
    r.out.trace_frames.push_back(r.env->frame());
    if (s.end != EpisodeEnd::kNone) r.out.trace_end = EpisodeEndName(s.end);
  }
  r.first = false;
  const int last_frame = f.clip.num_frames - 1;
  if (IsTermination(s.end)) {
    if (!r.failed) r.out.steps_before_failure = r.steps;
    r.failed = true;
    ++r.out.resets;
  }
  if (r.steps >= r.out.horizon || r.env->frame() >= last_frame) {
    r.done = true;
    return;
  }
  if (s.end != EpisodeEnd::kNone) {
    // back onto the reference at the frame reached, as a new episode (also after a time limit)
    if (!r.env->Reset(r.clip, r.env->frame(), obs).ok()) {
      r.done = true;
      return;
    }
    r.first = true;
  }
}

}  // namespace

absl::Status ClipEvaluationOptions::Validate() const {
  if (episodes_per_clip < 1) return absl::InvalidArgumentError("episodes_per_clip must be at least 1");
  if (max_steps < 0) return absl::InvalidArgumentError("max_steps must be >= 0");
  if (threads < 1) return absl::InvalidArgumentError("threads must be at least 1");
  return absl::OkStatus();
}

double Median(std::vector<float> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](float v) { return !std::isfinite(v); }), values.end());
  if (values.empty()) return std::nan("");
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + mid);
  return 0.5 * (lower + upper);
}

ImitationSummary Summarize(const std::vector<const ClipEpisode*>& episodes) {
  ImitationSummary s;
  s.episodes = static_cast<int>(episodes.size());
  if (episodes.empty()) return s;
  auto mean_of = [&](double ClipEpisode::*field) {
    double sum = 0;
    int n = 0;
    for (const ClipEpisode* e : episodes) {
      if (std::isfinite(e->*field)) {
        sum += e->*field;
        ++n;
      }
    }
    return MeanOf(sum, n);
  };
  s.completion = mean_of(&ClipEpisode::completion);
  s.body_error_mm = mean_of(&ClipEpisode::body_error_mm);
  s.end_effector_error_mm = mean_of(&ClipEpisode::end_effector_error_mm);
  s.com_error_mm = mean_of(&ClipEpisode::com_error_mm);
  s.joint_error_rad = mean_of(&ClipEpisode::joint_error_rad);
  s.reward_per_step = mean_of(&ClipEpisode::reward_per_step);
  // reward terms: the mean over episodes (as reward_per_step); the keypoint split: over every
  // (step, keypoint), so each episode weighs by its number of keypoint errors
  std::map<std::string, int> term_counts;
  double height = 0, horizontal = 0;
  size_t keypoint_samples = 0;
  for (const ClipEpisode* e : episodes) {
    for (const auto& [name, value] : e->reward_terms) {
      if (!std::isfinite(value)) continue;
      s.reward_terms[name] += value;
      ++term_counts[name];
    }
    const size_t n = e->keypoint_errors_mm.size();
    if (n > 0 && std::isfinite(e->keypoint_height_bias_mm) && std::isfinite(e->keypoint_horizontal_error_mm)) {
      height += e->keypoint_height_bias_mm * n;
      horizontal += e->keypoint_horizontal_error_mm * n;
      keypoint_samples += n;
    }
  }
  for (auto& [name, value] : s.reward_terms) value /= term_counts[name];
  if (keypoint_samples > 0) {
    s.keypoint_height_bias_mm = height / keypoint_samples;
    s.keypoint_horizontal_error_mm = horizontal / keypoint_samples;
  }
  std::vector<float> pooled;
  std::map<std::string, std::vector<float>> by_part;
  for (const ClipEpisode* e : episodes) {
    pooled.insert(pooled.end(), e->keypoint_errors_mm.begin(), e->keypoint_errors_mm.end());
    for (const auto& [part, values] : e->keypoint_errors_mm_by_part) {
      by_part[part].insert(by_part[part].end(), values.begin(), values.end());
    }
    if (s.keypoint_note.empty()) s.keypoint_note = e->keypoint_note;
  }
  if (!pooled.empty()) {
    s.keypoint_error_mm = std::accumulate(pooled.begin(), pooled.end(), 0.0) / pooled.size();
    s.keypoint_error_median_mm = Median(pooled);
    for (auto& [part, values] : by_part) s.keypoint_error_median_mm_by_part[part] = Median(std::move(values));
  }
  return s;
}

absl::StatusOr<PolicyEvaluation> EvaluateClips(Networks networks, const EnvContext& context,
                                               const std::vector<int>& clip_ids, const std::vector<bool>& held_out,
                                               const ClipEvaluationOptions& options) {
  MIMIC_RETURN_IF_ERROR(options.Validate());
  torch::NoGradGuard no_grad;
  const EnvSpec& spec = context.spec();
  const int D = spec.observation.size(), A = spec.num_actions;
  if (networks->obs_size() != D || networks->num_actions() != A) {
    return absl::FailedPreconditionError(absl::StrCat("the policy expects ", networks->obs_size(), " observations and ",
                                                      networks->num_actions(), " actions; the environment has ", D,
                                                      " and ", A));
  }
  const int E = context.library().num_clips() * options.episodes_per_clip;
  PolicyActor policy(networks, E, options.seed, options.deterministic);
  ActionFn act = [&](const std::vector<float>& obs, const std::vector<float>& first, const std::vector<int>&,
                     std::vector<float>* actions) {
    torch::Tensor chosen =
        policy
            .Act(torch::from_blob(const_cast<float*>(obs.data()), {E, D}),
                 torch::from_blob(const_cast<float*>(first.data()), {E}))
            .action.contiguous();
    std::copy(chosen.data_ptr<float>(), chosen.data_ptr<float>() + chosen.numel(), actions->begin());
  };
  return EvaluateClipsWith(act, context, clip_ids, held_out, options);
}

absl::StatusOr<PolicyEvaluation> EvaluateClipsWith(const ActionFn& act, const EnvContext& context,
                                                   const std::vector<int>& clip_ids,
                                                   const std::vector<bool>& held_out,
                                                   const ClipEvaluationOptions& options) {
  MIMIC_RETURN_IF_ERROR(options.Validate());
  const ReferenceLibrary& library = context.library();
  const EnvSpec& spec = context.spec();
  const int D = spec.observation.size(), A = spec.num_actions;
  if ((!clip_ids.empty() && static_cast<int>(clip_ids.size()) != library.num_clips()) ||
      (!held_out.empty() && static_cast<int>(held_out.size()) != library.num_clips())) {
    return absl::InvalidArgumentError("clip_ids and held_out must name every clip of the context");
  }
  // shared_ptr without ownership: the rows' environments do not outlive this call
  std::shared_ptr<const EnvContext> shared(&context, [](const EnvContext*) {});
  const int E = library.num_clips() * options.episodes_per_clip;
  const std::vector<RewardTermField>& terms = RewardTermFields(context.task().config().preset());
  std::vector<Row> rows(E);
  std::vector<float> obs(static_cast<size_t>(E) * D, 0.f);
  for (int i = 0; i < E; ++i) {
    Row& r = rows[i];
    r.clip = i / options.episodes_per_clip;
    const ClipFeatures& f = library.clip(r.clip);
    r.env = std::make_unique<RodentEnv>(shared, options.seed + 7919 * static_cast<uint64_t>(i));
    MIMIC_RETURN_IF_ERROR(r.env->Reset(r.clip, 0, obs.data() + static_cast<size_t>(i) * D));
    const int frames = f.clip.num_frames - 1;
    r.out.clip = f.clip.name;
    r.out.clip_id = clip_ids.empty() ? r.clip : clip_ids[r.clip];
    r.out.held_out = !held_out.empty() && held_out[r.clip];
    r.out.horizon = options.max_steps > 0 ? std::min(frames, options.max_steps) : frames;
    r.out.keypoint_note = KeypointsUnavailableReason(f.clip);
    r.keypoint_scratch.resize(3 * static_cast<size_t>(f.clip.num_keypoints));
    r.term_sums.assign(terms.size(), 0.0);
  }
  ThreadPool pool(options.threads - 1);
  std::vector<float> first(E), actions(static_cast<size_t>(E) * A, 0.f);
  std::vector<int> frames(E);
  int remaining = E;
  while (remaining > 0) {
    for (int i = 0; i < E; ++i) {
      first[i] = rows[i].first ? 1.f : 0.f;
      frames[i] = rows[i].env->frame();
    }
    // finished rows keep their last observation: their actions are ignored
    act(obs, first, frames, &actions);
    const float* a = actions.data();
    pool.ParallelFor(E, [&](int begin, int end) {
      for (int i = begin; i < end; ++i) {
        if (rows[i].done) continue;
        StepRow(rows[i], library.clip(rows[i].clip), terms, a + static_cast<size_t>(i) * A, A, options.trace_steps,
                obs.data() + static_cast<size_t>(i) * D);
      }
    });
    remaining = static_cast<int>(std::count_if(rows.begin(), rows.end(), [](const Row& r) { return !r.done; }));
  }
  PolicyEvaluation out;
  for (Row& r : rows) {
    ClipEpisode& e = r.out;
    if (!r.failed) e.steps_before_failure = r.steps;
    e.completion = e.horizon > 0 ? static_cast<double>(e.steps_before_failure) / e.horizon : 0.0;
    e.reward_per_step = MeanOf(r.reward, r.steps);
    e.com_error_mm = 1000 * MeanOf(r.com, r.error_steps);
    e.body_error_mm = 1000 * MeanOf(r.body, r.error_steps);
    e.end_effector_error_mm = 1000 * MeanOf(r.end_effector, r.error_steps);
    e.joint_error_rad = MeanOf(r.joints, r.error_steps);
    for (size_t i = 0; i < terms.size(); ++i) e.reward_terms[terms[i].name] = MeanOf(r.term_sums[i], r.steps);
    if (!e.keypoint_errors_mm.empty()) {
      const double n = static_cast<double>(e.keypoint_errors_mm.size());
      e.keypoint_height_bias_mm = 1000 * r.height_sum / n;
      e.keypoint_horizontal_error_mm = 1000 * r.horizontal_sum / n;
    }
    out.episodes.push_back(std::move(e));
  }
  std::vector<const ClipEpisode*> train, held, all;
  for (const ClipEpisode& e : out.episodes) {
    (e.held_out ? held : train).push_back(&e);
    all.push_back(&e);
  }
  out.train = Summarize(train);
  out.held_out = Summarize(held);
  out.all = Summarize(all);
  return out;
}

}  // namespace mimic
