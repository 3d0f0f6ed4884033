// `mimic bench actor`: what acting costs on top of the physics. The actor's own loop — batched
// no-grad inference of the default paper-sized policy for every environment, unroll cutting and
// encoding into Unroll protos — against the same environments stepped with no policy, in the
// same run, on the same threads. The reference replays the very actions the actor took from the
// same seed, so both sides step identical trajectories, resets included.
// Ratio = actor env steps/s ÷ physics-only env steps/s.
#include <chrono>
#include <cstdio>

#include "absl/strings/str_format.h"
#include "actors/task_factory.h"
#include "bench/benchmarks.h"
#include "common/args.h"
#include "common/blas_threads.h"
#include "learner/networks.h"
#include "learner/policy_actor.h"
#include "learner/policy_network.h"
#include "learner/unroll_collector.h"
#include "learner/wire_codec.h"

namespace mimic::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

int BenchActor(const Argv& argv) {
  auto args = Args::Parse(argv, {"envs", "threads", "steps", "unroll", "decoder", "blas_threads", "inference_threads"});
  if (!args.ok()) return Fail("bench actor", args.status());
  auto envs = args->GetInt("envs", 64);
  auto threads = args->GetInt("threads", 2);
  auto steps = args->GetInt("steps", 200);
  auto unroll = args->GetInt("unroll", 20);
  auto blas_threads = args->GetInt("blas_threads", 1);
  auto inference_threads = args->GetInt("inference_threads", 2);
  for (const absl::Status& s : {envs.status(), threads.status(), steps.status(), unroll.status(), blas_threads.status(),
                                inference_threads.status()}) {
    if (!s.ok()) return Fail("bench actor", s);
  }
  if (*steps < *unroll) return Fail("bench actor", absl::InvalidArgumentError("--steps must be at least --unroll"));
  torch::set_num_threads(1);
  SetBlasThreads(*blas_threads);
  TaskConfig task;  // the rodent on a clip recorded from the model
  auto made = MakeTaskEnvs(task, TaskRole::kTrain, *envs, *threads, 1);
  if (!made.ok()) return Fail("bench actor", made.status());
  TaskEnvs& t = *made;
  NetworkConfig network;  // paper-sized defaults
  network.set_proprioception_size(t.proprioception_size);
  network.set_decoder(args->GetString("decoder", "lstm"));
  Networks networks(WithNetworkDefaults(network, t.obs_size), t.obs_size, t.num_actions, CriticKind::kValue);
  networks->eval();
  const int unrolls = *steps / *unroll;
  const int64_t total_steps = static_cast<int64_t>(unrolls) * *unroll * *envs;

  // ours: the actor loop without the network send
  PolicyActor actor(networks, *envs, 2, /*deterministic=*/false, *inference_threads);
  UnrollCollector collector(t.env.get(), &actor, *unroll);
  if (absl::Status s = collector.Start(); !s.ok()) return Fail("bench actor", s);
  std::vector<torch::Tensor> taken;
  size_t bytes = 0;
  double encode_s = 0;
  auto start = Clock::now();
  for (int u = 0; u < unrolls; ++u) {
    auto batch = collector.Collect();
    if (!batch.ok()) return Fail("bench actor", batch.status());
    const auto encode_start = Clock::now();
    for (const Unroll& unroll_proto : SplitBatch(*batch, {})) bytes += unroll_proto.ByteSizeLong();
    encode_s += Seconds(encode_start);
    taken.push_back(batch->actions);
  }
  const double actor_s = Seconds(start);

  // reference: fresh environments, same seed, the same actions, no policy
  auto replayed = MakeTaskEnvs(task, TaskRole::kTrain, *envs, *threads, 1);
  if (!replayed.ok()) return Fail("bench actor", replayed.status());
  if (absl::Status s = replayed->env->Reset(); !s.ok()) return Fail("bench actor", s);
  std::vector<torch::Tensor> per_step;
  for (const torch::Tensor& a : taken) {
    for (int i = 0; i < a.size(0); ++i) per_step.push_back(a[i].contiguous());
  }
  start = Clock::now();
  for (const torch::Tensor& a : per_step) {
    absl::Status s = replayed->env->Step(absl::MakeConstSpan(a.data_ptr<float>(), a.numel()));
    if (!s.ok()) return Fail("bench actor", s);
  }
  const double physics_s = Seconds(start);

  int64_t policy_params = 0;
  for (const auto& p : networks->policy->parameters()) policy_params += p.numel();
  const double physics_rate = total_steps / physics_s, actor_rate = total_steps / actor_s;
  std::fprintf(stderr,
               "bench actor: %d envs on %d threads, %d-step unrolls, inference on %d thread(s) with %d BLAS thread(s); inference %.1f ms per batch "
               "step (%.0f%% of the actor's time), environments %.0f%%, unroll encoding %.1f%%; %.0f bytes per "
               "unroll\n",
               *envs, *threads, *unroll, *inference_threads, *blas_threads, 1000 * collector.inference_seconds() / (unrolls * *unroll),
               100 * collector.inference_seconds() / actor_s, 100 * collector.env_seconds() / actor_s,
               100 * encode_s / actor_s, static_cast<double>(bytes) / (unrolls * *envs));
  std::printf("%s\n", absl::StrFormat("{\"bench\": \"actor\", \"envs\": %d, \"env_threads\": %d, \"policy_params\": %d, "
                                      "\"steps\": %d, \"actor_steps_per_s\": %.1f, \"physics_steps_per_s\": %.1f, "
                                      "\"ratio\": %.3f}",
                                      *envs, *threads, static_cast<int>(policy_params), static_cast<int>(total_steps),
                                      actor_rate, physics_rate, actor_rate / physics_rate)
                          .c_str());
  return 0;
}

}  // namespace mimic::bench
