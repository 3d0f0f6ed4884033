// A behaviour map as one job (`mimic analysis behaviour-map` and the analysis service's
// "behaviour_map" kind): read a clips file, build the map, write map.h5, its SVG and the labels CSV.
#ifndef MIMIC_BEHAVIOUR_MAP_JOB_H_
#define MIMIC_BEHAVIOUR_MAP_JOB_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "behaviour/behaviour_map.h"

namespace mimic::behaviour {

struct MapJobInputs {
  std::string clips;
  std::string out;  // map.h5
  BehaviourMapOptions options;
};

struct MapJobOutcome {
  int frames = 0;
  int clips = 0;
  int clusters = 0;
  std::vector<std::string> behaviours;
  std::vector<double> behaviour_share;  // fraction of frames per behaviour
  std::string figure, labels;
  std::string json;
};

absl::StatusOr<MapJobOutcome> RunBehaviourMapJob(const MapJobInputs& inputs, const MapProgress& progress = nullptr);

}  // namespace mimic::behaviour

#endif  // MIMIC_BEHAVIOUR_MAP_JOB_H_
