// `mimic analysis variability --rollouts F [--labels F.csv]`: the latent-variability analyses on a
// rollouts file recorded with latent resamples — per-behaviour action and latent variability, LDA
// discrimination of behaviours with a permutation test, RDMs of both — printed, and written as
// HDF5 plus an SVG figure with --out.
#include <cstdio>

#include "analysis/variability_job.h"
#include "cli/commands.h"
#include "common/args.h"

namespace mimic::cli {
namespace {

const CommandSpec& VariabilitySpec() {
  static const auto* spec = [] {
    const analysis::VariabilityOptions defaults;
    return new CommandSpec{
        "analysis variability",
        "latent-variability analyses on a rollouts file recorded with latent resamples: per-behaviour action and "
        "latent variability, LDA decoding of behaviour with a permutation test, RDMs of both",
        {
            {"rollouts", FlagType::kString, "", "FILE", "rollouts recorded with mimic rollout --latent_samples N", true},
            {"labels", FlagType::kString, "", "FILE",
             "behaviour labels: a CSV, or a behaviour map map.h5[:clusters] (default: kinematic rules)"},
            {"counts", FlagType::kString, "", "FILE",
             "spike counts aligned with the rollouts' frames: the neurons' Fano factor and CV per behaviour"},
            {"window_frames", FlagType::kInt, std::to_string(analysis::NeuralVariabilityOptions().window_frames), "frames",
             "bout-onset window the counts are summed over"},
            {"min_bouts", FlagType::kInt, std::to_string(analysis::NeuralVariabilityOptions().min_bouts), "bouts",
             "fewest bouts for a behaviour's Fano factors"},
            {"out", FlagType::kString, "", "FILE", "results HDF5, with an SVG beside it (empty = print only)"},
            {"permutations", FlagType::kInt, std::to_string(defaults.permutations), "permutations", "null draws"},
            {"folds", FlagType::kInt, std::to_string(defaults.folds), "folds", "contiguous cross-validation folds"},
            {"min_frames", FlagType::kInt, std::to_string(defaults.min_frames), "frames", "smallest behaviour kept"},
            {"seed", FlagType::kInt, "1", "seed", "the permutations' seed"},
            {"json", FlagType::kBool, "", "", "print the results as one JSON document"},
        },
        {"./mimic analysis variability --rollouts runs/var.h5 --labels runs/map.h5:clusters --out runs/variability.h5"},
    };
  }();
  return *spec;
}

}  // namespace

const CommandSpec& VariabilityCommandSpec() { return VariabilitySpec(); }

int RunVariabilityCommand(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(VariabilitySpec(), argv, &exit_code);
  if (!args) return exit_code;
  analysis::VariabilityJobInputs inputs;
  inputs.rollouts = args->String("rollouts");
  inputs.labels = args->String("labels");
  inputs.out = args->String("out");
  inputs.counts = args->String("counts");
  inputs.neural.window_frames = args->Int("window_frames");
  inputs.neural.min_bouts = args->Int("min_bouts");
  inputs.options.permutations = args->Int("permutations");
  inputs.options.folds = args->Int("folds");
  inputs.options.min_frames = args->Int("min_frames");
  inputs.options.seed = static_cast<uint64_t>(args->Int64("seed"));
  auto outcome = analysis::RunVariabilityJob(inputs, [](const std::string&, double) {});
  if (!outcome.ok()) return Fail("analysis variability", outcome.status());
  if (!outcome->figure.empty()) std::fprintf(stderr, "wrote %s and %s\n", inputs.out.c_str(), outcome->figure.c_str());
  if (args->Bool("json")) {
    std::printf("%s\n", outcome->json.c_str());
    return 0;
  }
  const analysis::VariabilityResult& r = outcome->result;
  std::printf("%d frames, %d latent resamples each; behaviour labels from %s\n", outcome->frames, outcome->samples,
              outcome->kinematic_labels ? "kinematics (still/walk/rear/groom rules)" : "the label file");
  std::printf("  %-10s %8s %18s %18s\n", "behaviour", "frames", "mean action std", "mean latent std");
  for (size_t b = 0; b < r.behaviours.size(); ++b) {
    std::printf("  %-10s %8d %18.4g %18.4g\n", r.behaviours[b].c_str(), r.frames[b], r.action_by_behaviour.row(b).mean(),
                r.latent_by_behaviour.row(b).mean());
  }
  std::printf("behaviour decoded from latent variability: balanced accuracy %.3f (chance %.3f), permutation p = %.3g\n",
              r.latent.balanced_accuracy, r.latent.chance, r.latent.p_value);
  std::printf("behaviour decoded from action variability: balanced accuracy %.3f (chance %.3f), permutation p = %.3g\n",
              r.action.balanced_accuracy, r.action.chance, r.action.p_value);
  return 0;
}

}  // namespace mimic::cli
