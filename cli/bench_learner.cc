// `mimic bench learner`: training-update throughput of the default paper-sized network (encoder
// 1024,512×4; 60-d latent; 2-layer LSTM 512; critic 1024,512,256) on rodent-sized observations
// (900 floats, 38 actions) at batch 32 × unroll 20, side by side with LibTorch's sgemm rate on
// this machine at the same thread count. FLOPs are counted from the networks' weight matrices:
// 2·in·out per sample per matrix forward, and backward as twice forward.
#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "cli/benchmarks.h"
#include "cli/env_setup.h"
#include "learner/algorithms.h"
#include "learner/gaussian.h"
#include "learner/learner.h"

namespace mimic::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Forward multiply–add FLOPs per sample of every 2-D weight in `module`.
double ForwardFlopsPerSample(const torch::nn::Module& module) {
  double flops = 0;
  for (const auto& p : module.parameters()) {
    if (p.dim() == 2) flops += 2.0 * p.numel();
  }
  return flops;
}

double SgemmGflops(int n, double seconds) {
  torch::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
  torch::mm(a, b);  // warm up
  int64_t reps = 0;
  const auto start = Clock::now();
  while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    torch::mm(a, b);
    ++reps;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return 2.0 * n * n * static_cast<double>(n) * reps / elapsed / 1e9;
}

}  // namespace

int BenchLearner(const Argv& argv) {
  auto args = Args::Parse(argv, {"algo", "updates", "threads", "batch", "unroll", "decoder"});
  if (!args.ok()) return Fail("bench learner", args.status());
  const std::string algo = args->GetString("algo", "vmpo");
  auto updates = args->GetInt("updates", 10);
  auto threads = args->GetInt("threads", 1);
  auto batch_size = args->GetInt("batch", 32);
  auto unroll = args->GetInt("unroll", 20);
  for (const absl::Status& s : {updates.status(), threads.status(), batch_size.status(), unroll.status()}) {
    if (!s.ok()) return Fail("bench learner", s);
  }
  constexpr int kObs = 900, kProprio = 200, kActions = 38;
  LearnerConfig config;
  config.mutable_network()->set_proprioception_size(kProprio);
  config.mutable_network()->set_decoder(args->GetString("decoder", "lstm"));
  config.set_intra_op_threads(*threads);
  auto with_algo = WithAlgorithm(config, algo);
  if (!with_algo.ok()) return Fail("bench learner", with_algo.status());
  auto learner = Learner::Create(*with_algo, kObs, kActions);
  if (!learner.ok()) return Fail("bench learner", learner.status());
  Networks& nets = (*learner)->networks();

  const int T = *unroll, B = *batch_size, L = nets->policy->latent_size();
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

  // FLOPs of one update: what each algorithm runs forward (×3 with backward).
  const double policy = ForwardFlopsPerSample(*nets->policy);
  double update_flops = 0;
  if (algo == "mpo") {
    const double q = ForwardFlopsPerSample(*nets->q);
    const int N = with_algo->mpo().num_samples();
    update_flops = 3 * policy * (T + 1) * B + policy * (T + 1) * B + q * N * (T + 1) * B +
                   3 * q * T * B;
  } else {
    const double value = ForwardFlopsPerSample(*nets->value);
    update_flops = 3 * policy * T * B + 3 * value * (T + 1) * B;
    if (algo == "vmpo") update_flops += policy * T * B;  // the target policy (π_old), forward only
  }

  int64_t policy_params = 0;
  for (const auto& p : nets->policy->parameters()) policy_params += p.numel();

  auto warm = (*learner)->Update(batch);  // first update allocates
  if (!warm.ok()) return Fail("bench learner", warm.status());
  const auto start = Clock::now();
  for (int i = 0; i < *updates; ++i) {
    auto metrics = (*learner)->Update(batch);
    if (!metrics.ok()) return Fail("bench learner", metrics.status());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double samples_per_s = static_cast<double>(T) * B * *updates / seconds;
  const double achieved_gflops = update_flops * *updates / seconds / 1e9;
  const double peak_gflops = SgemmGflops(1024, 2.0);
  std::printf(
      "{\"bench\":\"learner\",\"algo\":\"%s\",\"decoder\":\"%s\",\"intra_op_threads\":%d,\"batch\":%d,"
      "\"unroll\":%d,\"policy_params\":%lld,\"update_gflop\":%.2f,\"updates_per_s\":%.3f,"
      "\"samples_per_s\":%.0f,\"achieved_gflops\":%.1f,\"sgemm_peak_gflops\":%.1f,"
      "\"ratio\":%.3f}\n",
      algo.c_str(), args->GetString("decoder", "lstm").c_str(), *threads, B, T,
      static_cast<long long>(policy_params),
      update_flops / 1e9, *updates / seconds, samples_per_s, achieved_gflops, peak_gflops,
      achieved_gflops / peak_gflops);
  return 0;
}

}  // namespace mimic::cli
