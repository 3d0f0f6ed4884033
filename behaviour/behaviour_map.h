// An unsupervised behaviour map of the real rat's kinematics in the spirit of MotionMapper
// (Berman et al. 2014) and CAPTURE (Marshall et al. 2021), the segmentation the paper used:
//   1. features per frame: Morlet wavelet amplitudes of every joint angle (log-spaced frequencies
//      up to the Nyquist rate) and the posture (the joint angles low-passed by a Gaussian of
//      `posture_smoothing_s`, so rhythmic movement shows in the spectra and not as a posture that
//      cycles), each z-scored over the session; the posture block is weighted so its total
//      variance is `posture_weight` times the wavelet block's (a still rat and a rearing one
//      differ in posture, not in spectra);
//   2. PCA to `components` dimensions (covariance estimated on evenly spaced frames);
//   3. Barnes-Hut t-SNE of `training_frames` evenly spaced frames; every other frame placed into
//      the map by a kNN-weighted average of the embedded frames it resembles (placement.h);
//   4. a Gaussian density of the embedded training frames on a grid, segmented by watershed into
//      clusters; each frame takes the cluster of its cell;
//   5. each cluster named by the coarse rules (kinematics.h) applied to the medians of its frames'
//      root height (above the session's median), root speed and joint speed; clusters sharing a
//      name form one coarse behaviour.
#ifndef MIMIC_BEHAVIOUR_BEHAVIOUR_MAP_H_
#define MIMIC_BEHAVIOUR_BEHAVIOUR_MAP_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "behaviour/density_map.h"
#include "behaviour/kinematics.h"
#include "behaviour/placement.h"
#include "behaviour/tsne.h"
#include "behaviour/wavelet.h"
#include "envs/reference_clip.h"

namespace mimic::behaviour {

// Defaults were chosen on the synthetic planted behaviours (behaviour_map_test; adjusted Rand
// index 0.84-0.86 for perplexity 50-100, bandwidth 0.04-0.06, lowest frequency 0.5-1 Hz).
struct BehaviourMapOptions {
  WaveletOptions wavelet;  // 25 frequencies from 1 Hz to the Nyquist rate, omega0 = 5 (MotionMapper's)
  double posture_weight = 1.0;
  double posture_smoothing_s = 0.25;
  int components = 20;
  int covariance_frames = 5000;
  int training_frames = 5000;
  // perplexity 50: consecutive frames are near-duplicates, so a larger neighbourhood than t-SNE's
  // usual 30 keeps one behaviour's bouts together instead of one island per bout
  TsneOptions tsne = [] {
    TsneOptions t;
    t.perplexity = 50;
    return t;
  }();
  PlacementOptions placement;
  int grid = 128;            // density cells per side
  double bandwidth = 0.05;   // density kernel std, fraction of the map's side
  double min_peak = 0.05;    // watershed seeds: local maxima above this fraction of the peak density
  CoarseRules naming;
  int smooth_frames = 5;     // speeds for naming: moving average over this many frames

  absl::Status Validate(double frame_rate) const;
};

struct ClusterSummary {
  int frames = 0;
  double height_above_median = 0, root_speed = 0, joint_speed = 0;  // medians over its frames
  int behaviour = 0;       // index into BehaviourMap::behaviour_names
  std::string name;        // e.g. "walk 2"
  double x = 0, y = 0;     // where its name goes: its highest-density cell
};

struct BehaviourMap {
  std::vector<std::string> clip_names;  // clips in input order
  std::vector<int> clip_of_row, frame_of_row;
  double frame_rate = 0;
  std::vector<double> frequencies;      // Hz
  Eigen::VectorXd explained;            // variance fraction of each kept component
  RowMatrix embedding;                  // (frames x 2)
  std::vector<int> training_rows;       // embedded by t-SNE; the rest were placed
  DensityGrid grid;
  std::vector<int> cluster_of_row;
  std::vector<ClusterSummary> clusters;
  std::vector<std::string> behaviour_names;  // the coarse behaviours present
  std::vector<int> behaviour_of_row;
};

// Stage name, units done and total; returning false cancels (CANCELLED).
using MapProgress = std::function<bool(const std::string& stage, int64_t done, int64_t total)>;

absl::StatusOr<BehaviourMap> BuildBehaviourMap(const std::vector<ReferenceClip>& clips,
                                               const BehaviourMapOptions& options = {},
                                               const MapProgress& progress = nullptr);

}  // namespace mimic::behaviour

#endif  // MIMIC_BEHAVIOUR_BEHAVIOUR_MAP_H_
