#include "bench/benchmarks.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/rounds.h"
#include "common/args.h"
#include "envs/env_context.h"
#include "envs/batched_env.h"
#include "envs/clip_recorder.h"
#include "envs/physics.h"
#include "common/status_macros.h"

namespace mimic::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Both sides run the same workload: episodes of `episode_steps` control steps from sampled clip
// frames, under the same table of random actions.
struct Workload {
  const ReferenceClip* clip;
  std::vector<float> actions;  // (rows x nu), cycled
  int rows;
  int episode_steps;
};

// The reference: physics alone on `envs` states owned by `threads` OS threads, no observation,
// reward, reference or termination work and no per-step barrier. With `split_steps` each substep
// is mj_step2 + mj_step1 as the environment steps (envs/physics); without, plain mj_step (the
// older reference, kept for context).
absl::StatusOr<double> PhysicsStepsPerSecond(const mjModel* m, int substeps, const Workload& w, int envs,
                                             int threads, double seconds, bool split_steps) {
  std::vector<int64_t> counts(threads, 0);
  std::vector<int> unstable(threads, 0);
  std::vector<std::thread> workers;
  for (int th = 0; th < threads; ++th) {
    workers.emplace_back([&, th] {
      const int mine = envs / threads + (th < envs % threads ? 1 : 0);
      std::vector<std::unique_ptr<Physics>> physics;
      std::vector<DataPtr> data;
      std::vector<int> step_in_episode(mine, 0);
      std::vector<double> ctrl(m->nu);
      std::mt19937 rng(th);
      auto reset = [&](int k) {
        const int f = std::uniform_int_distribution<int>(0, w.clip->num_frames - 2)(rng);
        if (split_steps) {
          physics[k]->Reset(w.clip->qpos_at(f), w.clip->qvel_at(f));
        } else {
          mjData* d = data[k].get();
          mj_resetData(m, d);
          std::copy(w.clip->qpos_at(f), w.clip->qpos_at(f) + m->nq, d->qpos);
          std::copy(w.clip->qvel_at(f), w.clip->qvel_at(f) + m->nv, d->qvel);
          mj_forward(m, d);
        }
        step_in_episode[k] = 0;
      };
      for (int k = 0; k < mine; ++k) {
        physics.push_back(std::make_unique<Physics>(m, substeps));
        data.emplace_back(mj_makeData(m));
        reset(k);
      }
      int64_t done = 0;
      const auto end = Clock::now() + std::chrono::duration<double>(seconds);
      while (Clock::now() < end) {
        for (int k = 0; k < mine; ++k) {
          const float* a = w.actions.data() + ((done + k) % w.rows) * m->nu;
          if (split_steps) {
            for (int i = 0; i < m->nu; ++i) ctrl[i] = a[i];
            if (!physics[k]->Step(ctrl.data())) ++unstable[th];
          } else {
            mjData* d = data[k].get();
            for (int i = 0; i < m->nu; ++i) d->ctrl[i] = a[i];
            for (int s = 0; s < substeps; ++s) mj_step(m, d);
          }
          if (++step_in_episode[k] == w.episode_steps) reset(k);
        }
        done += mine;
      }
      counts[th] = done;
    });
  }
  for (auto& t : workers) t.join();
  int64_t total = 0;
  for (int th = 0; th < threads; ++th) {
    if (unstable[th] > 0) return absl::InternalError(absl::StrCat("the physics went unstable ", unstable[th], " times"));
    total += counts[th];
  }
  return total / seconds;
}

absl::StatusOr<double> EnvStepsPerSecond(std::shared_ptr<const EnvContext> context, const Workload& w, int envs,
                                         int threads, double seconds) {
  BatchedEnvOptions options;
  options.num_envs = envs;
  options.num_threads = threads;
  MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<BatchedEnv> batch, BatchedEnv::Create(std::move(context), options));
  MIMIC_RETURN_IF_ERROR(batch->Reset());
  const int nu = batch->spec().num_actions;
  std::vector<float> actions(static_cast<size_t>(envs) * nu);
  int64_t done = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    for (int k = 0; k < envs; ++k) {
      std::copy_n(w.actions.data() + ((done + k) % w.rows) * nu, nu, actions.data() + k * nu);
    }
    MIMIC_RETURN_IF_ERROR(batch->Step(actions));
    for (int k = 0; k < envs; ++k) {
      if (batch->episode_end()[k] == static_cast<uint8_t>(EpisodeEnd::kUnstable)) {
        return absl::InternalError("an environment went unstable: the step did not happen");
      }
    }
    done += envs;
  }
  return done / std::chrono::duration<double>(Clock::now() - start).count();
}

