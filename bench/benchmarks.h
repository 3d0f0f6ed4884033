// The `mimic bench NAME` benchmarks. Each runs our code and its reference side by side and
// prints one JSON line, ratio last; `./mimic bench NAME --help` describes one.
#ifndef MIMIC_BENCH_BENCHMARKS_H_
#define MIMIC_BENCH_BENCHMARKS_H_

#include <string>
#include <vector>

namespace mimic::bench {

using Argv = std::vector<std::string>;

int BenchEnv(const Argv& args);     // env steps/s vs raw mj_step
int BenchReplay(const Argv& args);  // replay bytes/s over gRPC vs raw loopback TCP
int BenchStac(const Argv& args);    // STAC frames/s on the bundled recording
int BenchGlm(const Argv& args);     // GLM fits/s vs statsmodels IRLS
int BenchLearn(const Argv& args);   // learning curves: cartpole swing-up or the rodent task
int BenchLearner(const Argv& args); // learner update FLOP rate vs the machine's sgemm peak
int BenchActor(const Argv& args);   // actor env steps/s with batched policy inference vs physics only
int BenchImitation(const Argv& args);  // imitation after a budget of env steps vs the untrained policy
int BenchRender(const Argv& args);  // rendered video frames/s (encoding included) vs the clip's frame rate

struct Benchmark {
  const char* name;
  const char* what;  // one line: what is measured against what
  int (*run)(const Argv& args);
};

// Every benchmark, in the order `./mimic bench --help` lists them.
const std::vector<Benchmark>& AllBenchmarks();

}  // namespace mimic::bench

#endif  // MIMIC_BENCH_BENCHMARKS_H_
