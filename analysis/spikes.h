// Spike trains from the formats labs use, and their binning to behaviour frames.
//   NWB  /units: `spike_times` (all units concatenated) with `spike_times_index` (end offset of each
//        unit, the NWB ragged-array convention), optional `id`.
//   CSV  rows of `unit,time` (seconds), with or without a header.
// Every loader checks the ragged structure and the times and names the problem.
#ifndef MIMIC_ANALYSIS_SPIKES_H_
#define MIMIC_ANALYSIS_SPIKES_H_

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "absl/status/statusor.h"

namespace mimic::analysis {

struct SpikeTrains {
  std::vector<int64_t> unit_ids;
  std::vector<std::vector<double>> times;  // per unit, seconds, sorted
  // NWB obs_intervals: per unit, the [start, end) seconds it was observed; empty when the file has none.
  std::vector<std::vector<std::pair<double, double>>> obs_intervals;
  // NWB: each unit's recording location (the `location` of its first electrode in
  // /general/extracellular_ephys/electrodes); empty when the file has no electrodes.
  std::vector<std::string> locations;
  std::string source;
};

absl::StatusOr<SpikeTrains> LoadSpikesNwb(const std::string& path);
absl::StatusOr<SpikeTrains> LoadSpikesCsv(const std::string& path);
// HDF5 with a dataset /spikes of (spikes x 2): unit id, time in seconds.
absl::StatusOr<SpikeTrains> LoadSpikePairsH5(const std::string& path);
// The units recorded at `location` (exact match); an error naming the locations present when none is.
absl::StatusOr<SpikeTrains> SelectLocation(const SpikeTrains& spikes, const std::string& location);

// By extension: .nwb (NWB /units), .h5 (NWB /units, or /spikes pairs), .csv (unit,time rows).
absl::StatusOr<SpikeTrains> LoadSpikes(const std::string& path);

// Counts per frame: bin f spans [frame_times[f], frame_times[f+1]) (the last frame lasts as long
// as the one before it). Spikes outside [first frame, end of last frame) are an error naming the
// unit, unless `clip` is set, in which case they are dropped.
absl::StatusOr<Eigen::MatrixXd> BinSpikes(const SpikeTrains& spikes, const std::vector<double>& frame_times,
                                          bool clip = false);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_SPIKES_H_
