#include "bench/benchmarks.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "absl/strings/str_format.h"
#include "common/args.h"
#include "envs/env_context.h"
#include "envs/batched_env.h"
#include "envs/clip_recorder.h"
#include "envs/physics.h"

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

// Raw MuJoCo: mj_step x substeps per control step; `threads` OS threads own `envs` mjData.
double RawStepsPerSecond(const mjModel* m, int substeps, const Workload& w, int envs, int threads,
                         double seconds) {
  std::vector<int64_t> counts(threads, 0);
  std::vector<std::thread> workers;
  for (int th = 0; th < threads; ++th) {
    workers.emplace_back([&, th] {
      const int mine = envs / threads + (th < envs % threads ? 1 : 0);
      std::vector<DataPtr> data;
      std::vector<int> step_in_episode(mine, 0);
      std::mt19937 rng(th);
      auto reset = [&](int k) {
        mjData* d = data[k].get();
        const int f = std::uniform_int_distribution<int>(0, w.clip->num_frames - 2)(rng);
        mj_resetData(m, d);
        std::copy(w.clip->qpos_at(f), w.clip->qpos_at(f) + m->nq, d->qpos);
        std::copy(w.clip->qvel_at(f), w.clip->qvel_at(f) + m->nv, d->qvel);
        mj_forward(m, d);
        step_in_episode[k] = 0;
      };
      for (int k = 0; k < mine; ++k) {
        data.emplace_back(mj_makeData(m));
        reset(k);
      }
      int64_t done = 0;
      const auto end = Clock::now() + std::chrono::duration<double>(seconds);
      while (Clock::now() < end) {
        for (int k = 0; k < mine; ++k) {
          mjData* d = data[k].get();
          const float* a = w.actions.data() + ((done + k) % w.rows) * m->nu;
          for (int i = 0; i < m->nu; ++i) d->ctrl[i] = a[i];
          for (int s = 0; s < substeps; ++s) mj_step(m, d);
          if (++step_in_episode[k] == w.episode_steps) reset(k);
        }
        done += mine;
      }
      counts[th] = done;
    });
  }
  for (auto& t : workers) t.join();
  int64_t total = 0;
  for (int64_t c : counts) total += c;
  return total / seconds;
}

double EnvStepsPerSecond(std::shared_ptr<const EnvContext> context, const Workload& w, int envs,
                         int threads, double seconds) {
  BatchedEnvOptions options;
  options.num_envs = envs;
  options.num_threads = threads;
  auto batch = BatchedEnv::Create(std::move(context), options);
  if (!batch.ok()) return 0;
  (*batch)->Reset().IgnoreError();
  const int nu = (*batch)->spec().num_actions;
  std::vector<float> actions(static_cast<size_t>(envs) * nu);
  int64_t done = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    for (int k = 0; k < envs; ++k) {
      std::copy_n(w.actions.data() + ((done + k) % w.rows) * nu, nu, actions.data() + k * nu);
    }
    (*batch)->Step(actions).IgnoreError();
    done += envs;
  }
  return done / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int BenchEnv(const Argv& argv) {
  auto args = Args::Parse(argv, {"seconds", "envs", "config"});
  if (!args.ok()) return Fail("bench env", args.status());
  auto config = ReadEnvConfigOrDefaults(args->GetString("config", ""));
  if (!config.ok()) return Fail("bench env", config.status());
  const double seconds = args->GetDouble("seconds", 3.0).value_or(3.0);
  const int envs = args->GetInt("envs", 32).value_or(32);  // the actor's inference batch
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

  std::fprintf(stderr, "bench env: %d envs, %.1f s per measurement, substeps %d\n", envs, seconds, substeps);
  const double raw1 = RawStepsPerSecond(m, substeps, w, envs, 1, seconds);
  const double env1 = EnvStepsPerSecond(*context, w, envs, 1, seconds);
  const double raw2 = RawStepsPerSecond(m, substeps, w, envs, 2, seconds);
  const double env2 = EnvStepsPerSecond(*context, w, envs, 2, seconds);
  const double ratio1 = env1 / raw1, ratio2 = env2 / raw2;
  std::printf(
      "{\"bench\":\"env\",\"envs\":%d,\"substeps\":%d,\"obs_size\":%d,\"raw_mj_step_steps_per_s_1t\":%.1f,"
      "\"env_steps_per_s_1t\":%.1f,\"ratio_1t\":%.3f,\"raw_mj_step_steps_per_s_2t\":%.1f,"
      "\"env_steps_per_s_2t\":%.1f,\"ratio_2t\":%.3f,\"ratio\":%.3f}\n",
      envs, substeps, (*context)->spec().observation.size(), raw1, env1, ratio1, raw2, env2, ratio2,
      std::min(ratio1, ratio2));
  return 0;
}

}  // namespace mimic::bench
