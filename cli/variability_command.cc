// `mimic analysis variability --rollouts F [--labels F.csv]`: the latent-variability analyses on a
// rollouts file recorded with latent resamples — per-behaviour action and latent variability, LDA
// discrimination of behaviours with a permutation test, RDMs of both — printed, and written as
// HDF5 plus an SVG figure with --out.
#include <cstdio>

#include "analysis/variability_job.h"
#include "cli/commands.h"
#include "common/args.h"

namespace mimic::cli {

int RunVariabilityCommand(const Argv& argv) {
  auto args = Args::Parse(argv, {"rollouts", "labels", "permutations", "folds", "min_frames", "seed", "out"}, {"json"});
  if (!args.ok()) return Fail("analysis variability", args.status());
  if (!args->Has("rollouts")) {
    return Fail("analysis variability", absl::InvalidArgumentError("--rollouts FILE (recorded with --latent_samples N) is required"));
  }
  analysis::VariabilityJobInputs inputs;
  inputs.rollouts = args->GetString("rollouts", "");
  inputs.labels = args->GetString("labels", "");
  inputs.out = args->GetString("out", "");
  auto permutations = args->GetInt("permutations", inputs.options.permutations);
  auto folds = args->GetInt("folds", inputs.options.folds);
  auto min_frames = args->GetInt("min_frames", inputs.options.min_frames);
  auto seed = args->GetInt("seed", 1);
  for (const absl::Status& s : {permutations.status(), folds.status(), min_frames.status(), seed.status()}) {
    if (!s.ok()) return Fail("analysis variability", s);
  }
  inputs.options.permutations = *permutations;
  inputs.options.folds = *folds;
  inputs.options.min_frames = *min_frames;
  inputs.options.seed = static_cast<uint64_t>(*seed);
  auto outcome = analysis::RunVariabilityJob(inputs, [](const std::string&, double) {});
  if (!outcome.ok()) return Fail("analysis variability", outcome.status());
  if (!outcome->figure.empty()) std::fprintf(stderr, "wrote %s and %s\n", inputs.out.c_str(), outcome->figure.c_str());
  if (args->Has("json")) {
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
