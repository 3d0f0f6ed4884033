#include "analysis/frame_times.h"

#include <cmath>
#include <fstream>
#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/h5_file.h"
#include "common/read_limits.h"
#include "common/status_macros.h"

namespace mimic::analysis {

absl::Status CheckFrameTimes(const std::vector<double>& times, const std::string& source) {
  if (times.size() < 2) return absl::InvalidArgumentError(absl::StrCat(source, ": fewer than 2 frame times"));
  for (size_t f = 0; f < times.size(); ++f) {
    if (!std::isfinite(times[f])) return absl::InvalidArgumentError(absl::StrCat(source, ": frame ", f, " has no finite time"));
    if (f > 0 && !(times[f] > times[f - 1])) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": frame times must increase, but frame ", f, " (",
                                                     times[f], " s) is not after frame ", f - 1, " (", times[f - 1],
                                                     " s)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<double>> LoadFrameTimesNwb(const std::string& path, const std::string& series) {
  MIMIC_ASSIGN_OR_RETURN(auto file, H5File::Open(path));
  const std::string source = absl::StrCat(path, ":", series);
  std::vector<double> times;
  if (file->Exists(series + "/timestamps")) {
    MIMIC_ASSIGN_OR_RETURN(H5Array<double> t, file->ReadDoubles(series + "/timestamps"));
    times = std::move(t.values);
  } else if (file->Exists(series + "/starting_time")) {
    MIMIC_ASSIGN_OR_RETURN(H5Array<double> start, file->ReadDoubles(series + "/starting_time"));
    if (start.values.size() != 1) return absl::InvalidArgumentError(source + ": starting_time is not a scalar");
    MIMIC_ASSIGN_OR_RETURN(double rate, file->GetDoubleAttribute(series + "/starting_time", "rate"));
    if (!(rate > 0)) return absl::InvalidArgumentError(absl::StrCat(source, ": rate ", rate, " is not positive"));
    if (!file->Exists(series + "/data")) return absl::InvalidArgumentError(source + ": no data to count frames from");
    MIMIC_ASSIGN_OR_RETURN(std::vector<int64_t> shape, file->Shape(series + "/data"));
    if (shape.empty()) return absl::InvalidArgumentError(source + ": data is a scalar");
    // one time per row of data: the count the file declares is bounded before it is made
    MIMIC_ASSIGN_OR_RETURN(const int64_t bytes, CheckedBytes(shape[0], 8, source));
    MIMIC_RETURN_IF_ERROR(ChargeRead(bytes, absl::StrCat("the frame times of ", source)));
    for (int64_t f = 0; f < shape[0]; ++f) times.push_back(start.values[0] + f / rate);
  } else {
    return absl::NotFoundError(absl::StrCat(source, ": not a TimeSeries (no timestamps or starting_time)"));
  }
  MIMIC_RETURN_IF_ERROR(CheckFrameTimes(times, source));
  return times;
}

absl::StatusOr<std::vector<double>> LoadFrameTimesCsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  MIMIC_RETURN_IF_ERROR(ChargeFileRead(path, 4, "frame times"));
  std::vector<double> times;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string cell(absl::StripAsciiWhitespace(line));
    if (cell.empty()) continue;
    double t = 0;
    if (!absl::SimpleAtod(cell, &t)) {
      if (number == 1) continue;  // a header
      return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": '", cell, "' is not a time"));
    }
    times.push_back(t);
  }
  MIMIC_RETURN_IF_ERROR(CheckFrameTimes(times, path));
  return times;
}

namespace {

// Frame times of every clip group of an HDF5 file (rollouts or clips): (source_frame_start + f) /
// frame_rate for each frame f that `frames_of` lists for the group.
absl::StatusOr<std::vector<double>> FrameTimesOfClips(
    const std::string& path,
    const std::function<absl::StatusOr<std::vector<int64_t>>(const H5File&, const std::string& group)>& frames_of) {
  MIMIC_ASSIGN_OR_RETURN(auto file, H5File::Open(path));
  MIMIC_ASSIGN_OR_RETURN(std::vector<std::string> clips, file->List("/clips"));
  std::vector<double> times;
  for (const std::string& clip : clips) {
    const std::string group = "/clips/" + clip;
    MIMIC_ASSIGN_OR_RETURN(double rate, file->GetDoubleAttribute(group, "frame_rate"));
    int64_t start = 0;
    if (file->HasAttribute(group, "source_frame_start")) {
      MIMIC_ASSIGN_OR_RETURN(start, file->GetIntAttribute(group, "source_frame_start"));
    }
    MIMIC_ASSIGN_OR_RETURN(std::vector<int64_t> frames, frames_of(*file, group));
    for (int64_t f : frames) times.push_back((start + f) / rate);
  }
  MIMIC_RETURN_IF_ERROR(CheckFrameTimes(times, path));
  return times;
}

}  // namespace

absl::StatusOr<std::vector<double>> FrameTimesFromRollouts(const std::string& path) {
  // the reference frame each recorded step was compared with
  return FrameTimesOfClips(path, [](const H5File& file, const std::string& group) -> absl::StatusOr<std::vector<int64_t>> {
    MIMIC_ASSIGN_OR_RETURN(H5Array<int32_t> frames, file.ReadInts(group + "/frame"));
    return std::vector<int64_t>(frames.values.begin(), frames.values.end());
  });
}

absl::StatusOr<std::vector<double>> FrameTimesFromClips(const std::string& path) {
  // every frame of the clip
  return FrameTimesOfClips(path, [&path](const H5File& file, const std::string& group) -> absl::StatusOr<std::vector<int64_t>> {
    MIMIC_ASSIGN_OR_RETURN(std::vector<int64_t> shape, file.Shape(group + "/qpos"));
    if (shape.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", group, "/qpos has no frames"));
    std::vector<int64_t> frames(static_cast<size_t>(shape[0]));
    for (int64_t t = 0; t < shape[0]; ++t) frames[t] = t;
    return frames;
  });
}

absl::StatusOr<std::vector<double>> LoadFrameTimes(const std::string& spec) {
  const size_t colon = spec.find(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("frame times '", spec, "': expected nwb:FILE:/series, csv:FILE, rollouts:FILE or clips:FILE"));
  }
  const std::string kind = spec.substr(0, colon), rest = spec.substr(colon + 1);
  if (kind == "csv") return LoadFrameTimesCsv(rest);
  if (kind == "rollouts") return FrameTimesFromRollouts(rest);
  if (kind == "clips") return FrameTimesFromClips(rest);
  if (kind == "nwb") {
    const size_t series = rest.rfind(":/");
    if (series == std::string::npos) return absl::InvalidArgumentError(absl::StrCat("frame times '", spec, "': nwb:FILE:/series"));
    return LoadFrameTimesNwb(rest.substr(0, series), rest.substr(series + 1));
  }
  return absl::InvalidArgumentError(absl::StrCat("frame times '", spec, "': unknown kind '", kind, "'"));
}

}  // namespace mimic::analysis
