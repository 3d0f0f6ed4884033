// `mimic analysis behaviour-map --clips C.h5 --out map.h5`: an unsupervised behaviour map of the
// real rat's kinematics (behaviour/behaviour_map.h) with a progress line per stage; writes the map,
// its SVG and a per-frame label CSV. RSA and variability take the map as --labels.
#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "behaviour/map_job.h"
#include "cli/commands.h"
#include "common/args.h"
#include "common/progress.h"

namespace mimic::cli {

namespace {

const CommandSpec& MapSpec() {
  static const auto* spec = [] {
    const behaviour::BehaviourMapOptions d;
    return new CommandSpec{
        "analysis behaviour-map",
        "an unsupervised behaviour map of the real rat's clips (wavelets + posture, PCA, t-SNE, density watershed), "
        "with its figure and per-frame labels; rsa and variability take the map as --labels",
        {
            {"clips", FlagType::kString, "", "FILE", "the clips file (the real rat's registered kinematics)", true},
            {"out", FlagType::kString, "", "FILE", "the map .h5; .svg and _labels.csv go beside it", true},
            {"training_frames", FlagType::kInt, std::to_string(d.training_frames), "frames",
             "frames t-SNE embeds (the rest are placed by their neighbours)"},
            {"perplexity", FlagType::kDouble, absl::StrCat(d.tsne.perplexity), "neighbours", "t-SNE perplexity"},
            {"iterations", FlagType::kInt, std::to_string(d.tsne.iterations), "iterations", "t-SNE iterations"},
            {"frequencies", FlagType::kInt, std::to_string(d.wavelet.frequencies), "channels", "wavelet frequencies up to Nyquist"},
            {"min_frequency", FlagType::kDouble, absl::StrCat(d.wavelet.min_frequency), "Hz", "lowest wavelet frequency"},
            {"components", FlagType::kInt, std::to_string(d.components), "components", "principal components"},
            {"bandwidth", FlagType::kDouble, absl::StrCat(d.bandwidth), "fraction of the map", "density kernel std"},
            {"min_peak", FlagType::kDouble, absl::StrCat(d.min_peak), "fraction of the peak", "watershed seeds"},
            {"grid", FlagType::kInt, std::to_string(d.grid), "cells", "density grid side"},
            {"seed", FlagType::kInt, "1", "seed", "t-SNE's seed"},
            {"json", FlagType::kBool, "", "", "print the outcome as JSON"},
        },
        {"./mimic analysis behaviour-map --clips runs/demo/clips.h5 --out runs/map.h5"},
    };
  }();
  return *spec;
}

}  // namespace

const CommandSpec& BehaviourMapCommandSpec() { return MapSpec(); }

int RunBehaviourMapCommand(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(MapSpec(), argv, &exit_code);
  if (!args) return exit_code;
  behaviour::MapJobInputs inputs;
  inputs.clips = args->String("clips");
  inputs.out = args->String("out");
  behaviour::BehaviourMapOptions& o = inputs.options;
  o.training_frames = args->Int("training_frames");
  o.tsne.perplexity = args->Double("perplexity");
  o.tsne.iterations = args->Int("iterations");
  o.wavelet.frequencies = args->Int("frequencies");
  o.wavelet.min_frequency = args->Double("min_frequency");
  o.components = args->Int("components");
  o.bandwidth = args->Double("bandwidth");
  o.min_peak = args->Double("min_peak");
  o.grid = args->Int("grid");
  o.tsne.seed = static_cast<uint64_t>(args->Int64("seed"));
  // one progress line per stage: count, rate and ETA
  std::unique_ptr<Progress> line;
  std::string stage_now;
  auto outcome = behaviour::RunBehaviourMapJob(inputs, [&](const std::string& stage, int64_t done, int64_t total) {
    if (stage != stage_now) {
      if (line) line->Finish();
      stage_now = stage;
      const char* unit = stage == "wavelets" ? "clips" : stage == "t-SNE" ? "iterations" : stage == "placing frames" ? "frames" : "steps";
      line = std::make_unique<Progress>(absl::StrCat("behaviour map: ", stage), total, unit);
    }
    line->Update(done);
    return true;
  });
  if (line) line->Finish();
  if (!outcome.ok()) return Fail("analysis behaviour-map", outcome.status());
  if (args->Bool("json")) {
    std::printf("%s\n", outcome->json.c_str());
    return 0;
  }
  std::printf("behaviour map of %d frames (%d clips): %d clusters in %zu coarse behaviours\n", outcome->frames,
              outcome->clips, outcome->clusters, outcome->behaviours.size());
  for (size_t b = 0; b < outcome->behaviours.size(); ++b) {
    std::printf("  %-8s %5.1f%% of frames\n", outcome->behaviours[b].c_str(), 100 * outcome->behaviour_share[b]);
  }
  std::printf("wrote %s, %s and %s (use the map as --labels for rsa and variability)\n", inputs.out.c_str(),
              outcome->figure.c_str(), outcome->labels.c_str());
  return 0;
}

}  // namespace mimic::cli
