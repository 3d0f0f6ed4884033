// Behaviour frame times in session seconds, to bin spikes on: from an NWB TimeSeries
// (`timestamps`, or `starting_time` with its `rate` attribute and one time per row of `data`),
// from a CSV with one time per line, or from a rollouts file (each step at (source_frame_start +
// frame) / frame_rate of its clip, so clips cut from one recording line up with its spikes), or
// from a clips file (every frame t of every clip at (source_frame_start + t) / frame_rate).
#ifndef MIMIC_ANALYSIS_FRAME_TIMES_H_
#define MIMIC_ANALYSIS_FRAME_TIMES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mimic::analysis {

// `series` is the TimeSeries group's path in the file, e.g. /processing/behavior/Position/pose.
absl::StatusOr<std::vector<double>> LoadFrameTimesNwb(const std::string& path, const std::string& series);
absl::StatusOr<std::vector<double>> LoadFrameTimesCsv(const std::string& path);
absl::StatusOr<std::vector<double>> FrameTimesFromRollouts(const std::string& path);
absl::StatusOr<std::vector<double>> FrameTimesFromClips(const std::string& path);

// "nwb:FILE:/group/path", "csv:FILE", "rollouts:FILE" or "clips:FILE".
absl::StatusOr<std::vector<double>> LoadFrameTimes(const std::string& spec);

// Times must be finite and strictly increasing; the error names the first bad frame.
absl::Status CheckFrameTimes(const std::vector<double>& times, const std::string& source);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_FRAME_TIMES_H_
