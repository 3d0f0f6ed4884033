// `mimic bench learner`: training-update FLOP rate of the default paper-sized network (encoder
// 1024,512×4; 60-d latent; 2-layer LSTM 512; critic 1024,512,256) on rodent-sized observations
// (900 floats, 38 actions) at batch 32 × unroll 20, against the best single-precision matrix
// product this machine does in the same run: LibTorch's mm over sizes 256–4096 and every
// combination of 1–2 intra-op and 1–2 BLAS threads. The theoretical peak (cores × clock × SIMD
// FMA width) is printed beside it.
//
// FLOPs are counted from the networks' weight matrices: 2·in·out per sample per matrix forward;
// backward computes the weight gradient (2·in·out) and the input gradient (2·in·out) except for a
// network's first layer, whose input (the observation) needs no gradient.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/benchmarks.h"
#include "bench/rounds.h"
#include "common/args.h"
#include "common/blas_threads.h"
#include "common/status_macros.h"
#include "learner/algorithms.h"
#include "learner/gaussian.h"
#include "learner/learner.h"

namespace mimic::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct NetworkFlops {
  double forward = 0;      // per sample
  double first_layer = 0;  // per sample, forward, of the layers whose input needs no gradient
  // forward + backward per sample
  double Training() const { return 3 * forward - first_layer; }
};

// Per-sample multiply–add FLOPs of every 2-D weight in `module`; first layers are the MLP torsos'
// first linear layers (the policy's encoder, the critics' torsos), which read the observation.
NetworkFlops CountFlops(const torch::nn::Module& module) {
  NetworkFlops flops;
  for (const auto& item : module.named_parameters()) {
    if (item.value().dim() != 2) continue;
    const double f = 2.0 * item.value().numel();
    flops.forward += f;
    if (absl::StrContains(item.key(), "linears.0.weight")) flops.first_layer += f;
  }
  return flops;
}

struct Sgemm {
  double gflops = 0;
  int size = 0, intra_op_threads = 0, blas_threads = 0;
};

double MeasureMm(int n, double min_seconds) {
  torch::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
  torch::mm(a, b);  // warm up
  int64_t reps = 0;
  const auto start = Clock::now();
  do {
    torch::mm(a, b);
    ++reps;
  } while (Seconds(start) < min_seconds);
  return 2.0 * n * n * static_cast<double>(n) * reps / Seconds(start) / 1e9;
}

// The best mm rate over sizes and thread settings; restores the caller's thread settings.
Sgemm BestSgemm(double seconds_each) {
  const int intra_before = torch::get_num_threads(), blas_before = BlasThreads();
  Sgemm best;
  for (int intra : {1, 2}) {
    for (int blas : {1, 2}) {
      torch::set_num_threads(intra);
      SetBlasThreads(blas);
      for (int n : {256, 512, 1024, 2048, 4096}) {
        const double g = MeasureMm(n, seconds_each);
        if (g > best.gflops) best = {g, n, intra, blas};
      }
    }
  }
  torch::set_num_threads(intra_before);
  if (blas_before > 0) SetBlasThreads(blas_before);
  return best;
}

// cores × clock × single-precision FLOPs per cycle of the widest FMA the CPU reports (two FMA
// units assumed): an upper bound no program reaches.
double TheoreticalPeakGflops(int* flops_per_cycle, double* mhz) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  int cores = 0;
  bool avx512 = false, avx2_fma = false, seen_flags = false;
  *mhz = 0;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "processor")) ++cores;
    if (absl::StartsWith(line, "cpu MHz") && *mhz == 0) {
      absl::SimpleAtod(line.substr(line.find(':') + 1), mhz);
    }
    if (absl::StartsWith(line, "flags") && !seen_flags) {
      seen_flags = true;
      avx512 = absl::StrContains(line, " avx512f");
      avx2_fma = absl::StrContains(line, " avx2") && absl::StrContains(line, " fma");
    }
  }
  *flops_per_cycle = avx512 ? 64 : avx2_fma ? 32 : 8;
  return cores * *mhz / 1000.0 * *flops_per_cycle;
}

const CommandSpec& Spec() {
  static const auto* spec = new CommandSpec{
      "bench learner",
      "training-update FLOP rate of the paper-sized network (batch 32 x unroll 20) against the best "
      "single-precision matrix product of this machine (LibTorch mm over sizes 256-4096 and 1-2 intra-op x "
      "1-2 BLAS threads), measured in the same run",
      {
          {"algo", FlagType::kString, "vmpo", "mpo|vmpo|vtrace", "the algorithm whose update is timed"},
          {"updates", FlagType::kInt, "10", "updates", "timed updates per measurement"},
          {"threads", FlagType::kInt, "1", "threads", "LibTorch intra-op threads of the learner"},
          {"batch", FlagType::kInt, "32", "unrolls", "batch size"},
          {"unroll", FlagType::kInt, "20", "steps", "unroll length"},
          {"decoder", FlagType::kString, "lstm", "lstm|mlp", "the policy's decoder"},
          {"sgemm_seconds", FlagType::kDouble, "0.3", "s", "time per (size, threads) product measurement"},
          {"rounds", FlagType::kInt, "3", "rounds", "interleaved rounds after the warm-up; the median is reported"},
      },
      {"./mimic bench learner --algo mpo --updates 4"},
  };
  return *spec;
}

}  // namespace

