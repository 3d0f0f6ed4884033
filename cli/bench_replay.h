// `mimic bench replay`: replay insert/sample throughput over loopback gRPC (2 writers, 1 sampler)
// against raw loopback TCP moving the same bytes, in one run.
#ifndef MIMIC_CLI_BENCH_REPLAY_H_
#define MIMIC_CLI_BENCH_REPLAY_H_

#include "cli/commands.h"

namespace mimic::cli {

int BenchReplay(const Argv& args);

}  // namespace mimic::cli

#endif  // MIMIC_CLI_BENCH_REPLAY_H_
