// `mimic demo`: the main job on bundled data, end to end: STAC registration of the real rat
// recording into reference clips; episode sets of the imitation environment with a zero and a
// random policy (the untrained baselines); a short local training run of the whole distributed
// topology (replay, learner, actors, evaluator as separate processes); a rollout of the
// trained policy over every clip into rollouts.h5, the file the neural analyses read; a video of it
// on the first clip; and an encoding analysis as a job.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>

#include <fstream>

#include <google/protobuf/text_format.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "common/args.h"
#include "envs/env_context.h"
#include "common/progress.h"
#include "envs/batched_env.h"
#include "envs/clip_io.h"
#include <grpcpp/grpcpp.h>

#include "analysis/analysis_service.h"
#include "common/grpc_security.h"
#include "common/job_runner.h"
#include "common/operations_service.h"
#include "common/path_guard.h"
#include "common/text_proto.h"
#include "preprocess/stac_job.h"
#include "proto/train_config.pb.h"

namespace mimic::cli {
namespace {

struct EpisodeSetStats {
  int episodes = 0;
  double total_length = 0;      // control steps, over finished episodes
  double total_reward = 0;      // over every step taken
  int64_t steps = 0;
  std::map<std::string, int> ends;
  double seconds = 0;
};

// Runs `steps_per_env` synchronous steps of `policy` over a batch and tallies finished episodes.
EpisodeSetStats RunEpisodes(BatchedEnv& env, int steps_per_env, const std::string& label,
                            const std::function<void(std::vector<float>&)>& policy) {
  EpisodeSetStats stats;
  std::vector<float> actions(static_cast<size_t>(env.num_envs()) * env.spec().num_actions);
  Progress progress(absl::StrCat("  ", label), static_cast<int64_t>(steps_per_env) * env.num_envs(), "steps");
  const auto start = std::chrono::steady_clock::now();
  env.Reset().IgnoreError();
  for (int t = 0; t < steps_per_env; ++t) {
    policy(actions);
    absl::Status s = env.Step(actions);
    if (!s.ok()) {
      std::fprintf(stderr, "step failed: %s\n", s.ToString().c_str());
      break;
    }
    for (int i = 0; i < env.num_envs(); ++i) {
      stats.total_reward += env.rewards()[i];
      ++stats.steps;
      if (env.episode_end()[i] != 0) {
        ++stats.episodes;
        stats.ends[EpisodeEndName(static_cast<EpisodeEnd>(env.episode_end()[i]))]++;
      }
    }
    progress.Update(stats.steps);
  }
  progress.Finish();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

std::string EndsSummary(const std::map<std::string, int>& ends) {
  std::string out;
  for (const auto& [name, count] : ends) absl::StrAppend(&out, out.empty() ? "" : " ", name, "=", count);
  return out.empty() ? "-" : out;
}

const CommandSpec& DemoSpec() {
  static const auto* spec = new CommandSpec{
      "demo",
      "the main job on the bundled data: STAC registration of a real rat recording, untrained baselines in the "
      "imitation environment, a short run of the whole distributed training topology, a rollout of the trained "
      "policy, a video of it on the first clip and an encoding analysis job over gRPC",
      {
          {"out", FlagType::kString, "runs/demo", "DIR", "where everything is written"},
          {"clips", FlagType::kString, "", "FILE", "your own reference clips instead of registering the bundled recording"},
          {"steps", FlagType::kInt, "400", "steps", "steps per environment of each baseline episode set"},
          {"envs", FlagType::kInt, "8", "envs", "environments of the baseline episode sets"},
          {"threads", FlagType::kInt, "2", "threads", "threads stepping them"},
          {"train_s", FlagType::kInt, "60", "s", "length of the training run (0 = stop after the baselines)"},
          {"config", FlagType::kString, "", "FILE", "an EnvConfig (default: the bundled rat at the clips' scale)"},
      },
      {"./mimic demo", "./mimic demo --train_s 0 --out runs/quick"},
  };
  return *spec;
}

}  // namespace

int RunDemo(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(DemoSpec(), argv, &exit_code);
  if (!args) return exit_code;
  auto config = ReadEnvConfigOrDefaults(args->String("config"));
  if (!config.ok()) return Fail("demo", config.status());
  const int steps = args->Int("steps"), num_envs = args->Int("envs"), threads = args->Int("threads"),
            train_s = args->Int("train_s");
  if (steps < 1 || num_envs < 1 || threads < 1 || train_s < 0) {
    return Fail("demo", absl::InvalidArgumentError("--steps, --envs and --threads must be positive, --train_s >= 0"));
  }
  const std::string out_dir = args->String("out");
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Fail("demo", absl::PermissionDeniedError(absl::StrCat("cannot create ", out_dir, ": ", ec.message())));

  std::printf("MIMIC demo: from a real rat's 3D keypoints to the virtual rodent's imitation environment\n\n");
  // 1. reference clips: STAC registration of the bundled DANNCE recording (or the user's clips)
  std::vector<ReferenceClip> clips;
  if (!args->Has("clips")) {
    preprocess::StacJob job;
    job.keypoints = "data/mocap/rodent_mocap_1000_frames.mat";
    job.config = "configs/stac_rodent.pbtxt";
    job.out = out_dir + "/clips.h5";
    job.on_progress = preprocess::StacProgressLines("  stac ");
    auto outcome = preprocess::RunStacJob(job);
    if (!outcome.ok()) return Fail("demo", outcome.status());
    std::printf("[1/7] STAC registration of %s: %d frames -> %d clips in %s\n      mean keypoint residual %.2f mm, "
                "pose pass %.0f frames/s on %d threads\n",
                job.keypoints.c_str(), outcome->frames, outcome->clips, job.out.c_str(), outcome->mean_residual_mm,
                outcome->pose_pass_frames_per_s, outcome->threads);
    if (!outcome->figure.empty()) std::printf("      residual figure: %s\n", outcome->figure.c_str());
  }
  const std::string clips_path = args->Has("clips") ? args->String("clips") : out_dir + "/clips.h5";
  auto read = ReadClips(clips_path);
  if (!read.ok()) return Fail("demo", read.status());
  clips = *std::move(read);
  if (args->Has("clips")) std::printf("[1/7] reference clips: %zu read from %s\n", clips.size(), clips_path.c_str());
  // play the clips on the model at the scale they were registered with
  if (!args->Has("config")) config->set_model_scale(clips.front().model_scale);

  // 2. environment
  auto context = EnvContext::Create(*config, clips);
  if (!context.ok()) return Fail("demo", context.status());
  const EnvSpec& spec = (*context)->spec();
  std::printf("[2/7] environment: %d observation floats (%d proprioceptive, %d-frame reference window), %d "
              "actions, control %.3f s = %d x %.3f s physics\n",
              spec.observation.size(), spec.observation.proprioception_size(), spec.reference_window,
              spec.num_actions, spec.control_timestep, spec.substeps, spec.physics_timestep);

  // 3. episodes
  BatchedEnvOptions options;
  options.num_envs = num_envs;
  options.num_threads = threads;
  options.seed = 1;
  auto batch = BatchedEnv::Create(*context, options);
  if (!batch.ok()) return Fail("demo", batch.status());
  std::printf("[3/7] episodes from sampled starts (%d envs, %d threads, %d steps each):\n", num_envs, threads, steps);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> uniform(-1.f, 1.f);
  std::vector<std::pair<std::string, EpisodeSetStats>> rows;
  rows.emplace_back("zero", RunEpisodes(**batch, steps, "zero policy", [](std::vector<float>& a) {
                      std::fill(a.begin(), a.end(), 0.f);
                    }));
  rows.emplace_back("random", RunEpisodes(**batch, steps, "random policy", [&](std::vector<float>& a) {
                      for (float& x : a) x = uniform(rng);
                    }));

  std::printf("\n  %-22s %9s %12s %17s %12s  %s\n", "policy", "episodes", "mean length", "mean reward/step",
              "env steps/s", "episode ends");
  for (const auto& [name, s] : rows) {
    const double mean_len = s.episodes > 0 ? static_cast<double>(s.steps) / s.episodes : s.steps;
    std::printf("  %-22s %9d %12.1f %17.3f %12.0f  %s\n", name.c_str(), s.episodes, mean_len,
                s.total_reward / std::max<int64_t>(1, s.steps), s.steps / s.seconds, EndsSummary(s.ends).c_str());
  }
  std::printf("\nMaximum reward per step is %.1f (five tracking terms of weight 1, minus the control cost).\n"
              "Episode lengths are in control steps of %.0f ms; 'clip_end' means the reference ran out.\n"
              "Untrained policies earn well under the maximum: random actions fall out of the reference within\n"
              "a second; doing nothing keeps the body near this slow-moving rat but tracks it poorly.\n",
              5.0, 1000 * spec.control_timestep);
  if (train_s <= 0) return 0;

  // 4. a short training run of the real topology on the first clip (configs/smoke.pbtxt's sizes)
  std::printf("\n[4/7] training for %d s: replay, learner, 2 actors and the evaluator as separate processes\n",
              train_s);
  std::fflush(stdout);
  auto smoke = ReadTextProto<TrainConfig>("configs/smoke.pbtxt");
  if (!smoke.ok()) return Fail("demo", smoke.status());
  smoke->mutable_task()->set_clips(clips_path);
  smoke->mutable_task()->clear_clip_ids();
  smoke->mutable_task()->add_clip_ids(0);
  smoke->mutable_evaluator()->set_from_clip_start(true);
  const std::string train_config = out_dir + "/demo_train.pbtxt";
  {
    std::string text;
    google::protobuf::TextFormat::PrintToString(*smoke, &text);
    std::ofstream(train_config) << text;
  }
  const std::string run_dir = out_dir + "/train";
  std::filesystem::remove_all(run_dir, ec);
  if (int rc = RunTrain({"--config", train_config, "--run_dir", run_dir, "--max_wall_s", absl::StrCat(train_s)});
      rc != 0) {
    return rc;
  }

  // 5. the trained policy over every clip: kinematics and every named layer for the analyses
  std::printf("\n[5/7] rollout of the trained policy over all %zu clips\n", clips.size());
  std::fflush(stdout);
  const std::string rollouts = out_dir + "/rollouts.h5";
  if (int rc = RunRollout({"--checkpoint", run_dir + "/checkpoints", "--clips", clips_path, "--out", rollouts});
      rc != 0) {
    return rc;
  }

  // 6. what the trained policy does, to watch: the simulated rat on the first clip with the real
  // rat's pose as a ghost and both sets of keypoints, and its tracking error per body part
  std::printf("\n[6/7] video of the trained policy on the first clip\n");
  std::fflush(stdout);
  const std::string video = out_dir + "/rollout_clip0.mp4";
  if (int rc = RunRender({"--rollouts", rollouts, "--clips", clips_path, "--clip", "0", "--out", video, "--stills",
                          "125", "--figure", out_dir + "/rollout_clip0_error.svg"});
      rc != 0) {
    return rc;
  }

  // 7. the neural comparison as a job on the analysis service: synthetic neurons planted on the
  // rollout's joint angles and latent means, then GLMs per neuron and feature class
  std::printf("\n[7/7] analysis job: synthetic neurons planted on the rollout's features, encoding GLMs over "
              "gRPC\n");
  std::fflush(stdout);
  if (int rc = RunSynth({"spikes", "--rollouts", rollouts, "--classes", "joint_angles,latent/mean", "--out",
                         out_dir + "/synth", "--tuned", "6", "--untuned", "6", "--baseline", "-0.5"});
      rc != 0) {
    return rc;
  }
  auto guard = PathGuard::Create(out_dir);
  if (!guard.ok()) return Fail("demo", guard.status());
  std::filesystem::create_directories(out_dir + "/analysis", ec);
  // the analysis service wants a token like every service: one drawn for this demo
  const std::string token_file = out_dir + "/analysis.token";
  auto token = WriteRandomTokenFile(token_file);
  if (!token.ok()) return Fail("demo", token.status());
  JobRunner runner(1);
  analysis::AnalysisServiceImpl service(&runner, *guard, analysis::AnalysisLimits{}, *token);
  OperationsServiceImpl operations(&runner, *token);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  builder.RegisterService(&operations);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) return Fail("demo", absl::UnavailableError("cannot start the analysis service"));
  int rc = RunJobs({"encoding", "--server", absl::StrCat("127.0.0.1:", port), "--rollouts", "rollouts.h5",
                    "--classes", "joint_angles,latent/mean", "--counts", "synth/counts.csv", "--out",
                    "analysis/encoding.h5", "--lags", "-10:5:5", "--wait", "--token_file", token_file});
  // and a behaviour map of the real rat's clips (the labels RSA and variability jobs can take),
  // when they are the demo's own registration (beneath the service's root)
  if (rc == 0 && !args->Has("clips")) {
    std::printf("\nbehaviour map of the registered clips (wavelets, PCA, t-SNE, watershed), as a job\n");
    std::fflush(stdout);
    rc = RunJobs({"behaviour-map", "--server", absl::StrCat("127.0.0.1:", port), "--clips", "clips.h5", "--out",
                  "analysis/behaviour_map.h5", "--wait", "--token_file", token_file});
  }
  server->Shutdown();
  if (rc != 0) return rc;
  std::printf("\nDone. Results: %s/analysis/encoding.h5 and its figure %s/analysis/encoding.svg (planted truth in "
              "%s/synth/truth.csv), the behaviour map in analysis/behaviour_map.svg;\ntraining curves: %s/eval.svg (with the evaluator's videos in %s/videos); the run's "
              "logs, checkpoints and metrics under %s.\nThe trained policy on the first clip: %s\n"
              "For recorded neurons: ./mimic serve analysis, then ./mimic jobs encoding --rollouts ... --counts ...\n",
              out_dir.c_str(), out_dir.c_str(), out_dir.c_str(), run_dir.c_str(), run_dir.c_str(), run_dir.c_str(),
              video.c_str());
  return 0;
}

}  // namespace mimic::cli
