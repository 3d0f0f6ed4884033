#include "bench/benchmarks.h"

namespace mimic::bench {

const std::vector<Benchmark>& AllBenchmarks() {
  static const auto* benchmarks = new std::vector<Benchmark>{
      {"env", "env steps/s vs raw mj_step at the same substeps, 1 and 2 threads", BenchEnv},
      {"replay", "replay insert/sample bytes/s over loopback gRPC vs raw loopback TCP", BenchReplay},
      {"stac", "STAC pose-pass frames/s and full-fit time on the bundled recording", BenchStac},
      {"glm", "Poisson GLM fits/s vs statsmodels IRLS on the same data", BenchGlm},
      {"learn", "learning curve of one algorithm in one process (cartpole or the rodent task)", BenchLearn},
      {"learner", "learner update FLOP rate (paper-sized network) vs the machine's sgemm peak", BenchLearner},
      {"actor", "actor env steps/s with the paper-sized policy vs the same env steps without one", BenchActor},
      {"imitation", "keypoint error and clip completion after a budget of env steps of the distributed run, vs the untrained policy", BenchImitation},
      {"render", "rollout video frames/s at 640x480 (every layer, encoding included) vs the clip's 50 frames/s",
       BenchRender},
  };
  return *benchmarks;
}

}  // namespace mimic::bench
