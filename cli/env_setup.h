// Shared set-up for subcommands that build environments: config from --config (or defaults),
// and error printing.
#ifndef MIMIC_CLI_ENV_SETUP_H_
#define MIMIC_CLI_ENV_SETUP_H_

#include <cstdio>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "common/args.h"
#include "preprocess/stac_pipeline.h"
#include "proto/env_config.pb.h"

namespace mimic::cli {

// The EnvConfig named by --config, or the defaults over the bundled rat.
absl::StatusOr<EnvConfig> ConfigFromArgs(const Args& args);

// A STAC progress callback that draws one progress line per stage on stderr. `label` prefixes it.
std::function<void(const preprocess::StacProgress&)> StacProgressPrinter(const std::string& label);

// Prints "mimic <command>: <status>" to stderr and returns exit code 1 (2 for bad arguments).
int Fail(const char* command, const absl::Status& status);

}  // namespace mimic::cli

#endif  // MIMIC_CLI_ENV_SETUP_H_
