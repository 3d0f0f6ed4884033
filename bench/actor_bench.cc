// `mimic bench actor`: what acting costs on top of the physics. The actor's own loop — batched
// no-grad inference of the default paper-sized policy for every environment, unroll cutting and
// encoding into Unroll protos — against the same environments stepped with no policy, in the
// same run, on the same threads. The reference replays the very actions the actor took from the
// same seed, so both sides step identical trajectories, resets included. The two sides alternate
// over interleaved rounds (bench/rounds). Ratio = actor env steps/s ÷ env-only steps/s.
#include <chrono>
#include <cstdio>

#include "absl/strings/str_format.h"
#include "actors/task_factory.h"
#include "bench/benchmarks.h"
#include "bench/rounds.h"
#include "common/args.h"
#include "common/blas_threads.h"
#include "common/status_macros.h"
#include "learner/networks.h"
#include "learner/policy_actor.h"
#include "learner/policy_network.h"
#include "learner/small_batch_linear.h"
#include "learner/unroll_collector.h"
#include "learner/wire_codec.h"
#include "proto/train_config.pb.h"

namespace mimic::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

const CommandSpec& Spec() {
  static const auto* spec = new CommandSpec{
      "bench actor",
      "actor env steps/s — batched no-grad inference of the paper-sized policy for every env, unroll "
      "cutting and encoding — against the same environment steps (the very actions the actor took, from "
      "the same seed) with no policy",
      {
          {"envs", FlagType::kInt, "64", "envs", "environments of the one actor"},
          {"threads", FlagType::kInt, "2", "threads", "threads stepping the environments"},
          {"steps", FlagType::kInt, "200", "steps", "batch steps per measurement (whole unrolls)"},
          {"unroll", FlagType::kInt, "20", "steps", "unroll length"},
          {"decoder", FlagType::kString, "lstm", "lstm|mlp", "the policy's decoder"},
          {"blas_threads", FlagType::kInt, "1", "threads", "OpenBLAS threads during inference"},
          {"inference_threads", FlagType::kInt, "2", "threads", "threads the forward pass's rows are split over"},
          {"kernels", FlagType::kString, "auto", "auto|avx512|avx2|none",
           "small-batch linear kernels for inference (learner/small_batch_linear.h); none = torch::linear (OpenBLAS)"},
          {"precision", FlagType::kString, ActorConfig().inference_precision(), "float32|bfloat16",
           "the kernels' products, as ActorConfig.inference_precision (bfloat16 runs where the CPU has "
           "AVX512_BF16, float32 elsewhere)"},
          {"rounds", FlagType::kInt, "3", "rounds", "interleaved rounds after the warm-up; the median is reported"},
      },
      {"./mimic bench actor --envs 32", "./mimic bench actor --envs 32 --precision float32"},
  };
  return *spec;
}

struct ActorPass {
  double seconds = 0, inference_seconds = 0, env_seconds = 0, encode_seconds = 0;
  size_t bytes = 0;
  std::vector<torch::Tensor> actions;  // [E, A] per batch step
};

}  // namespace

