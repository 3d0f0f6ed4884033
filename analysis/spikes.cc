#include "analysis/spikes.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/h5_file.h"
#include "common/read_limits.h"
#include "common/status_macros.h"

namespace mimic::analysis {
namespace {

// A whole number a double holds exactly (|v| <= 2^53), as an integer; false for anything else
// (casting a double out of int64's range is undefined behaviour: found by fuzzing).
bool AsInteger(double v, int64_t* out) {
  if (!(std::fabs(v) <= 9007199254740992.0) || v != std::floor(v)) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

}  // namespace

absl::StatusOr<SpikeTrains> LoadSpikesNwb(const std::string& path) {
  MIMIC_ASSIGN_OR_RETURN(auto file, H5File::Open(path));
  if (!file->Exists("/units/spike_times") || !file->Exists("/units/spike_times_index")) {
    return absl::InvalidArgumentError(absl::StrCat(path, " has no /units/spike_times with spike_times_index"));
  }
  MIMIC_ASSIGN_OR_RETURN(H5Array<double> times, file->ReadDoubles("/units/spike_times"));
  MIMIC_ASSIGN_OR_RETURN(H5Array<double> index, file->ReadDoubles("/units/spike_times_index"));
  SpikeTrains s;
  s.source = path;
  int64_t start = 0;
  for (size_t u = 0; u < index.values.size(); ++u) {
    const double end_d = index.values[u];
    int64_t end = 0;
    if (!AsInteger(end_d, &end) || end < start || end > static_cast<int64_t>(times.values.size())) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": spike_times_index[", u, "] = ", end_d,
                                                     " disagrees with ", times.values.size(), " spike times (ragged array)"));
    }
    std::vector<double> unit(times.values.begin() + start, times.values.begin() + end);
    for (double t : unit) {
      if (!std::isfinite(t)) return absl::InvalidArgumentError(absl::StrCat(path, ": unit ", u, " has a non-finite spike time"));
    }
    std::sort(unit.begin(), unit.end());
    s.times.push_back(std::move(unit));
    start = end;
  }
  if (start != static_cast<int64_t>(times.values.size())) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": spike_times_index ends at ", start, " but there are ",
                                                   times.values.size(), " spike times"));
  }
  if (file->Exists("/units/id")) {
    MIMIC_ASSIGN_OR_RETURN(H5Array<double> ids, file->ReadDoubles("/units/id"));
    if (ids.values.size() != s.times.size()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": /units/id has ", ids.values.size(), " entries for ", s.times.size(), " units"));
    }
    for (double id : ids.values) {
      int64_t unit = 0;
      if (!AsInteger(id, &unit)) return absl::InvalidArgumentError(absl::StrCat(path, ": /units/id holds ", id, ", not a unit id"));
      s.unit_ids.push_back(unit);
    }
  } else {
    for (size_t u = 0; u < s.times.size(); ++u) s.unit_ids.push_back(static_cast<int64_t>(u));
  }
  if (file->Exists("/units/obs_intervals")) {
    // ragged like spike_times: (intervals x 2) with obs_intervals_index ending each unit's rows
    if (!file->Exists("/units/obs_intervals_index")) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": /units/obs_intervals without obs_intervals_index"));
    }
    MIMIC_ASSIGN_OR_RETURN(H5Array<double> intervals, file->ReadDoubles("/units/obs_intervals"));
    MIMIC_ASSIGN_OR_RETURN(H5Array<double> ends, file->ReadDoubles("/units/obs_intervals_index"));
    if (intervals.shape.size() != 2 || intervals.shape[1] != 2) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": /units/obs_intervals is not (intervals x 2)"));
    }
    if (ends.values.size() != s.times.size()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": obs_intervals_index has ", ends.values.size(),
                                                     " entries for ", s.times.size(), " units"));
    }
    int64_t row = 0;
    for (size_t u = 0; u < ends.values.size(); ++u) {
      int64_t end = 0;
      if (!AsInteger(ends.values[u], &end) || end < row || end > intervals.shape[0]) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": obs_intervals_index[", u, "] = ", end,
                                                       " disagrees with ", intervals.shape[0], " intervals"));
      }
      std::vector<std::pair<double, double>> unit;
      for (; row < end; ++row) {
        const double a = intervals.values[2 * row], b = intervals.values[2 * row + 1];
        if (!(b > a)) return absl::InvalidArgumentError(absl::StrCat(path, ": unit ", s.unit_ids[u], " has an empty obs interval"));
        unit.emplace_back(a, b);
      }
      // a spike outside every interval contradicts the file
      for (double t : s.times[u]) {
        const bool inside = std::any_of(unit.begin(), unit.end(), [t](const auto& i) { return t >= i.first && t < i.second; });
        if (!inside) {
          return absl::InvalidArgumentError(absl::StrCat(path, ": unit ", s.unit_ids[u], " fires at ", t,
                                                         " s, outside its obs_intervals"));
        }
      }
      s.obs_intervals.push_back(std::move(unit));
    }
  }
  const std::string table = "/general/extracellular_ephys/electrodes";
  if (file->Exists("/units/electrodes") && file->Exists("/units/electrodes_index") && file->Exists(table + "/location")) {
    // DynamicTableRegion: ragged electrode rows per unit; the unit takes its first electrode's location
    MIMIC_ASSIGN_OR_RETURN(H5Array<double> rows, file->ReadDoubles("/units/electrodes"));
    MIMIC_ASSIGN_OR_RETURN(H5Array<double> ends, file->ReadDoubles("/units/electrodes_index"));
    MIMIC_ASSIGN_OR_RETURN(std::vector<std::string> locations, file->ReadStrings(table + "/location"));
    if (ends.values.size() != s.times.size()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": electrodes_index has ", ends.values.size(), " entries for ",
                                                     s.times.size(), " units"));
    }
    int64_t begin = 0;
    for (size_t u = 0; u < ends.values.size(); ++u) {
      int64_t end = 0;
      if (!AsInteger(ends.values[u], &end) || end <= begin || end > static_cast<int64_t>(rows.values.size())) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": electrodes_index[", u, "] = ", end, " disagrees with ",
                                                       rows.values.size(), " electrode references"));
      }
      int64_t row = -1;
      if (!AsInteger(rows.values[begin], &row) || row < 0 || row >= static_cast<int64_t>(locations.size())) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": unit ", s.unit_ids[u], " refers to electrode ", row,
                                                       " of ", locations.size()));
      }
      s.locations.push_back(locations[row]);
      begin = end;
    }
  }
  return s;
}

