// `mimic bench stac`: STAC on the bundled 1000-frame recording — full-fit time and pose-pass
// frames/s with every core, next to one core and to stac-mjx's published GPU rate.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "bench/benchmarks.h"
#include "common/args.h"
#include "preprocess/stac_job.h"

namespace mimic::bench {

// stac-mjx (talmolab) registers about 6-8 frames/s on a GPU (its README's figure).
constexpr double kStacMjxGpuFramesPerSecond = 7.0;

int BenchStac(const Argv& argv) {
  auto args = Args::Parse(argv, {"keypoints", "config"});
  if (!args.ok()) return Fail("bench stac", args.status());
  preprocess::StacJob job;
  job.keypoints = args->GetString("keypoints", "data/mocap/rodent_mocap_1000_frames.mat");
  job.config = args->GetString("config", "configs/stac_rodent.pbtxt");
  job.out = (std::filesystem::temp_directory_path() / "mimic_bench_stac.h5").string();
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  auto timed = [&job](int threads, double* seconds) {
    job.threads = threads;
    const auto start = std::chrono::steady_clock::now();
    auto outcome = preprocess::RunStacJob(job);
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return outcome;
  };
  double one_s = 0, all_s = 0;
  std::fprintf(stderr, "bench stac: %s, 1 thread then %d\n", job.keypoints.c_str(), cores);
  auto one = timed(1, &one_s);
  if (!one.ok()) return Fail("bench stac", one.status());
  auto all = timed(cores, &all_s);
  if (!all.ok()) return Fail("bench stac", all.status());
  std::filesystem::remove(job.out);
  std::printf(
      "{\"bench\":\"stac\",\"frames\":%d,\"threads\":%d,\"mean_residual_mm\":%.3f,\"full_fit_s_1t\":%.2f,"
      "\"pose_pass_frames_per_s_1t\":%.1f,\"full_fit_s\":%.2f,\"offset_rounds_s\":%.2f,"
      "\"stac_mjx_gpu_frames_per_s\":%.1f,\"pose_pass_frames_per_s\":%.1f}\n",
      all->frames, all->threads, all->mean_residual_mm, one_s, one->pose_pass_frames_per_s, all_s,
      all->offset_seconds, kStacMjxGpuFramesPerSecond, all->pose_pass_frames_per_s);
  return 0;
}

}  // namespace mimic::bench
