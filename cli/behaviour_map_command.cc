// `mimic analysis behaviour-map --clips C.h5 --out map.h5`: an unsupervised behaviour map of the
// real rat's kinematics (behaviour/behaviour_map.h) with a progress line per stage; writes the map,
// its SVG and a per-frame label CSV. RSA and variability take the map as --labels.
#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "behaviour/map_job.h"
#include "cli/commands.h"
#include "cli/env_setup.h"
#include "common/progress.h"

namespace mimic::cli {

int RunBehaviourMapCommand(const Argv& argv) {
  auto args = Args::Parse(argv,
                          {"clips", "out", "training_frames", "perplexity", "iterations", "frequencies", "min_frequency",
                           "components", "bandwidth", "min_peak", "grid", "seed"},
                          {"json"});
  if (!args.ok()) return Fail("analysis behaviour-map", args.status());
  if (!args->Has("clips") || !args->Has("out")) {
    return Fail("analysis behaviour-map", absl::InvalidArgumentError("--clips FILE and --out map.h5 are required"));
  }
  behaviour::MapJobInputs inputs;
  inputs.clips = args->GetString("clips", "");
  inputs.out = args->GetString("out", "");
  behaviour::BehaviourMapOptions& o = inputs.options;
  auto training = args->GetInt("training_frames", o.training_frames);
  auto perplexity = args->GetDouble("perplexity", o.tsne.perplexity);
  auto iterations = args->GetInt("iterations", o.tsne.iterations);
  auto frequencies = args->GetInt("frequencies", o.wavelet.frequencies);
  auto min_frequency = args->GetDouble("min_frequency", o.wavelet.min_frequency);
  auto components = args->GetInt("components", o.components);
  auto bandwidth = args->GetDouble("bandwidth", o.bandwidth);
  auto min_peak = args->GetDouble("min_peak", o.min_peak);
  auto grid = args->GetInt("grid", o.grid);
  auto seed = args->GetInt("seed", 1);
  for (const absl::Status& s : {training.status(), perplexity.status(), iterations.status(), frequencies.status(),
                                min_frequency.status(), components.status(), bandwidth.status(), min_peak.status(),
                                grid.status(), seed.status()}) {
    if (!s.ok()) return Fail("analysis behaviour-map", s);
  }
  o.training_frames = *training;
  o.tsne.perplexity = *perplexity;
  o.tsne.iterations = *iterations;
  o.wavelet.frequencies = *frequencies;
  o.wavelet.min_frequency = *min_frequency;
  o.components = *components;
  o.bandwidth = *bandwidth;
  o.min_peak = *min_peak;
  o.grid = *grid;
  o.tsne.seed = static_cast<uint64_t>(*seed);
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
  if (args->Has("json")) {
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
