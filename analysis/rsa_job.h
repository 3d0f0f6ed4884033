// RSA on a rollouts file as one job (the paper's Fig. 4 shape): behaviours labelled per frame (a
// label file or the kinematic rules), per-behaviour mean activity of every feature class (kinematic
// classes and network layers), a correlation-distance RDM per class, and — when neural RDMs of the
// same behaviours are given (one per subject) — each class's whitened unbiased cosine (WUC) with
// them against the leave-one-subject-out noise ceiling (rsatoolbox's pooling), with across-subject
// t-tests against zero, against the ceiling's lower bound (Bonferroni) and between models
// (Benjamini-Hochberg). Writes HDF5 and an SVG (RDM heatmaps in the neural RDMs' cluster order,
// WUC bars with SEM, animals, the ceiling band and significance marks: the paper's Fig. 4).
#ifndef MIMIC_ANALYSIS_RSA_JOB_H_
#define MIMIC_ANALYSIS_RSA_JOB_H_

#include <functional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "absl/status/statusor.h"
#include "analysis/clip_features.h"
#include "analysis/rsa.h"
#include "analysis/rsa_inference.h"

namespace mimic::analysis {

struct RsaJobInputs {
  std::string rollouts;
  std::string clips;                 // the real rat's clips: `clips/...` classes, aligned with the rollouts
  std::vector<std::string> classes;  // empty: every class of the rollouts (and of the clips when given)
  std::string labels;                // empty: kinematic rules
  // CSV, one subject per line: NAME,d1,...,dP over the kept behaviours' pairs (upper triangle,
  // row-major); an optional first line `behaviours,NAME1,...,NAMEK` states their order and is checked.
  std::string neural_rdms;
  int min_frames = 20;
  std::string metric = "correlation";  // correlation, euclidean or crossnobis
  int folds = 2;                       // crossnobis: contiguous folds of the frames
  std::string out;                   // empty: no files
  ClipFeatureOptions clip_options;
};

struct RsaJobOutcome {
  std::vector<std::string> behaviours;
  std::vector<std::string> classes;
  std::vector<Eigen::VectorXd> rdms;  // per class
  std::vector<std::string> subjects;
  std::vector<std::vector<double>> wuc;  // class x subject
  std::vector<double> mean_wuc;          // per class
  std::vector<double> mean_correlation;  // per class, Pearson correlation of the RDMs
  NoiseCeiling ceiling;
  bool compared = false;
  // Across-subject tests (2 or more subjects): zero, noise ceiling, between models (rsa_inference.h).
  bool inferred = false;
  RsaInference inference;
  std::string figure;
  std::string json;
};

absl::StatusOr<RsaJobOutcome> RunRsaJob(const RsaJobInputs& inputs,
                                        const std::function<void(const std::string&, double)>& progress);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_RSA_JOB_H_
