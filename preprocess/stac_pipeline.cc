#include "preprocess/stac_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "absl/strings/str_cat.h"
#include "preprocess/pose_fitter.h"

namespace mimic::preprocess {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// Runs fn(worker, begin, end) on `threads` threads over contiguous chunks of [0, n), calling
// `report` from the calling thread every 100 ms until every worker has returned.
void RunChunks(int n, int threads, const std::function<void(int, int, int)>& fn, const std::function<void()>& report) {
  std::atomic<int> running{threads};
  std::vector<std::thread> workers;
  for (int w = 0; w < threads; ++w) {
    const int begin = static_cast<int>(static_cast<int64_t>(n) * w / threads);
    const int end = static_cast<int>(static_cast<int64_t>(n) * (w + 1) / threads);
    workers.emplace_back([&fn, &running, w, begin, end] {
      fn(w, begin, end);
      --running;
    });
  }
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (report) report();
  }
  for (auto& t : workers) t.join();
  if (report) report();
}

}  // namespace

std::vector<double> FitOffsets(const StacModel& stac, const KeypointData& keypoints, const std::vector<int>& frames,
                               const std::vector<double>& qpos, const std::vector<double>& previous) {
  const int k_count = stac.num_keypoints();
  const int nq = stac.model()->nq;
  PoseFitter fitter(stac);
  std::vector<double> sum(3 * k_count, 0.0);
  std::vector<int> count(k_count, 0);
  std::vector<double> markers(3 * k_count);
  for (int t : frames) {
    fitter.MarkerPositions(qpos.data() + static_cast<size_t>(t) * nq, previous.data(), markers.data());
    for (int k = 0; k < k_count; ++k) {
      const double* y = keypoints.at(t, k);
      if (std::isnan(y[0])) continue;
      // the keypoint in its body's frame: R^T (y - x_body)
      const double world[3] = {y[0] - fitter.body_pos(k)[0], y[1] - fitter.body_pos(k)[1], y[2] - fitter.body_pos(k)[2]};
      double local[3];
      mju_rotVecMatT(local, world, fitter.body_rot(k));
      for (int c = 0; c < 3; ++c) sum[3 * k + c] += local[c];
      ++count[k];
    }
  }
  const StacConfig& config = stac.config();
  std::vector<double> offsets(3 * k_count);
  for (int k = 0; k < k_count; ++k) {
    // weights are fractions of the data's weight (the number of frames seeing this keypoint)
    const double n = count[k];
    const double w_prior = config.offset_prior_weight() * std::max(1.0, n);
    const double w_init = stac.regularized(k) ? config.offset_regularization() * std::max(1.0, n) : 0.0;
    for (int c = 0; c < 3; ++c) {
      offsets[3 * k + c] = (sum[3 * k + c] + w_prior * previous[3 * k + c] + w_init * stac.initial_offsets()[3 * k + c]) /
                           (n + w_prior + w_init);
    }
  }
  return offsets;
}

absl::StatusOr<StacResult> RunStac(const StacModel& stac, const KeypointData& kp, const StacOptions& options) {
  const int t_count = kp.num_frames;
  const int k_count = stac.num_keypoints();
  const int nq = stac.model()->nq;
  if (kp.num_keypoints != k_count) {
    return absl::InvalidArgumentError(absl::StrCat("keypoints have ", kp.num_keypoints, " columns, the mapping ", k_count));
  }
  const int threads = std::max(1, std::min<int>(options.threads > 0 ? options.threads : std::thread::hardware_concurrency(),
                                                t_count));
  const StacConfig& config = stac.config();
  StacResult result;
  result.threads = threads;
  result.qpos.assign(static_cast<size_t>(t_count) * nq, 0.0);
  result.residuals.assign(static_cast<size_t>(t_count) * k_count, std::nan(""));
  result.offsets = stac.initial_offsets();
  auto cancelled = [&options] { return options.cancelled && options.cancelled(); };

  // frames for the offset rounds, evenly spread
  std::vector<int> sample;
  const int n_sample = std::min(t_count, config.offset_sample_frames());
  for (int i = 0; i < n_sample; ++i) sample.push_back(static_cast<int>(static_cast<int64_t>(i) * t_count / n_sample));
  std::vector<uint8_t> fitted(t_count, 0);

  const auto offsets_start = Clock::now();
  for (int round = 0; round < config.rounds(); ++round) {
    std::atomic<int64_t> done{0};
    const std::string stage = absl::StrCat("offsets round ", round + 1, "/", config.rounds());
    RunChunks(
        static_cast<int>(sample.size()), threads,
        [&](int, int begin, int end) {
          PoseFitter fitter(stac);
          for (int i = begin; i < end && !cancelled(); ++i) {
            const int t = sample[i];
            double* q = result.qpos.data() + static_cast<size_t>(t) * nq;
            fitter.FitFrame(q, kp.at(t, 0), result.offsets.data(), !fitted[t]);
            fitted[t] = 1;
            ++done;
          }
        },
        [&] {
          if (options.on_progress) options.on_progress({stage, done.load(), static_cast<int64_t>(sample.size())});
        });
    if (cancelled()) return absl::CancelledError("STAC was cancelled");
    result.offsets = FitOffsets(stac, kp, sample, result.qpos, result.offsets);
  }
  result.offset_seconds = Seconds(offsets_start);

  // final pass over every frame with the fitted offsets
  const auto pose_start = Clock::now();
  std::atomic<int64_t> done{0};
  RunChunks(
      t_count, threads,
      [&](int, int begin, int end) {
        PoseFitter fitter(stac);
        for (int t = begin; t < end && !cancelled(); ++t) {
          double* q = result.qpos.data() + static_cast<size_t>(t) * nq;
          const double* previous = t > begin ? q - nq : nullptr;
          if (previous) std::copy(previous, previous + nq, q);  // warm start from the previous frame
          fitter.FitFrame(q, kp.at(t, 0), result.offsets.data(), /*cold_start=*/t == begin && !fitted[t],
                          result.residuals.data() + static_cast<size_t>(t) * k_count, previous);
          ++done;
        }
      },
      [&] {
        if (options.on_progress) options.on_progress({"pose pass", std::min<int64_t>(done.load(), t_count), t_count});
      });
  if (cancelled()) return absl::CancelledError("STAC was cancelled");
  result.pose_pass_seconds = Seconds(pose_start);
  return result;
}

}  // namespace mimic::preprocess
