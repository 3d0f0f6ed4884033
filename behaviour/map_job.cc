#include "behaviour/map_job.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "behaviour/map_io.h"
#include "envs/clip_io.h"

namespace mimic::behaviour {

absl::StatusOr<MapJobOutcome> RunBehaviourMapJob(const MapJobInputs& inputs, const MapProgress& progress) {
  if (inputs.out.empty()) return absl::InvalidArgumentError("no output path for the behaviour map");
  if (progress && !progress("reading clips", 0, 1)) return absl::CancelledError("cancelled while reading clips");
  absl::StatusOr<std::vector<ReferenceClip>> clips = ReadClips(inputs.clips);
  if (!clips.ok()) return clips.status();
  absl::StatusOr<BehaviourMap> map = BuildBehaviourMap(*clips, inputs.options, progress);
  if (!map.ok()) return map.status();
  if (progress && !progress("writing the map", 0, 1)) return absl::CancelledError("cancelled before writing the map");
  if (absl::Status s = WriteBehaviourMap(inputs.out, *map, inputs.options); !s.ok()) return s;
  MapJobOutcome out;
  out.frames = static_cast<int>(map->cluster_of_row.size());
  out.clips = static_cast<int>(map->clip_names.size());
  out.clusters = static_cast<int>(map->clusters.size());
  out.behaviours = map->behaviour_names;
  out.behaviour_share.assign(out.behaviours.size(), 0.0);
  for (int b : map->behaviour_of_row) out.behaviour_share[b] += 1.0 / out.frames;
  out.figure = FigurePathFor(inputs.out);
  out.labels = LabelsPathFor(inputs.out);
  out.json = absl::StrFormat("{\"frames\":%d,\"clips\":%d,\"training_frames\":%zu,\"clusters\":[", out.frames, out.clips,
                             map->training_rows.size());
  for (size_t c = 0; c < map->clusters.size(); ++c) {
    const ClusterSummary& s = map->clusters[c];
    absl::StrAppendFormat(&out.json,
                          "%s{\"name\":\"%s\",\"behaviour\":\"%s\",\"frames\":%d,\"height_above_median_m\":%.4f,"
                          "\"root_speed_m_per_s\":%.4f,\"joint_speed_rad_per_s\":%.4f}",
                          c ? "," : "", s.name, map->behaviour_names[s.behaviour], s.frames, s.height_above_median,
                          s.root_speed, s.joint_speed);
  }
  out.json += "],\"behaviours\":{";
  for (size_t b = 0; b < out.behaviours.size(); ++b) {
    absl::StrAppendFormat(&out.json, "%s\"%s\":%.4f", b ? "," : "", out.behaviours[b], out.behaviour_share[b]);
  }
  out.json += "}}";
  return out;
}

}  // namespace mimic::behaviour
