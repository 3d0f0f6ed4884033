#include "analysis/rsa_job.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "analysis/behaviour_labels.h"
#include "analysis/feature_classes.h"
#include "analysis/rollout_features.h"
#include "common/atomic_file.h"
#include "common/h5_file.h"
#include "common/read_limits.h"
#include "common/status_macros.h"
#include "common/svg_chart.h"

namespace mimic::analysis {
namespace {

// Kinematic labels for a rollouts file: its qpos, clips and control time step.
absl::StatusOr<BehaviourLabels> LabelRollouts(const std::string& path) {
  MIMIC_ASSIGN_OR_RETURN(auto file, H5File::Open(path));
  const double dt = file->GetDoubleAttribute("/", "control_timestep").value_or(0.02);
  MIMIC_ASSIGN_OR_RETURN(std::vector<std::string> clips, file->List("/clips"));
  std::vector<double> values;
  std::vector<int> clip_of_row;
  int64_t cols = 0;
  for (size_t c = 0; c < clips.size(); ++c) {
    MIMIC_ASSIGN_OR_RETURN(H5Array<double> q, file->ReadDoubles("/clips/" + clips[c] + "/qpos"));
    if (q.shape.size() != 2 || (cols != 0 && q.shape[1] != cols)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": clip ", clips[c], " qpos has an unexpected shape"));
    }
    cols = q.shape[1];
    values.insert(values.end(), q.values.begin(), q.values.end());
    clip_of_row.insert(clip_of_row.end(), q.shape[0], static_cast<int>(c));
  }
  const Eigen::Index rows = static_cast<Eigen::Index>(clip_of_row.size());
  Eigen::MatrixXd qpos = Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      values.data(), rows, cols);
  return LabelFromKinematics(qpos, clip_of_row, dt);
}

absl::Status ReadNeuralRdms(const std::string& path, const std::vector<std::string>& behaviours, size_t pairs,
                            std::vector<std::string>* names, std::vector<Eigen::VectorXd>* rdms) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the neural RDMs ", path));
  if (absl::Status charged = ChargeFileRead(path, 4, "neural RDMs"); !charged.ok()) return charged;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    std::vector<std::string> cells = absl::StrSplit(line, ',');
    if (cells[0] == "behaviours") {
      std::vector<std::string> order(cells.begin() + 1, cells.end());
      if (order != behaviours) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": the neural RDMs are over behaviours (",
                                                       absl::StrJoin(order, ", "), "), the rollouts have (",
                                                       absl::StrJoin(behaviours, ", "), ")"));
      }
      continue;
    }
    if (cells.size() != pairs + 1) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": ", cells.size() - 1, " distances; ",
                                                     behaviours.size(), " behaviours need ", pairs));
    }
    Eigen::VectorXd v(pairs);
    for (size_t i = 0; i < pairs; ++i) {
      if (!absl::SimpleAtod(cells[i + 1], &v[i]) || !std::isfinite(v[i])) {
        return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": '", cells[i + 1], "' is not a number"));
      }
    }
    names->push_back(cells[0]);
    rdms->push_back(v);
  }
  if (rdms->empty()) return absl::InvalidArgumentError(absl::StrCat(path, " holds no RDMs"));
  return absl::OkStatus();
}

std::vector<std::vector<double>> SquareInOrder(const Eigen::VectorXd& rdm, int k, const std::vector<int>& order) {
  std::vector<std::vector<double>> full(k, std::vector<double>(k, 0.0));
  int p = 0;
  std::vector<std::vector<double>> tmp(k, std::vector<double>(k, 0.0));
  for (int i = 0; i < k; ++i) {
    for (int j = i + 1; j < k; ++j) tmp[i][j] = tmp[j][i] = rdm[p++];
  }
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j < k; ++j) full[i][j] = tmp[order[i]][order[j]];
  }
  return full;
}

