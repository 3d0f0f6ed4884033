#include "actors/rollout_recorder.h"

#include <map>

#include <ATen/CPUGeneratorImpl.h>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/h5_file.h"
#include "common/status_macros.h"
#include "envs/model_keypoints.h"
#include "envs/rodent_env.h"
#include "learner/policy_actor.h"

namespace mimic {
namespace {

// Rows of one clip's datasets, appended step by step.
struct ClipBuffers {
  std::vector<double> qpos, qvel, xpos, time;
  std::vector<double> model_keypoints, real_keypoints;  // (T x K x 3) when the clip has markers
  std::map<std::string, std::vector<float>> floats;  // name → rows
  std::map<std::string, int64_t> widths;
  std::vector<int32_t> termination, episode_end, frame;
  int64_t steps = 0;

  void Append(const std::string& name, const torch::Tensor& row) {
    torch::Tensor flat = row.detach().contiguous().to(torch::kFloat32).reshape({-1});
    widths[name] = flat.numel();
    auto& rows = floats[name];
    rows.insert(rows.end(), flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
  }
};

absl::Status WriteClip(H5File& file, const std::string& group, const ClipBuffers& b,
                       const mjModel* model, int latent_samples) {
  MIMIC_RETURN_IF_ERROR(file.CreateGroup(group + "/layers"));
  const int64_t T = b.steps;
  MIMIC_RETURN_IF_ERROR(file.WriteDoubles(group + "/qpos", {T, model->nq}, b.qpos.data()));
  MIMIC_RETURN_IF_ERROR(file.WriteDoubles(group + "/qvel", {T, model->nv}, b.qvel.data()));
  MIMIC_RETURN_IF_ERROR(file.WriteDoubles(group + "/xpos", {T, model->nbody, 3}, b.xpos.data()));
  MIMIC_RETURN_IF_ERROR(file.WriteDoubles(group + "/time", {T}, b.time.data()));
  MIMIC_RETURN_IF_ERROR(file.WriteInts(group + "/termination", {T}, b.termination.data()));
  MIMIC_RETURN_IF_ERROR(file.WriteInts(group + "/episode_end", {T}, b.episode_end.data()));
  MIMIC_RETURN_IF_ERROR(file.WriteInts(group + "/frame", {T}, b.frame.data()));
  if (!b.model_keypoints.empty()) {
    const int64_t K = static_cast<int64_t>(b.model_keypoints.size()) / (3 * T);
    MIMIC_RETURN_IF_ERROR(file.WriteDoubles(group + "/model_keypoints", {T, K, 3}, b.model_keypoints.data()));
    MIMIC_RETURN_IF_ERROR(file.WriteDoubles(group + "/real_keypoints", {T, K, 3}, b.real_keypoints.data()));
  }
  for (const auto& [name, rows] : b.floats) {
    const int64_t width = b.widths.at(name);
    std::vector<int64_t> shape = {T};
    if (name.rfind("resampled/", 0) == 0) {
      shape = {T, latent_samples, width / latent_samples};
    } else if (name != "value" && name != "reward") {
      shape = {T, width};
    }
    const std::string dataset = group + "/" + name;
    const size_t slash = dataset.rfind('/');
    MIMIC_RETURN_IF_ERROR(file.CreateGroup(dataset.substr(0, slash)));
    MIMIC_RETURN_IF_ERROR(file.WriteFloats(dataset, shape, rows.data()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RolloutSummary> RecordRollouts(Networks networks,
                                              std::shared_ptr<const EnvContext> context,
                                              const RolloutOptions& options,
                                              const std::string& out_path) {
  torch::NoGradGuard no_grad;
  const EnvSpec& spec = context->spec();
  if (networks->obs_size() != spec.observation.size() || networks->num_actions() != spec.num_actions) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the policy expects ", networks->obs_size(), " observations and ", networks->num_actions(),
        " actions; the environment has ", spec.observation.size(), " and ", spec.num_actions));
  }
  if (options.latent_samples < 0 || options.noise_gain < 0) {
    return absl::InvalidArgumentError("latent_samples and noise_gain must be non-negative");
  }
  networks->policy->SetLatentNoise(options.noise_shape, options.noise_gain);
  // the networks are shared: restore the standard noise however this returns
  absl::Cleanup restore_noise = [&networks] {
    networks->policy->SetLatentNoise(LatentNoiseShape::kStandard, 1.0);
  };
  const ReferenceLibrary& library = context->library();
  int64_t total = 0;
  for (int c = 0; c < library.num_clips(); ++c) {
    const int frames = library.clip(c).clip.num_frames - 1;
    total += options.max_steps_per_clip > 0 ? std::min(frames, options.max_steps_per_clip) : frames;
  }

  MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<H5File> file, H5File::Create(out_path));
  RolloutSummary summary;
  summary.layer_names = networks->policy->LayerNames();
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(options.seed + 1);
  RodentEnv env(context, options.seed);
  std::vector<float> obs(spec.observation.size());
  const mjModel* model = env.physics().model();
  const int L = networks->policy->latent_size();
  double reward_sum = 0;
  int64_t done = 0;

  for (int c = 0; c < library.num_clips(); ++c) {
    const ClipFeatures& features = library.clip(c);
    const ReferenceClip& clip = features.clip;
    const bool keypoints = KeypointsUnavailableReason(clip).empty();
    std::vector<double> model_keypoints(3 * static_cast<size_t>(clip.num_keypoints));
    PolicyActor actor(networks, 1, options.seed + c, !options.stochastic);
    MIMIC_RETURN_IF_ERROR(env.Reset(c, 0, obs.data()));
    ClipBuffers b;
    float first = 1.f;
    while (options.max_steps_per_clip <= 0 || b.steps < options.max_steps_per_clip) {
      torch::Tensor o = torch::from_blob(obs.data(), {1, spec.observation.size()}).clone();
      torch::Tensor f = torch::full({1}, first);
      if (options.latent_samples > 0) {
        // n draws from the current state, without advancing it.
        const int n = options.latent_samples;
        PolicyState copies = actor.state().Select(torch::zeros({n}, torch::kLong));
        torch::Tensor normalized = networks->normalizer->Normalize(o).expand({n, -1});
        torch::Tensor noise = torch::empty({1, n, L}).normal_(0.0, 1.0, generator);
        PolicyOutput draws = networks->policy->Forward(normalized.unsqueeze(0),
                                                       f.expand({n}).unsqueeze(0), copies, noise);
        b.Append("resampled/action_mean", draws.action_mean[0]);
        b.Append("resampled/latent", draws.latent[0]);
      }
      ActionBatch act = actor.Act(o, f, /*record_activations=*/true);
      const mjData* d = env.physics().data();
      b.qpos.insert(b.qpos.end(), d->qpos, d->qpos + model->nq);
      b.qvel.insert(b.qvel.end(), d->qvel, d->qvel + model->nv);
      b.xpos.insert(b.xpos.end(), d->xpos, d->xpos + 3 * model->nbody);
      b.frame.push_back(env.frame());
      if (keypoints) {
        ModelKeypoints(d, features, model_keypoints.data());
        b.model_keypoints.insert(b.model_keypoints.end(), model_keypoints.begin(), model_keypoints.end());
        const double* real = clip.keypoints_at(env.frame());
        b.real_keypoints.insert(b.real_keypoints.end(), real, real + 3 * clip.num_keypoints);
      }
      b.time.push_back(env.frame() / clip.frame_rate);
      b.Append("action", act.action[0]);
      for (const auto& [name, tensor] : act.activations) {
        if (name == "action/mean") b.Append("action_mean", tensor[0]);
        if (name == "action/std") b.Append("action_std", tensor[0]);
        if (name == "latent/mean") b.Append("latent_mean", tensor[0]);
        if (name == "latent/std") b.Append("latent_std", tensor[0]);
        if (name == "latent/sample") b.Append("latent_sample", tensor[0]);
        b.Append("layers/" + name, tensor[0]);
      }
      torch::Tensor normalized = networks->normalizer->Normalize(o);
      torch::Tensor value = networks->value ? networks->value->forward(normalized)
                                            : networks->q->forward(normalized, act.mean.clamp(-1, 1));
      b.Append("value", value);

      torch::Tensor action = act.action.clamp(-1.0, 1.0).contiguous();
      MIMIC_ASSIGN_OR_RETURN(StepResult step,
                             env.Step(absl::MakeConstSpan(action.data_ptr<float>(), action.numel()),
                                      obs.data()));
      b.Append("reward", torch::full({1}, step.reward));
      reward_sum += step.reward;
      ++b.steps;
      ++done;
      if (options.on_progress) options.on_progress(done, total);
      first = 0.f;
      const bool terminated = IsTermination(step.end);
      b.termination.push_back(terminated ? 1 : 0);
      b.episode_end.push_back(static_cast<int32_t>(step.end));
      if (step.end == EpisodeEnd::kNone) continue;
      if (!terminated) break;  // the clip (or time limit) ended
      ++summary.terminations;
      // Back onto the reference at the frame reached, as a new episode.
      if (!env.Reset(c, env.frame(), obs.data()).ok()) break;
      first = 1.f;
    }
    MIMIC_RETURN_IF_ERROR(WriteClip(*file, "/clips/" + clip.name, b, model, options.latent_samples));
    if (keypoints) {
      MIMIC_RETURN_IF_ERROR(file->WriteStrings("/clips/" + clip.name + "/keypoint_names", clip.keypoint_names));
    }
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/clips/" + clip.name, "frame_rate", clip.frame_rate));
    // where the clip sits in the source recording: session time = (start + frame) / frame_rate
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/clips/" + clip.name, "source_frame_start",
                                             static_cast<int64_t>(clip.source_frame_start)));
    summary.steps += b.steps;
    ++summary.clips;
  }
  MIMIC_RETURN_IF_ERROR(file->WriteStrings("/layer_names", summary.layer_names));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "format", std::string("mimic.rollouts")));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "version", int64_t{1}));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "checkpoint", options.checkpoint));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "step", options.step));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "control_timestep", spec.control_timestep));
  MIMIC_RETURN_IF_ERROR(file->Finish());
  summary.mean_reward = summary.steps > 0 ? reward_sum / summary.steps : 0;
  return summary;
}

}  // namespace mimic
