// `mimic bench NAME`: dispatches to the named benchmark.
#include <cstdio>
#include <cstring>

#include "cli/benchmarks.h"
#include "cli/commands.h"

namespace mimic::cli {
namespace {

struct Benchmark {
  const char* name;
  const char* what;
  int (*run)(const Argv& args);
};

const Benchmark kBenchmarks[] = {
    {"env", "env steps/s vs raw mj_step at the same substeps, 1 and 2 threads [--seconds S --envs N]",
     BenchEnv},
    {"replay", "replay insert/sample bytes/s over loopback gRPC vs raw loopback TCP [--seconds S --writers N --batch B]",
     BenchReplay},
    {"stac", "STAC pose-pass frames/s and full-fit time on the bundled recording (1 thread and all)", BenchStac},
    {"glm", "Poisson GLM fits/s vs statsmodels IRLS, same data, max coefficient difference [--bins --features --neurons]",
     BenchGlm},
    {"learn", "learning curve of one algorithm, single process [--task cartpole|rodent --algo mpo|vmpo|vtrace --steps N --stop_at R]",
     BenchLearn},
    {"learner", "learner update samples/s, paper-sized network, batch 32 x unroll 20, vs LibTorch sgemm peak [--algo --updates]",
     BenchLearner},
    {"actor", "actor env steps/s: paper-sized policy, batched inference over 64 rodent envs, vs the same envs without a policy [--envs --threads --steps]",
     BenchActor},
};

}  // namespace

int RunBench(const Argv& args) {
  if (args.empty() || args[0] == "--help") {
    std::fprintf(stderr, "usage: ./mimic bench NAME [options]\n");
    for (const Benchmark& b : kBenchmarks) std::fprintf(stderr, "  %-8s %s\n", b.name, b.what);
    return args.empty() ? 2 : 0;
  }
  for (const Benchmark& b : kBenchmarks) {
    if (args[0] == b.name) return b.run(Argv(args.begin() + 1, args.end()));
  }
  std::fprintf(stderr, "mimic bench: unknown benchmark '%s' (see ./mimic bench --help)\n", args[0].c_str());
  return 2;
}

}  // namespace mimic::cli
