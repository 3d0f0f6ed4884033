// A behaviour map on disk (HDF5, format "mimic.behaviour_map", version 1), with its figure and a
// per-frame label CSV:
//   /behaviour_names [B] (coarse behaviours), /cluster_names [K], /cluster_behaviour [K] int32,
//   /cluster_frames [K] int32, /cluster_kinematics [K, 3] (median height above the session median
//   (m), root speed (m/s), joint speed (rad/s)),
//   /clips/<name>/{cluster [T], behaviour [T]} int32, /clips/<name>/embedding [T, 2],
//   /training_rows [N] int32 (rows over all clips in file order that t-SNE embedded),
//   /density [G, G] (row = y cell), /regions [G, G] int32, /frequencies [F] (Hz),
//   /explained_variance [components]; root attributes: grid extents (x_min, x_max, y_min, y_max),
//   frame_rate and the options used.
// The CSV (<out stem>_labels.csv): clip,frame,cluster,behaviour — one line per frame.
// Analyses read the map as a label file (analysis/behaviour_labels: by clip name and frame).
#ifndef MIMIC_BEHAVIOUR_MAP_IO_H_
#define MIMIC_BEHAVIOUR_MAP_IO_H_

#include <string>

#include "absl/status/status.h"
#include "behaviour/behaviour_map.h"

namespace mimic::behaviour {

inline constexpr char kBehaviourMapFormat[] = "mimic.behaviour_map";

// Writes `path` (HDF5), <stem>.svg and <stem>_labels.csv beside it.
absl::Status WriteBehaviourMap(const std::string& path, const BehaviourMap& map, const BehaviourMapOptions& options);

// The map's figure: the density with watershed borders and cluster names, and the share of time
// in each cluster coloured by its coarse behaviour.
std::string BehaviourMapSvg(const BehaviourMap& map);

std::string FigurePathFor(const std::string& map_path);
std::string LabelsPathFor(const std::string& map_path);

}  // namespace mimic::behaviour

#endif  // MIMIC_BEHAVIOUR_MAP_IO_H_
