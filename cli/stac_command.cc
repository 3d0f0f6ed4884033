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

int RunStac(const Argv& argv) {
  auto args = Args::Parse(argv, {"keypoints", "config", "out", "threads", "instance"}, {"json"});
  if (!args.ok()) return Fail("stac", args.status());
  for (const char* required : {"keypoints", "out"}) {
    if (!args->Has(required)) {
      return Fail("stac", absl::InvalidArgumentError(absl::StrCat("--", required, " is required")));
    }
  }
  preprocess::StacJob job;
  job.keypoints = args->GetString("keypoints", "");
  job.config = args->GetString("config", "configs/stac_rodent.pbtxt");
  job.out = args->GetString("out", "");
  job.threads = args->GetInt("threads", 0).value_or(0);
  job.instance = args->GetInt("instance", 0).value_or(0);
  const bool json = args->Has("json");
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