const CommandSpec& Spec() {
  static const auto* spec = new CommandSpec{
      "bench env",
      "environment steps/s (observations, rewards, reference work, terminations, auto-reset) against the "
      "same physics stepping alone, with 1 and 2 threads; ratio = the lower of the two",
      {
          {"envs", FlagType::kInt, "32", "envs", "environments stepped as one batch (the actor's batch)"},
          {"seconds", FlagType::kDouble, "3", "s", "length of each measurement"},
          {"rounds", FlagType::kInt, "3", "rounds", "interleaved rounds after the warm-up; the median is reported"},
          {"config", FlagType::kString, "", "FILE", "an EnvConfig (default: the bundled rat)"},
      },
      {"./mimic bench env --envs 64 --seconds 2"},
      "",
      "Reference: the same model's physics with the environment's own stepping (mj_step2 + mj_step1 per "
      "substep) on as many states and OS threads, without any task work or per-step barrier. Plain mj_step "
      "on the same states is printed for context (raw_mj_step_*).",
  };
  return *spec;
}

}  // namespace

int BenchEnv(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(Spec(), argv, &exit_code);
  if (!args) return exit_code;
  auto config = ReadEnvConfigOrDefaults(args->String("config"));
  if (!config.ok()) return Fail("bench env", config.status());
  const double seconds = args->Double("seconds");
  const int envs = args->Int("envs");
  if (envs < 1 || seconds <= 0) return Fail("bench env", absl::InvalidArgumentError("--envs and --seconds must be positive"));
  // fixed-length episodes on both sides: no early terminations
  const int episode_steps = 50;
  config->set_max_episode_steps(episode_steps);
  TerminationConfig* t = config->mutable_termination();
  t->set_max_com_distance(1e9);
  t->set_max_root_angle(1e9);
  t->set_max_fall_below_reference(1e9);

  RecordOptions record;
  record.num_frames = 500;
  auto recorded = RecordClip(*config, record);
  if (!recorded.ok()) return Fail("bench env", recorded.status());
  auto context = EnvContext::Create(*config, {recorded->clip});
  if (!context.ok()) return Fail("bench env", context.status());
  const mjModel* m = (*context)->model();
  const int substeps = (*context)->spec().substeps;

  Workload w{&(*context)->library().clip(0).clip, {}, 64, episode_steps};
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (int i = 0; i < w.rows * m->nu; ++i) w.actions.push_back(u(rng));

  std::fprintf(stderr, "bench env: %d envs, %.1f s per measurement, substeps %d, %d rounds\n", envs, seconds,
               substeps, args->Int("rounds"));
  const std::shared_ptr<const EnvContext> shared = *context;
  Measurement ours = [&]() -> absl::StatusOr<Figures> {
    MIMIC_ASSIGN_OR_RETURN(double one, EnvStepsPerSecond(shared, w, envs, 1, seconds));
    MIMIC_ASSIGN_OR_RETURN(double two, EnvStepsPerSecond(shared, w, envs, 2, seconds));
    return Figures{{"env_steps_per_s_1t", one}, {"env_steps_per_s_2t", two}};
  };
  Measurement reference = [&]() -> absl::StatusOr<Figures> {
    MIMIC_ASSIGN_OR_RETURN(double one, PhysicsStepsPerSecond(m, substeps, w, envs, 1, seconds, true));
    MIMIC_ASSIGN_OR_RETURN(double two, PhysicsStepsPerSecond(m, substeps, w, envs, 2, seconds, true));
    MIMIC_ASSIGN_OR_RETURN(double raw_one, PhysicsStepsPerSecond(m, substeps, w, envs, 1, seconds, false));
    MIMIC_ASSIGN_OR_RETURN(double raw_two, PhysicsStepsPerSecond(m, substeps, w, envs, 2, seconds, false));
    return Figures{{"physics_steps_per_s_1t", one},
                   {"physics_steps_per_s_2t", two},
                   {"raw_mj_step_steps_per_s_1t", raw_one},
                   {"raw_mj_step_steps_per_s_2t", raw_two}};
  };
  auto ratio = [](const Figures& o, const Figures& r) {
    return std::min(FigureOf(o, "env_steps_per_s_1t") / FigureOf(r, "physics_steps_per_s_1t"),
                    FigureOf(o, "env_steps_per_s_2t") / FigureOf(r, "physics_steps_per_s_2t"));
  };
  RoundsOptions options;
  options.rounds = args->Int("rounds");
  auto result = RunRounds(options, ours, reference, ratio);
  if (!result.ok()) return Fail("bench env", result.status());
  const Round& median = result->median();
  std::printf("%s\n", JsonLine("env")
                          .Add("envs", envs)
                          .Add("substeps", substeps)
                          .Add("obs_size", static_cast<int64_t>((*context)->spec().observation.size()))
                          .Add("ratio_1t", FigureOf(median.ours, "env_steps_per_s_1t") /
                                               FigureOf(median.reference, "physics_steps_per_s_1t"))
                          .Add("ratio_2t", FigureOf(median.ours, "env_steps_per_s_2t") /
                                               FigureOf(median.reference, "physics_steps_per_s_2t"))
                          .Finish(*result)
                          .c_str());
  return 0;
}

}  // namespace mimic::bench
