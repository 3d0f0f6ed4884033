// The `mimic bench NAME` benchmarks. Each runs our code and its reference side by side and
// prints one JSON line, ratio (or the headline figure) last.
#ifndef MIMIC_CLI_BENCHMARKS_H_
#define MIMIC_CLI_BENCHMARKS_H_

#include "cli/commands.h"

namespace mimic::cli {

int BenchEnv(const Argv& args);     // env steps/s vs raw mj_step
int BenchReplay(const Argv& args);  // replay bytes/s over gRPC vs raw loopback TCP
int BenchStac(const Argv& args);    // STAC frames/s vs stac-mjx's GPU rate
int BenchGlm(const Argv& args);     // GLM fits/s vs statsmodels IRLS
int BenchLearn(const Argv& args);   // learning curves: cartpole swing-up or the rodent task
int BenchLearner(const Argv& args); // learner update samples/s vs the machine's sgemm peak
int BenchActor(const Argv& args);   // actor env steps/s with batched policy inference vs physics only

}  // namespace mimic::cli

#endif  // MIMIC_CLI_BENCHMARKS_H_
