// `mimic bench env`: environment steps/s against raw mj_step of the same model (the physical
// limit), with 1 and 2 worker threads, in one run.
#ifndef MIMIC_CLI_BENCH_ENV_H_
#define MIMIC_CLI_BENCH_ENV_H_

#include "cli/commands.h"

namespace mimic::cli {

int BenchEnv(const Argv& args);

}  // namespace mimic::cli

#endif  // MIMIC_CLI_BENCH_ENV_H_
