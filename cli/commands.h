// The `mimic` subcommands. Each takes its arguments after the subcommand name and returns a
// process exit code (0 success, 1 failure, 2 usage error).
#ifndef MIMIC_CLI_COMMANDS_H_
#define MIMIC_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "common/args.h"

namespace mimic::cli {

using Argv = std::vector<std::string>;

struct Command {
  const char* name;
  const char* summary;  // one line: what it does (`./mimic NAME --help` gives its flags)
  int (*run)(const Argv& args);
};

int RunDemo(const Argv& args);
int RunBench(const Argv& args);
int RunRecordClip(const Argv& args);
int RunEnvInfo(const Argv& args);
int RunReplay(const Argv& args);
int RunReplayInfo(const Argv& args);
int RunHealth(const Argv& args);
int RunStac(const Argv& args);
int RunServe(const Argv& args);
int RunJobs(const Argv& args);
int RunAnalysis(const Argv& args);
int RunSynth(const Argv& args);
int RunRollout(const Argv& args);
int RunRender(const Argv& args);
int RunRobustness(const Argv& args);
int RunTrain(const Argv& args);
int RunLearner(const Argv& args);
int RunActor(const Argv& args);

// `mimic analysis` subcommands (analysis_command.cc dispatches) and their specs.
int RunGlm(const Argv& args);                  // encoding_commands.cc
int RunEncodingCommand(const Argv& args);      // encoding_commands.cc
int RunVariabilityCommand(const Argv& args);   // variability_command.cc
int RunBehaviourMapCommand(const Argv& args);  // behaviour_map_command.cc
const CommandSpec& GlmCommandSpec();
const CommandSpec& EncodingCommandSpec();
const CommandSpec& VariabilityCommandSpec();
const CommandSpec& BehaviourMapCommandSpec();
std::vector<const CommandSpec*> AnalysisSpecs();
const CommandSpec& SynthCommandSpec();

}  // namespace mimic::cli

#endif  // MIMIC_CLI_COMMANDS_H_