absl::StatusOr<SpikeTrains> SelectLocation(const SpikeTrains& spikes, const std::string& location) {
  if (spikes.locations.size() != spikes.times.size()) {
    return absl::InvalidArgumentError(absl::StrCat(spikes.source, " has no unit locations to select '", location, "'"));
  }
  SpikeTrains out;
  out.source = spikes.source;
  std::set<std::string> present;
  for (size_t u = 0; u < spikes.times.size(); ++u) {
    present.insert(spikes.locations[u]);
    if (spikes.locations[u] != location) continue;
    out.unit_ids.push_back(spikes.unit_ids[u]);
    out.times.push_back(spikes.times[u]);
    out.locations.push_back(spikes.locations[u]);
    if (!spikes.obs_intervals.empty()) out.obs_intervals.push_back(spikes.obs_intervals[u]);
  }
  if (out.times.empty()) {
    return absl::NotFoundError(absl::StrCat("no unit at '", location, "' in ", spikes.source, "; locations: ",
                                            absl::StrJoin(present, ", ")));
  }
  return out;
}

namespace {

SpikeTrains FromUnitMap(const std::string& path, std::map<int64_t, std::vector<double>>& units) {
  SpikeTrains s;
  s.source = path;
  for (auto& [id, times] : units) {
    std::sort(times.begin(), times.end());
    s.unit_ids.push_back(id);
    s.times.push_back(std::move(times));
  }
  return s;
}

}  // namespace