int BenchActor(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(Spec(), argv, &exit_code);
  if (!args) return exit_code;
  const int envs = args->Int("envs"), threads = args->Int("threads"), steps = args->Int("steps"),
            unroll = args->Int("unroll"), blas_threads = args->Int("blas_threads"),
            inference_threads = args->Int("inference_threads");
  if (envs < 1 || threads < 1 || unroll < 1 || inference_threads < 1 || steps < unroll) {
    return Fail("bench actor", absl::InvalidArgumentError("sizes must be positive and --steps at least --unroll"));
  }
  const std::string kernels = args->String("kernels");
  if (kernels == "none") {
    SetSmallBatchIsa(SmallBatchIsa::kNone);
  } else if (kernels == "avx2" || kernels == "avx512") {
    const SmallBatchIsa wanted = kernels == "avx2" ? SmallBatchIsa::kAvx2 : SmallBatchIsa::kAvx512;
    if (static_cast<int>(wanted) > static_cast<int>(DetectedSmallBatchIsa())) {
      return Fail("bench actor", absl::InvalidArgumentError("--kernels " + kernels + ": this CPU has only " +
                                                            SmallBatchIsaName(DetectedSmallBatchIsa())));
    }
    SetSmallBatchIsa(wanted);
  } else if (kernels != "auto") {
    return Fail("bench actor", absl::InvalidArgumentError("--kernels must be auto, avx512, avx2 or none, not '" +
                                                          kernels + "'"));
  }
  auto precision = ParseInferencePrecision(args->String("precision"));
  if (!precision.ok()) return Fail("bench actor", precision.status());
  SetInferencePrecision(*precision);
  torch::set_num_threads(1);
  SetBlasThreads(blas_threads);
  TaskConfig task;  // the rodent on a clip recorded from the model
  auto probe = MakeTaskEnvs(task, TaskRole::kTrain, 1, 1, 1);
  if (!probe.ok()) return Fail("bench actor", probe.status());
  NetworkConfig network;  // paper-sized defaults
  network.set_proprioception_size(probe->proprioception_size);
  network.set_decoder(args->String("decoder"));
  Networks networks(WithNetworkDefaults(network, probe->obs_size), probe->obs_size, probe->num_actions,
                    CriticKind::kValue);
  networks->eval();
  const int unrolls = steps / unroll;
  const int64_t total_steps = static_cast<int64_t>(unrolls) * unroll * envs;

  // ours: the actor loop without the network send, on fresh environments from the same seed
  auto run_actor = [&]() -> absl::StatusOr<ActorPass> {
    MIMIC_ASSIGN_OR_RETURN(TaskEnvs t, MakeTaskEnvs(task, TaskRole::kTrain, envs, threads, 1));
    PolicyActor actor(networks, envs, 2, /*deterministic=*/false, inference_threads);
    UnrollCollector collector(t.env.get(), &actor, unroll);
    MIMIC_RETURN_IF_ERROR(collector.Start());
    ActorPass pass;
    const auto start = Clock::now();
    for (int u = 0; u < unrolls; ++u) {
      MIMIC_ASSIGN_OR_RETURN(auto batch, collector.Collect());
      const auto encode_start = Clock::now();
      for (const Unroll& unroll_proto : SplitBatch(batch, {})) pass.bytes += unroll_proto.ByteSizeLong();
      pass.encode_seconds += Seconds(encode_start);
      for (int i = 0; i < batch.actions.size(0); ++i) pass.actions.push_back(batch.actions[i].contiguous());
    }
    pass.seconds = Seconds(start);
    pass.inference_seconds = collector.inference_seconds();
    pass.env_seconds = collector.env_seconds();
    return pass;
  };
  // the trajectory both sides step: the actions of the warm-up's actor pass
  auto first = run_actor();
  if (!first.ok()) return Fail("bench actor", first.status());
  const std::vector<torch::Tensor> trajectory = first->actions;
  ActorPass last = *first;

  Measurement ours = [&]() -> absl::StatusOr<Figures> {
    MIMIC_ASSIGN_OR_RETURN(last, run_actor());
    return Figures{{"actor_steps_per_s", total_steps / last.seconds}};
  };
  // reference: fresh environments, same seed, the same actions, no policy
  Measurement reference = [&]() -> absl::StatusOr<Figures> {
    MIMIC_ASSIGN_OR_RETURN(TaskEnvs replayed, MakeTaskEnvs(task, TaskRole::kTrain, envs, threads, 1));
    MIMIC_RETURN_IF_ERROR(replayed.env->Reset());
    const auto start = Clock::now();
    for (const torch::Tensor& a : trajectory) {
      MIMIC_RETURN_IF_ERROR(replayed.env->Step(absl::MakeConstSpan(a.data_ptr<float>(), a.numel())));
    }
    return Figures{{"env_only_steps_per_s", total_steps / Seconds(start)}};
  };
  auto ratio = [](const Figures& o, const Figures& r) {
    return FigureOf(o, "actor_steps_per_s") / FigureOf(r, "env_only_steps_per_s");
  };
  RoundsOptions options;
  options.rounds = args->Int("rounds");
  options.warmup = false;  // the first actor pass above warmed up; the reference's first pass follows
  if (auto warm = reference(); !warm.ok()) return Fail("bench actor", warm.status());
  auto result = RunRounds(options, ours, reference, ratio);
  if (!result.ok()) return Fail("bench actor", result.status());

  // what the products' precision does to the policy's output: one forward pass on the same
  // observations in float32 and as configured, action means compared
  double action_mean_max_diff = 0, action_mean_max = 0;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor obs = torch::randn({1, envs, probe->obs_size});
    const torch::Tensor noise = torch::randn({1, envs, networks->policy->latent_size()});
    const torch::Tensor first = torch::ones({1, envs});
    const PolicyOutput as_run = networks->policy->Forward(obs, first, networks->policy->InitialState(envs), noise);
    SetInferencePrecision(InferencePrecision::kFloat32);
    const PolicyOutput exact = networks->policy->Forward(obs, first, networks->policy->InitialState(envs), noise);
    SetInferencePrecision(*precision);
    action_mean_max_diff = (as_run.action_mean - exact.action_mean).abs().max().item<double>();
    action_mean_max = exact.action_mean.abs().max().item<double>();
  }

  int64_t policy_params = 0;
  for (const auto& p : networks->policy->parameters()) policy_params += p.numel();
  std::fprintf(stderr,
               "bench actor: %d envs on %d threads, %d-step unrolls, inference on %d thread(s) with %d BLAS "
               "thread(s); last pass: inference %.1f ms per batch step (%.0f%% of the actor's time), environments "
               "%.0f%%, unroll encoding %.1f%%; %.0f bytes per unroll\n",
               envs, threads, unroll, inference_threads, blas_threads,
               1000 * last.inference_seconds / (unrolls * unroll), 100 * last.inference_seconds / last.seconds,
               100 * last.env_seconds / last.seconds, 100 * last.encode_seconds / last.seconds,
               static_cast<double>(last.bytes) / (unrolls * envs));
  std::printf("%s\n", JsonLine("actor")
                          .Add("envs", envs)
                          .Add("env_threads", threads)
                          .Add("policy_params", policy_params)
                          .Add("kernels", SmallBatchIsaName(ActiveSmallBatchIsa()))
                          .Add("precision", InferencePrecisionName(ActiveInferencePrecision()))
                          .Add("action_mean_max_diff_vs_float32", action_mean_max_diff)
                          .Add("action_mean_max", action_mean_max)
                          .Add("steps", total_steps)
                          .Finish(*result)
                          .c_str());
  return 0;
}

}  // namespace mimic::bench