int BenchLearner(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(Spec(), argv, &exit_code);
  if (!args) return exit_code;
  const std::string algo = args->String("algo");
  const int updates = args->Int("updates"), threads = args->Int("threads");
  if (updates < 1 || threads < 1 || args->Int("batch") < 1 || args->Int("unroll") < 1) {
    return Fail("bench learner", absl::InvalidArgumentError("counts must be positive"));
  }
  constexpr int kObs = 900, kProprio = 200, kActions = 38;
  LearnerConfig config;
  config.mutable_network()->set_proprioception_size(kProprio);
  config.mutable_network()->set_decoder(args->String("decoder"));
  config.set_intra_op_threads(threads);
  auto with_algo = WithAlgorithm(config, algo);
  if (!with_algo.ok()) return Fail("bench learner", with_algo.status());
  auto learner = Learner::Create(*with_algo, kObs, kActions);
  if (!learner.ok()) return Fail("bench learner", learner.status());
  Networks& nets = (*learner)->networks();

  const int T = args->Int("unroll"), B = args->Int("batch"), L = nets->policy->latent_size();
  torch::manual_seed(0);
  Batch batch;
  batch.observations = torch::randn({T + 1, B, kObs});
  batch.first = torch::zeros({T + 1, B});
  batch.behaviour_mean = torch::tanh(torch::randn({T, B, kActions}));
  batch.behaviour_std = torch::full({T, B, kActions}, 0.3);
  batch.actions = batch.behaviour_mean + 0.3 * torch::randn({T, B, kActions});
  batch.behaviour_log_prob = GaussianLogProb(batch.behaviour_mean, batch.behaviour_std, batch.actions);
  batch.rewards = torch::rand({T, B});
  batch.discounts = torch::ones({T, B});
  batch.latent_noise = torch::randn({T + 1, B, L});
  batch.final_observations = torch::zeros({T, B, kObs});
  batch.initial_state = nets->policy->InitialState(B);

  // FLOPs of one update: what each algorithm runs forward, and what it trains
  const NetworkFlops policy = CountFlops(*nets->policy);
  double update_flops = 0;
  if (algo == "mpo") {
    const NetworkFlops q = CountFlops(*nets->q);
    const int N = with_algo->mpo().num_samples();
    // trained policy and Q; the target policy forward; the target Q on N sampled actions
    update_flops = policy.Training() * (T + 1) * B + policy.forward * (T + 1) * B + q.forward * N * (T + 1) * B +
                   q.Training() * T * B;
  } else {
    const NetworkFlops value = CountFlops(*nets->value);
    update_flops = policy.Training() * T * B + value.Training() * (T + 1) * B;
    if (algo == "vmpo") update_flops += policy.forward * T * B;  // the target policy (π_old), forward only
  }
  int64_t policy_params = 0;
  for (const auto& p : nets->policy->parameters()) policy_params += p.numel();

  Measurement ours = [&]() -> absl::StatusOr<Figures> {
    torch::set_num_threads(threads);  // the learner's own setting (the sgemm sweep restores it too)
    const auto start = Clock::now();
    for (int i = 0; i < updates; ++i) MIMIC_RETURN_IF_ERROR((*learner)->Update(batch).status());
    const double seconds = Seconds(start);
    return Figures{{"updates_per_s", updates / seconds},
                   {"samples_per_s", static_cast<double>(T) * B * updates / seconds},
                   {"achieved_gflops", update_flops * updates / seconds / 1e9}};
  };
  Sgemm best;
  const double sgemm_seconds = args->Double("sgemm_seconds");
  Measurement reference = [&]() -> absl::StatusOr<Figures> {
    best = BestSgemm(sgemm_seconds);
    if (best.gflops <= 0) return absl::InternalError("no matrix product was timed");
    return Figures{{"best_sgemm_gflops", best.gflops}};
  };
  auto ratio = [](const Figures& o, const Figures& r) {
    return FigureOf(o, "achieved_gflops") / FigureOf(r, "best_sgemm_gflops");
  };
  RoundsOptions options;
  options.rounds = args->Int("rounds");
  auto result = RunRounds(options, ours, reference, ratio);
  if (!result.ok()) return Fail("bench learner", result.status());
  int flops_per_cycle = 0;
  double mhz = 0;
  const double theoretical = TheoreticalPeakGflops(&flops_per_cycle, &mhz);
  std::fprintf(stderr,
               "bench learner: best sgemm of the last sweep: %.1f GFLOP/s at %d x %d with %d intra-op and %d BLAS "
               "thread(s); theoretical peak %.0f GFLOP/s (%.0f MHz x %d FLOP/cycle per core)\n",
               best.gflops, best.size, best.size, best.intra_op_threads, best.blas_threads, theoretical, mhz,
               flops_per_cycle);
  std::printf("%s\n", JsonLine("learner")
                          .Add("algo", algo)
                          .Add("decoder", args->String("decoder"))
                          .Add("intra_op_threads", threads)
                          .Add("batch", B)
                          .Add("unroll", T)
                          .Add("policy_params", policy_params)
                          .Add("update_gflop", update_flops / 1e9)
                          .Add("theoretical_peak_gflops", theoretical)
                          .Finish(*result)
                          .c_str());
  return 0;
}

}  // namespace mimic::bench