// WUC bars per model (computational blue, representational orange) with SEM, animals as dots, the
// noise ceiling as a grey band and the paper's marks.
std::string WucFigure(const RsaJobOutcome& out) {
  const bool real = std::any_of(out.classes.begin(), out.classes.end(), IsClipFeatureClass);
  std::vector<Bar> bars;
  size_t best = 0;
  for (size_t c = 0; c < out.classes.size(); ++c) {
    if (out.mean_wuc[c] > out.mean_wuc[best]) best = c;
  }
  for (size_t c = 0; c < out.classes.size(); ++c) {
    Bar bar;
    bar.category = out.classes[c];
    bar.value = out.mean_wuc[c];
    bar.points = out.wuc[c];
    const ClassRole role = RoleOf(out.classes[c], real);
    bar.color = role == ClassRole::kComputational ? "#1f77b4" : role == ClassRole::kRepresentational ? "#ff7f0e" : "#aaaaaa";
    if (out.inferred) {
      const RsaInference& r = out.inference;
      bar.error = r.sem[c];
      if (r.above_zero[c]) bar.base_mark = "\u25CF";      // dew drop
      if (r.below_ceiling[c]) bar.ceiling_mark = "\u25BC";  // icicle
      if (c == best) bar.top_mark = "\u25CB";              // the comparison model
      else if (r.greater[best][c]) bar.top_mark = "\u25BE";  // significantly below it
    }
    bars.push_back(bar);
  }
  std::vector<Band> bands;
  std::vector<std::string> notes = {"bars: mean over subjects (blue: network layers, orange: movement features); dots: subjects"};
  if (out.inferred) {
    bands.push_back({out.ceiling.lower, out.ceiling.upper, "noise ceiling"});
    notes.push_back("\u25CF above zero, \u25BC below the ceiling's lower bound (one-sided t-tests, Bonferroni, alpha 0.05); error bars SEM");
    notes.push_back("\u25CB best model; \u25BE significantly below it (paired one-sided t-tests, Benjamini-Hochberg, FDR 0.05)");
  }
  return DetailedBarChartSvg({"Model RDMs against the neural RDMs (whitened unbiased cosine)", "", "WUC", 900, 420}, bars,
                             bands, notes);
}

}  // namespace

