// `mimic`: one command line for the whole pipeline. Subcommands live in cli/*_command.cc.
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "cli/commands.h"
#include "common/args.h"
#include "common/grpc_polling.h"

namespace mimic::cli {
namespace {

const Command kCommands[] = {
    {"demo", "the main job on the bundled data: STAC registration, baselines, a short distributed training run, "
             "a rollout, its video and an analysis job", RunDemo},
    {"stac", "register 3D keypoints (.mat/.nwb/.h5/.csv) to the rat model (STAC) and write reference clips", RunStac},
    {"train", "train on one machine: replay, learner, actors and evaluator as supervised processes; Ctrl-C stops",
     RunTrain},
    {"learner", "run the learner service (samples replay, updates, serves parameters, checkpoints) until SIGTERM",
     RunLearner},
    {"actor", "run an actor (batched envs and policy, unrolls to replay) or, with --evaluator, the evaluator",
     RunActor},
    {"replay", "run the replay service (tables, rate limiters, checkpoints) until SIGTERM", RunReplay},
    {"rollout", "run a trained policy over whole clips and write rollouts.h5 (kinematics, actions, every layer)",
     RunRollout},
    {"render", "render a rollout (simulated rat, reference ghost, keypoints) or a STAC registration to MP4, PNG and SVG",
     RunRender},
    {"robustness", "the noise-structure experiment (paper Fig. 5): a trained policy under reshaped and scaled latent "
                   "noise, tested against the standard shape", RunRobustness},
    {"analysis", "the neural comparisons on plain arrays or rollouts: GLMs, encoding, RDMs, RSA, variability, "
                 "spike binning", RunAnalysis},
    {"synth", "write a synthetic session with planted tuning (CSV)", RunSynth},
    {"serve", "run a job service until SIGTERM: preprocessing (STAC) or the neural-comparison analyses", RunServe},
    {"jobs", "submit and follow jobs on a MIMIC job service", RunJobs},
    {"bench", "run a benchmark side by side with its reference; prints one JSON line, ratio last", RunBench},
    {"record-clip", "record a physically consistent reference clip from the model under smooth random actions",
     RunRecordClip},
    {"env-info", "print the environment's observation layout and action bounds", RunEnvInfo},
    {"replay-info", "print a running replay service's tables and counters", RunReplayInfo},
    {"health", "ask a MIMIC service whether it is serving (exit 0 if so)", RunHealth},
};

void PrintHelp() {
  std::printf(
      "mimic — a virtual rodent that imitates real rats, for comparing its network with their brains\n\n"
      "usage: ./mimic COMMAND [flags]        ./mimic COMMAND --help  for a command's flags and an example\n\n"
      "  %-12s %s\n",
      "test", "(root script) install what is missing, build, and run the whole test suite");
  for (const Command& c : kCommands) std::printf("  %-12s %s\n", c.name, c.summary);
  std::printf("\nexample:\n  ./mimic demo\n");
}

}  // namespace
}  // namespace mimic::cli

int main(int argc, char** argv) {
  using mimic::cli::kCommands;
  // before anything touches gRPC (common/grpc_polling.h: why, and that a user's choice wins)
  mimic::ChooseGrpcPollingEngine();
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // keep stdout and the stderr progress lines in order
  // unrolls and tensors are 10 KB - 10 MB buffers allocated and freed at high rates: keep freed
  // memory in the process instead of returning it to the kernel and faulting it back in
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
  // Debian's Abseil is built without NDEBUG, so every Mutex lock would also update a global
  // lock-order graph (a few % of the replay service's CPU); tests keep the check on
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    mimic::cli::PrintHelp();
    return argc < 2 ? 2 : 0;
  }
  const std::vector<std::string> rest(argv + 2, argv + argc);
  std::vector<std::string> names;
  for (const auto& c : kCommands) {
    if (argv[1] == std::string(c.name)) return c.run(rest);
    names.push_back(c.name);
  }
  const std::string nearest = mimic::NearestName(argv[1], names);
  std::fprintf(stderr, "mimic: unknown command '%s'%s (see ./mimic --help)\n", argv[1],
               nearest.empty() ? "" : ("; did you mean " + nearest + "?").c_str());
  return 2;
}
