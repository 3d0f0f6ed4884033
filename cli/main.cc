// `mimic`: one command line for the whole pipeline. Subcommands live in cli/*_command.cc.
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "cli/commands.h"

namespace mimic::cli {
namespace {

const Command kCommands[] = {
    {"demo", "[--clips FILE] [--out DIR] [--steps N]",
     "register the bundled rat recording (STAC) and run imitation episodes on its clips with untrained policies",
     RunDemo},
    {"stac", "--keypoints FILE --out clips.h5 [--config configs/stac_rodent.pbtxt] [--json] [--threads N]",
     "register 3D keypoints (.mat/.nwb/.h5/.csv) to the rat model (STAC) and write reference clips", RunStac},
    {"serve", "preprocess|analysis --data_root DIR [--address HOST:PORT] [--metrics_address HOST:PORT] [--job_db FILE] [--max_read_mb MB] [--token_file F] [--tls_cert F --tls_key F [--tls_client_ca F]]",
     "run a job service until SIGTERM: preprocessing (STAC) or the neural-comparison analyses", RunServe},
    {"jobs", "stac|encoding|variability|rsa|get|watch|list|cancel --server HOST:PORT [--id ID] [--token_file F] [--tls_ca F] [--wait] (./mimic jobs for each one's arguments)",
     "submit and follow jobs on a MIMIC job service", RunJobs},
    {"train", "--config configs/NAME.pbtxt [--run_dir DIR] [--max_wall_s S] [--max_updates N] [--actors N] [--check]",
     "train on one machine: replay, learner, actors and evaluator as supervised processes; Ctrl-C stops",
     RunTrain},
    {"learner", "--config RUN/train.pbtxt --replay HOST:PORT [--checkpoint_dir DIR] [--status F] [--address A] [--token_file F] [TLS flags]",
     "run the learner service (samples replay, updates, serves parameters, checkpoints) until SIGTERM",
     RunLearner},
    {"actor", "--config RUN/train.pbtxt --replay HOST:PORT --learner HOST:PORT [--id N] [--evaluator] [--token_file F] [TLS flags]",
     "run an actor (batched envs and policy, unrolls to replay) or, with --evaluator, the evaluator",
     RunActor},
    {"rollout", "--checkpoint DIR --clips FILE --out FILE [--latent_samples N --noise standard|uniform|inverted --noise_gain G --stochastic]",
     "run a trained policy over whole clips and write rollouts.h5 (kinematics, actions, every named layer)", RunRollout},
    {"synth", "spikes --out DIR [--bins N --seed S]", "write a synthetic session with planted tuning (CSV)", RunSynth},
    {"analysis", "glm|rdm|rsa|encoding|variability|bin-spikes ... (./mimic analysis for each one's arguments)",
     "on plain CSV/HDF5 arrays: Poisson GLMs (CV-LLR, pseudo-R2), RDMs, WUC comparisons and noise ceilings",
     RunAnalysis},
    {"bench", "NAME [options]  (NAME: env, replay, stac, glm)",
     "run a benchmark side by side with its reference; prints one JSON line, ratio last", RunBench},
    {"record-clip", "--out FILE [--frames N] [--seed S] [--config FILE]",
     "record a physically consistent reference clip from the model under smooth random actions",
     RunRecordClip},
    {"env-info", "[--config FILE]", "print the environment's observation layout and action bounds",
     RunEnvInfo},
    {"replay", "--config FILE [--address HOST:PORT] [--checkpoint_dir DIR] [--metrics_address HOST:PORT] [--token_file F] [TLS flags]",
     "run the replay service (tables, rate limiters, checkpoints) until SIGTERM", RunReplay},
    {"replay-info", "--server HOST:PORT [--token_file F] [--tls_ca F]", "print a running replay service's tables and counters", RunReplayInfo},
    {"health", "--server HOST:PORT [--service NAME] [--token_file F] [--tls_ca F]", "ask a MIMIC service whether it is serving (exit 0 if so)",
     RunHealth},
};

void PrintHelp() {
  std::printf(
      "mimic — a virtual rodent that imitates real rats, for comparing its network with their "
      "brains\n\nusage: ./mimic COMMAND [ARGS]\n\n"
      "  %-12s %s\n  %-12s %s\n",
      "test", "(root script) install what is missing, build, and run the whole test suite", "--help",
      "this list");
  for (const Command& c : kCommands) {
    std::printf("  %-12s %s\n  %-12s   %s\n", c.name, c.summary, "", c.usage);
  }
}

}  // namespace
}  // namespace mimic::cli

int main(int argc, char** argv) {
  using mimic::cli::kCommands;
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
  for (const auto& c : kCommands) {
    if (argv[1] == std::string(c.name)) return c.run(rest);
  }
  std::fprintf(stderr, "mimic: unknown command '%s' (see ./mimic --help)\n", argv[1]);
  return 2;
}
