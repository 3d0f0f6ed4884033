#include "behaviour/map_io.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/atomic_file.h"
#include "common/h5_file.h"
#include "common/status_macros.h"
#include "common/svg_chart.h"

namespace mimic::behaviour {

std::string FigurePathFor(const std::string& map_path) {
  return std::filesystem::path(map_path).replace_extension(".svg").string();
}

std::string LabelsPathFor(const std::string& map_path) {
  std::filesystem::path p(map_path);
  return (p.parent_path() / (p.stem().string() + "_labels.csv")).string();
}

std::string BehaviourMapSvg(const BehaviourMap& map) {
  const int G = map.grid.size;
  std::vector<std::vector<double>> density(G, std::vector<double>(G));
  std::vector<std::vector<int>> regions(G, std::vector<int>(G));
  for (int r = 0; r < G; ++r)
    for (int c = 0; c < G; ++c) {
      density[r][c] = map.grid.density(r, c);
      regions[r][c] = map.grid.regions(r, c);
    }
  std::vector<MapLabel> labels;
  for (const ClusterSummary& s : map.clusters) {
    if (s.frames > 0) labels.push_back({s.x, s.y, s.name});
  }
  const std::string title = absl::StrFormat("Behaviour map: %zu frames, %zu t-SNE training frames, %zu clusters",
                                            map.cluster_of_row.size(), map.training_rows.size(), map.clusters.size());
  std::vector<std::string> charts = {DensityMapSvg({title, "", "", 640, 680}, density, regions, map.grid.x_min,
                                                   map.grid.x_max, map.grid.y_min, map.grid.y_max, labels)};
  // one bar per cluster, coloured by its coarse behaviour
  static const char* kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};
  std::vector<Bar> bars;
  for (const ClusterSummary& s : map.clusters) {
    Bar bar;
    bar.category = s.name;
    bar.value = static_cast<double>(s.frames) / std::max<size_t>(1, map.cluster_of_row.size());
    bar.color = kColours[s.behaviour % 6];
    bars.push_back(bar);
  }
  std::string legend = "colour: ";
  for (size_t b = 0; b < map.behaviour_names.size(); ++b) {
    static const char* kNames[] = {"blue", "orange", "green", "red", "purple", "brown"};
    absl::StrAppend(&legend, b ? ", " : "", map.behaviour_names[b], " (", kNames[b % 6], ")");
  }
  charts.push_back(DetailedBarChartSvg({"Share of frames per cluster", "", "share of frames", 640, 300}, bars, {}, {legend}));
  return StackSvg(charts, 640);
}

absl::Status WriteBehaviourMap(const std::string& path, const BehaviourMap& map, const BehaviourMapOptions& o) {
  MIMIC_ASSIGN_OR_RETURN(auto file, H5File::Create(path));
  const int64_t K = static_cast<int64_t>(map.clusters.size()), G = map.grid.size;
  std::vector<std::string> cluster_names;
  std::vector<int32_t> cluster_behaviour, cluster_frames;
  std::vector<double> kinematics;
  for (const ClusterSummary& s : map.clusters) {
    cluster_names.push_back(s.name);
    cluster_behaviour.push_back(s.behaviour);
    cluster_frames.push_back(s.frames);
    kinematics.insert(kinematics.end(), {s.height_above_median, s.root_speed, s.joint_speed});
  }
  MIMIC_RETURN_IF_ERROR(file->WriteStrings("/behaviour_names", map.behaviour_names));
  MIMIC_RETURN_IF_ERROR(file->WriteStrings("/cluster_names", cluster_names));
  MIMIC_RETURN_IF_ERROR(file->WriteInts("/cluster_behaviour", {K}, cluster_behaviour.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteInts("/cluster_frames", {K}, cluster_frames.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/cluster_kinematics", {K, 3}, kinematics.data()));
  // per clip: rows of one clip are contiguous, in clip order
  size_t row = 0;
  for (size_t c = 0; c < map.clip_names.size(); ++c) {
    const size_t begin = row;
    while (row < map.clip_of_row.size() && map.clip_of_row[row] == static_cast<int>(c)) ++row;
    const int64_t T = static_cast<int64_t>(row - begin);
    std::vector<int32_t> cluster(map.cluster_of_row.begin() + begin, map.cluster_of_row.begin() + row);
    std::vector<int32_t> behaviour(map.behaviour_of_row.begin() + begin, map.behaviour_of_row.begin() + row);
    const std::string g = "/clips/" + map.clip_names[c];
    MIMIC_RETURN_IF_ERROR(file->WriteInts(g + "/cluster", {T}, cluster.data()));
    MIMIC_RETURN_IF_ERROR(file->WriteInts(g + "/behaviour", {T}, behaviour.data()));
    MIMIC_RETURN_IF_ERROR(file->WriteDoubles(g + "/embedding", {T, 2}, map.embedding.data() + 2 * begin));
  }
  std::vector<int32_t> training(map.training_rows.begin(), map.training_rows.end());
  MIMIC_RETURN_IF_ERROR(file->WriteInts("/training_rows", {static_cast<int64_t>(training.size())}, training.data()));
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> density = map.grid.density;
  Eigen::Matrix<int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> regions = map.grid.regions;
  MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/density", {G, G}, density.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteInts("/regions", {G, G}, regions.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/frequencies", {static_cast<int64_t>(map.frequencies.size())}, map.frequencies.data()));
  MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/explained_variance", {map.explained.size()}, map.explained.data()));
  for (const auto& [name, value] : std::vector<std::pair<std::string, double>>{
           {"x_min", map.grid.x_min}, {"x_max", map.grid.x_max}, {"y_min", map.grid.y_min}, {"y_max", map.grid.y_max},
           {"frame_rate", map.frame_rate}, {"perplexity", o.tsne.perplexity}, {"theta", o.tsne.theta},
           {"bandwidth", o.bandwidth}, {"min_peak", o.min_peak}, {"posture_weight", o.posture_weight},
           {"posture_smoothing_s", o.posture_smoothing_s}, {"omega0", o.wavelet.omega0}}) {
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", name, value));
  }
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "tsne_iterations", static_cast<int64_t>(o.tsne.iterations)));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "components", static_cast<int64_t>(map.explained.size())));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "placement", std::string("kNN-weighted (perplexity-calibrated Gaussian)")));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "format", std::string(kBehaviourMapFormat)));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "version", int64_t{1}));
  MIMIC_RETURN_IF_ERROR(file->Finish());

  // beside the map, each replaced in one step and never written through a link (common/atomic_file)
  std::string labels = "clip,frame,cluster,behaviour\n";
  for (size_t r = 0; r < map.cluster_of_row.size(); ++r) {
    absl::StrAppend(&labels, map.clip_names[map.clip_of_row[r]], ",", map.frame_of_row[r], ",",
                    map.clusters[map.cluster_of_row[r]].name, ",", map.behaviour_names[map.behaviour_of_row[r]], "\n");
  }
  MIMIC_RETURN_IF_ERROR(WriteFileAtomically(LabelsPathFor(path), labels));
  MIMIC_RETURN_IF_ERROR(WriteFileAtomically(FigurePathFor(path), BehaviourMapSvg(map)));
  return absl::OkStatus();
}

}  // namespace mimic::behaviour