absl::StatusOr<RsaJobOutcome> RunRsaJob(const RsaJobInputs& inputs,
                                        const std::function<void(const std::string&, double)>& progress) {
  progress("reading rollouts", 0);
  FeatureRequest request;
  request.rollouts = inputs.rollouts;
  request.clips = inputs.clips;
  request.classes = inputs.classes;
  request.clip_options = inputs.clip_options;
  MIMIC_ASSIGN_OR_RETURN(FeatureSet features, ReadFeatureClasses(request));
  const int rows = static_cast<int>(features.clip_of_row.size());
  progress("labelling behaviours", 0);
  absl::StatusOr<BehaviourLabels> labels =
      inputs.labels.empty() ? LabelRollouts(inputs.rollouts) : ReadLabelsForRollouts(inputs.labels, inputs.rollouts, rows);
  if (!labels.ok()) return labels.status();
  if (static_cast<int>(labels->labels.size()) != rows) {
    return absl::InvalidArgumentError(absl::StrCat(labels->labels.size(), " labels for ", rows, " frames"));
  }
  // behaviours with enough frames, renumbered in label order
  std::vector<int> count(labels->names.size(), 0), renumber(labels->names.size(), -1);
  for (int l : labels->labels) ++count[l];
  RsaJobOutcome out;
  for (size_t k = 0; k < count.size(); ++k) {
    if (count[k] < inputs.min_frames) continue;
    renumber[k] = static_cast<int>(out.behaviours.size());
    out.behaviours.push_back(labels->names[k]);
  }
  const int K = static_cast<int>(out.behaviours.size());
  if (K < 3) {
    return absl::InvalidArgumentError(absl::StrCat("RSA needs at least 3 behaviours with ", inputs.min_frames,
                                                   " frames or more; found ", K));
  }
  std::vector<int> kept, y;
  for (int t = 0; t < rows; ++t) {
    if (renumber[labels->labels[t]] < 0) continue;
    kept.push_back(t);
    y.push_back(renumber[labels->labels[t]]);
  }
  progress("RDMs", 0);
  if (inputs.metric != "correlation" && inputs.metric != "euclidean" && inputs.metric != "crossnobis") {
    return absl::InvalidArgumentError(absl::StrCat("unknown RDM metric '", inputs.metric,
                                                   "': correlation, euclidean or crossnobis"));
  }
  for (const FeatureClass& c : features.classes) {
    Eigen::MatrixXd data(kept.size(), c.features.cols());
    for (size_t i = 0; i < kept.size(); ++i) data.row(i) = c.features.row(kept[i]);
    Eigen::VectorXd rdm;
    if (inputs.metric == "crossnobis") {
      if (inputs.folds < 2) return absl::InvalidArgumentError("crossnobis needs at least 2 folds");
      std::vector<Eigen::MatrixXd> fold_means;
      for (int f = 0; f < inputs.folds; ++f) {
        const size_t lo = kept.size() * f / inputs.folds, hi = kept.size() * (f + 1) / inputs.folds;
        std::vector<int> fold_y(y.begin() + lo, y.begin() + hi);
        auto means = ConditionMeans(data.middleRows(lo, hi - lo), fold_y, K);
        if (!means.ok()) {
          return absl::InvalidArgumentError(absl::StrCat("crossnobis fold ", f, " of ", inputs.folds, ": ",
                                                         means.status().message(), "; use fewer folds"));
        }
        fold_means.push_back(*std::move(means));
      }
      MIMIC_ASSIGN_OR_RETURN(rdm, CrossnobisRdm(fold_means));
    } else {
      MIMIC_ASSIGN_OR_RETURN(Eigen::MatrixXd means, ConditionMeans(data, y, K));
      MIMIC_ASSIGN_OR_RETURN(rdm, ComputeRdm(means, inputs.metric == "euclidean" ? RdmMetric::kEuclidean
                                                                                : RdmMetric::kCorrelation));
    }
    out.classes.push_back(c.name);
    out.rdms.push_back(rdm);
  }
  const size_t pairs = static_cast<size_t>(K) * (K - 1) / 2;
  std::vector<Eigen::VectorXd> subjects;
  if (!inputs.neural_rdms.empty()) {
    progress("WUC against the neural RDMs", 0);
    MIMIC_RETURN_IF_ERROR(ReadNeuralRdms(inputs.neural_rdms, out.behaviours, pairs, &out.subjects, &subjects));
    out.compared = true;
    for (const Eigen::VectorXd& model : out.rdms) {
      std::vector<double> row;
      double mean = 0, correlation = 0;
      for (const Eigen::VectorXd& s : subjects) {
        MIMIC_ASSIGN_OR_RETURN(double w, WhitenedUnbiasedCosine(model, s));
        row.push_back(w);
        mean += w / subjects.size();
        auto r = RdmCorrelation(model, s);
        correlation += (r.ok() ? *r : std::nan("")) / subjects.size();
      }
      out.wuc.push_back(row);
      out.mean_wuc.push_back(mean);
      out.mean_correlation.push_back(correlation);
    }
    if (subjects.size() >= 2) {
      MIMIC_ASSIGN_OR_RETURN(out.ceiling, WucNoiseCeiling(subjects));
      MIMIC_ASSIGN_OR_RETURN(out.inference, CompareAcrossSubjects(out.wuc, out.ceiling.lower_by_subject));
      out.inferred = true;
    }
  }

  out.json = absl::StrCat("{\"behaviours\":[\"", absl::StrJoin(out.behaviours, "\",\""), "\"],\"classes\":[");
  for (size_t c = 0; c < out.classes.size(); ++c) {
    absl::StrAppendFormat(&out.json, "%s{\"name\":\"%s\"", c ? "," : "", out.classes[c]);
    if (out.compared) {
      absl::StrAppendFormat(&out.json, ",\"mean_wuc\":%.6f,\"mean_correlation\":%s", out.mean_wuc[c],
                            std::isnan(out.mean_correlation[c]) ? "null"
                                                                : absl::StrFormat("%.6f", out.mean_correlation[c]));
    }
    if (out.inferred) {
      const RsaInference& r = out.inference;
      absl::StrAppendFormat(&out.json,
                            ",\"sem_wuc\":%.6f,\"p_above_zero_bonferroni\":%.6g,\"above_zero\":%s,"
                            "\"p_below_ceiling_bonferroni\":%.6g,\"below_ceiling\":%s",
                            r.sem[c], r.p_above_zero_corrected[c], r.above_zero[c] ? "true" : "false",
                            r.p_below_ceiling_corrected[c], r.below_ceiling[c] ? "true" : "false");
    }
    out.json += "}";
  }
  out.json += "]";
  if (out.inferred) {
    out.json += ",\"better_than\":[";  // BH-significant ordered pairs: [better, worse]
    bool first = true;
    for (size_t i = 0; i < out.classes.size(); ++i)
      for (size_t j = 0; j < out.classes.size(); ++j)
        if (out.inference.greater[i][j]) {
          absl::StrAppendFormat(&out.json, "%s[\"%s\",\"%s\"]", first ? "" : ",", out.classes[i], out.classes[j]);
          first = false;
        }
    out.json += "]";
  }
  if (out.compared && subjects.size() >= 2) {
    absl::StrAppendFormat(&out.json, ",\"noise_ceiling\":{\"lower\":%.6f,\"upper\":%.6f}", out.ceiling.lower,
                          out.ceiling.upper);
  }
  out.json += "}";

  if (inputs.out.empty()) return out;
  progress("writing results", 1);
  {
    MIMIC_ASSIGN_OR_RETURN(auto file, H5File::Create(inputs.out));
    MIMIC_RETURN_IF_ERROR(file->WriteStrings("/behaviours", out.behaviours));
    MIMIC_RETURN_IF_ERROR(file->WriteStrings("/classes", out.classes));
    std::vector<double> flat;
    for (const Eigen::VectorXd& r : out.rdms) flat.insert(flat.end(), r.data(), r.data() + r.size());
    MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/rdms", {static_cast<int64_t>(out.rdms.size()), static_cast<int64_t>(pairs)},
                                             flat.data()));
    if (out.compared) {
      std::vector<double> wuc;
      for (const auto& row : out.wuc) wuc.insert(wuc.end(), row.begin(), row.end());
      MIMIC_RETURN_IF_ERROR(file->WriteStrings("/subjects", out.subjects));
      MIMIC_RETURN_IF_ERROR(file->WriteDoubles(
          "/wuc", {static_cast<int64_t>(out.wuc.size()), static_cast<int64_t>(out.subjects.size())}, wuc.data()));
      if (subjects.size() >= 2) {
        MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "noise_ceiling_lower", out.ceiling.lower));
        MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "noise_ceiling_upper", out.ceiling.upper));
        MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "noise_ceiling_pooling", std::string("rsatoolbox (RMS-normalised mean)")));
        const int64_t S = static_cast<int64_t>(subjects.size()), C = static_cast<int64_t>(out.classes.size());
        MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/noise_ceiling_lower_by_subject", {S}, out.ceiling.lower_by_subject.data()));
        MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/noise_ceiling_upper_by_subject", {S}, out.ceiling.upper_by_subject.data()));
        const RsaInference& r = out.inference;
        MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/wuc_mean", {C}, r.mean.data()));
        MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/wuc_sem", {C}, r.sem.data()));
        MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/p_above_zero", {C}, r.p_above_zero.data()));
        MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/p_above_zero_bonferroni", {C}, r.p_above_zero_corrected.data()));
        MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/p_below_ceiling", {C}, r.p_below_ceiling.data()));
        MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/p_below_ceiling_bonferroni", {C}, r.p_below_ceiling_corrected.data()));
        Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> p = r.p_greater;
        std::vector<int32_t> greater;
        for (const auto& row : r.greater)
          for (bool g : row) greater.push_back(g ? 1 : 0);
        MIMIC_RETURN_IF_ERROR(file->WriteDoubles("/p_model_greater", {C, C}, p.data()));
        MIMIC_RETURN_IF_ERROR(file->WriteInts("/model_greater_bh", {C, C}, greater.data()));
      }
    }
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "format", std::string("mimic.rsa")));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "metric", inputs.metric));
    MIMIC_RETURN_IF_ERROR(file->Finish());
  }
  std::vector<std::string> charts;
  // every RDM in one order: clustering of the pooled neural RDM (the paper's Fig. 4B), else the first class's
  const std::vector<int> order = ClusterOrder(subjects.empty() ? out.rdms[0] : PoolRdms(subjects));
  std::vector<std::string> ordered_names;
  for (int i : order) ordered_names.push_back(out.behaviours[i]);
  const int size = std::min(420, 60 + 40 * K);
  if (!subjects.empty()) {
    charts.push_back(HeatmapSvg({"Neural RDM (pooled over subjects)", "", "", 600, size}, ordered_names,
                                SquareInOrder(PoolRdms(subjects), K, order)));
  }
  for (size_t c = 0; c < out.classes.size(); ++c) {
    charts.push_back(HeatmapSvg({absl::StrCat("RDM of ", out.classes[c], ", ", inputs.metric, " distance"), "", "", 600,
                                 size},
                                ordered_names, SquareInOrder(out.rdms[c], K, order)));
  }
  if (out.compared) charts.push_back(WucFigure(out));
  std::filesystem::path figure(inputs.out);
  figure.replace_extension(".svg");
  out.figure = figure.string();
  MIMIC_RETURN_IF_ERROR(WriteFileAtomically(out.figure, StackSvg(charts, 900)));
  return out;
}

}  // namespace mimic::analysis
