// `mimic bench stac`: STAC on the bundled 1000-frame recording — full-fit time and pose-pass
// frames/s with every core, against the same job on one core. There is no outside reference to
// measure here (stac-mjx needs a GPU and JAX), so the figures are reported plainly; the ratio is
// the parallel efficiency: the all-core pose pass against perfect scaling of the one-core one.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"

#include "bench/benchmarks.h"
#include "bench/rounds.h"
#include "common/args.h"
#include "common/status_macros.h"
#include "preprocess/stac_job.h"

namespace mimic::bench {
namespace {

const CommandSpec& Spec() {
  static const auto* spec = new CommandSpec{
      "bench stac",
      "STAC registration of a keypoint recording: full-fit time and pose-pass frames/s on every core and on "
      "one; ratio = parallel efficiency of the pose pass",
      {
          {"keypoints", FlagType::kString, "data/mocap/rodent_mocap_1000_frames.mat", "FILE", "the recording"},
          {"config", FlagType::kString, "configs/stac_rodent.pbtxt", "FILE", "the StacConfig"},
          {"rounds", FlagType::kInt, "3", "rounds", "interleaved rounds after the warm-up; the median is reported"},
      },
      {"./mimic bench stac --rounds 1"},
  };
  return *spec;
}

}  // namespace

int BenchStac(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(Spec(), argv, &exit_code);
  if (!args) return exit_code;
  preprocess::StacJob job;
  job.keypoints = args->String("keypoints");
  job.config = args->String("config");
  job.out = (std::filesystem::temp_directory_path() / absl::StrCat("mimic_bench_stac_", getpid(), ".h5")).string();
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  preprocess::StacOutcome last;
  auto timed = [&](int threads, const std::string& suffix) -> absl::StatusOr<Figures> {
    job.threads = threads;
    const auto start = std::chrono::steady_clock::now();
    MIMIC_ASSIGN_OR_RETURN(last, preprocess::RunStacJob(job));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return Figures{{"full_fit_s" + suffix, seconds}, {"pose_pass_frames_per_s" + suffix, last.pose_pass_frames_per_s}};
  };
  std::fprintf(stderr, "bench stac: %s on %d threads and on 1\n", job.keypoints.c_str(), cores);
  Measurement all = [&] { return timed(cores, ""); };
  Measurement one = [&] { return timed(1, "_1t"); };
  auto efficiency = [cores](const Figures& all_figures, const Figures& one_figures) {
    return FigureOf(all_figures, "pose_pass_frames_per_s") / (cores * FigureOf(one_figures, "pose_pass_frames_per_s_1t"));
  };
  RoundsOptions options;
  options.rounds = args->Int("rounds");
  auto result = RunRounds(options, all, one, efficiency);
  std::filesystem::remove(job.out);
  if (!result.ok()) return Fail("bench stac", result.status());
  std::printf("%s\n", JsonLine("stac")
                          .Add("frames", last.frames)
                          .Add("threads", cores)
                          .Add("mean_residual_mm", last.mean_residual_mm)
                          .Add("offset_rounds_s", last.offset_seconds)
                          .Finish(*result)
                          .c_str());
  return 0;
}

}  // namespace mimic::bench
