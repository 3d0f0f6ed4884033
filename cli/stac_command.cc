// `mimic stac`: registers 3D keypoints to the rat model and writes reference clips.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "common/args.h"
#include "preprocess/stac_job.h"
#include "common/progress.h"

namespace mimic::cli {
namespace {

const CommandSpec& StacSpec() {
  static const auto* spec = new CommandSpec{
      "stac",
      "register 3D keypoints (DANNCE .mat, NWB ndx-pose, SLEAP-anipose .h5, CSV) to the rat model (STAC) and "
      "write reference clips, a residual report and its figure",
      {
          {"keypoints", FlagType::kString, "", "FILE", "the recording", true},
          {"out", FlagType::kString, "", "FILE", "the clips file to write (HDF5)", true},
          {"config", FlagType::kString, "configs/stac_rodent.pbtxt", "FILE", "the StacConfig"},
          {"threads", FlagType::kInt, "0", "threads", "threads of the final pose pass (0 = every core)"},
          {"instance", FlagType::kInt, "0", "index", "which animal in a multi-animal file"},
          {"json", FlagType::kBool, "", "", "print the report as one JSON document"},
      },
      {"./mimic stac --keypoints data/mocap/rodent_mocap_1000_frames.mat --out runs/clips.h5"},
  };
  return *spec;
}

}  // namespace

int RunStac(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(StacSpec(), argv, &exit_code);
  if (!args) return exit_code;
  preprocess::StacJob job;
  job.keypoints = args->String("keypoints");
  job.config = args->String("config");
  job.out = args->String("out");
  job.threads = args->Int("threads");
  job.instance = args->Int("instance");
  const bool json = args->Bool("json");
  job.on_progress = preprocess::StacProgressLines("stac ");
  auto outcome = preprocess::RunStacJob(job);
  if (!outcome.ok()) return Fail("stac", outcome.status());
  if (json) {
    std::printf("%s\n", outcome->json.c_str());
  } else {
    std::printf("registered %d frames of %s -> %d clips in %s\n%s", outcome->frames, job.keypoints.c_str(),
                outcome->clips, job.out.c_str(), outcome->table.c_str());
    std::printf("pose pass: %.1f frames/s on %d threads; offset rounds %.1f s\n", outcome->pose_pass_frames_per_s,
                outcome->threads, outcome->offset_seconds);
    if (!outcome->figure.empty()) std::printf("figure: %s\n", outcome->figure.c_str());
  }
  return 0;
}

}  // namespace mimic::cli