absl::StatusOr<SpikeTrains> LoadSpikePairsH5(const std::string& path) {
  MIMIC_ASSIGN_OR_RETURN(auto file, H5File::Open(path));
  if (!file->Exists("/spikes")) return absl::InvalidArgumentError(absl::StrCat(path, " has no /spikes (unit, time) dataset"));
  MIMIC_ASSIGN_OR_RETURN(H5Array<double> pairs, file->ReadDoubles("/spikes"));
  if (pairs.shape.size() != 2 || pairs.shape[1] != 2) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": /spikes is not (spikes x 2) of unit, time"));
  }
  std::map<int64_t, std::vector<double>> units;
  for (int64_t i = 0; i < pairs.shape[0]; ++i) {
    const double unit = pairs.values[2 * i], t = pairs.values[2 * i + 1];
    int64_t id = 0;
    if (!AsInteger(unit, &id) || !std::isfinite(t)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": /spikes row ", i, " is not (integer unit, finite time)"));
    }
    units[id].push_back(t);
  }
  if (units.empty()) return absl::InvalidArgumentError(absl::StrCat(path, " holds no spikes"));
  return FromUnitMap(path, units);
}

absl::StatusOr<SpikeTrains> LoadSpikesCsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("spike file not found: ", path));
  // a spike takes at least 4 bytes of text ("1,2\n") and 8 bytes as a time, plus a line buffer
  MIMIC_RETURN_IF_ERROR(ChargeFileRead(path, 4, "spike file"));
  std::map<int64_t, std::vector<double>> units;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    std::vector<std::string> cells = absl::StrSplit(line, ',');
    int64_t unit;
    double t;
    if (cells.size() != 2 || !absl::SimpleAtoi(absl::StripAsciiWhitespace(cells[0]), &unit) ||
        !absl::SimpleAtod(absl::StripAsciiWhitespace(cells[1]), &t)) {
      if (n == 1) continue;  // a header
      return absl::InvalidArgumentError(absl::StrCat(path, ": line ", n, " is not 'unit,time'"));
    }
    if (!std::isfinite(t)) return absl::InvalidArgumentError(absl::StrCat(path, ": line ", n, " has a non-finite time"));
    units[unit].push_back(t);
  }
  if (units.empty()) return absl::InvalidArgumentError(absl::StrCat(path, " holds no spikes"));
  return FromUnitMap(path, units);
}

absl::StatusOr<SpikeTrains> LoadSpikes(const std::string& path) {
  const std::string lower = absl::AsciiStrToLower(path);
  if (absl::EndsWith(lower, ".csv")) return LoadSpikesCsv(path);
  if (absl::EndsWith(lower, ".nwb")) return LoadSpikesNwb(path);
  if (absl::EndsWith(lower, ".h5")) {
    // an NWB-style /units table, or a plain (unit, time) pairs dataset /spikes
    auto file = H5File::Open(path);
    if (!file.ok()) return file.status();
    return (*file)->Exists("/units/spike_times") ? LoadSpikesNwb(path) : LoadSpikePairsH5(path);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown spike file type: ", path, " (.nwb, .h5 or .csv)"));
}

absl::StatusOr<Eigen::MatrixXd> BinSpikes(const SpikeTrains& spikes, const std::vector<double>& frames, bool clip) {
  if (frames.size() < 2) return absl::InvalidArgumentError("binning needs at least 2 frame times");
  for (size_t f = 1; f < frames.size(); ++f) {
    if (!(frames[f] > frames[f - 1])) {
      return absl::InvalidArgumentError(absl::StrCat("frame times must increase (frame ", f, ")"));
    }
  }
  const double end = frames.back() + (frames.back() - frames[frames.size() - 2]);
  Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(frames.size()), static_cast<Eigen::Index>(spikes.times.size()));
  for (size_t u = 0; u < spikes.times.size(); ++u) {
    for (double t : spikes.times[u]) {
      if (t < frames.front() || t >= end) {
        if (clip) continue;
        return absl::OutOfRangeError(absl::StrCat(spikes.source, ": unit ", spikes.unit_ids[u], " fires at ", t,
                                                  " s, outside the session [", frames.front(), ", ", end, ") s"));
      }
      const size_t f = std::upper_bound(frames.begin(), frames.end(), t) - frames.begin() - 1;
      counts(static_cast<Eigen::Index>(f), static_cast<Eigen::Index>(u)) += 1;
    }
  }
  return counts;
}

}  // namespace mimic::analysis
