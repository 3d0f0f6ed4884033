#include "analysis/robustness_report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/h5_file.h"
#include "common/status_macros.h"
#include "common/svg_chart.h"

namespace mimic::analysis {
namespace {

void MeanSem(const std::vector<double>& v, double* mean, double* sem) {
  *mean = 0;
  *sem = 0;
  if (v.empty()) return;
  for (double x : v) *mean += x / v.size();
  if (v.size() < 2) return;
  double var = 0;
  for (double x : v) var += (x - *mean) * (x - *mean) / (v.size() - 1);
  *sem = std::sqrt(var / v.size());
}

std::vector<double> Completion(const RobustnessCondition& c) {
  std::vector<double> out;
  for (const auto& e : c.episodes) out.push_back(e.clip_steps > 0 ? static_cast<double>(e.steps) / e.clip_steps : 0);
  return out;
}

std::vector<double> Errors(const RobustnessCondition& c) {
  std::vector<double> out;
  for (const auto& e : c.episodes)
    if (std::isfinite(e.body_error_mm)) out.push_back(e.body_error_mm);
  return out;
}

int Terminations(const RobustnessCondition& c) {
  int n = 0;
  for (const auto& e : c.episodes) n += e.terminated;
  return n;
}

}  // namespace

RobustnessReport AnalyzeRobustness(const std::vector<RobustnessCondition>& conditions, const std::string& reference) {
  RobustnessReport report;
  report.reference = reference;
  for (const RobustnessCondition& c : conditions) {
    ConditionSummary s;
    s.shape = c.shape;
    s.gain = c.gain;
    s.episodes = static_cast<int>(c.episodes.size());
    s.terminations = Terminations(c);
    MeanSem(Completion(c), &s.completion, &s.completion_sem);
    MeanSem(Errors(c), &s.error_mm, &s.error_sem);
    report.conditions.push_back(s);
  }
  for (const RobustnessCondition& ref : conditions) {
    if (ref.shape != reference) continue;
    for (const RobustnessCondition& other : conditions) {
      if (other.shape == reference || other.gain != ref.gain) continue;
      ShapeComparison cmp;
      cmp.gain = ref.gain;
      cmp.shape = other.shape;
      cmp.completion = WelchTGreater(Completion(ref), Completion(other));
      cmp.terminations = ChiSquaredRateGreater(Terminations(other), static_cast<int>(other.episodes.size()),
                                               Terminations(ref), static_cast<int>(ref.episodes.size()));
      cmp.error = WelchTGreater(Errors(other), Errors(ref));
      report.comparisons.push_back(cmp);
    }
  }
  return report;
}

std::string RobustnessJson(const RobustnessReport& r) {
  std::string json = absl::StrFormat("{\"reference\":\"%s\",\"conditions\":[", r.reference);
  for (size_t i = 0; i < r.conditions.size(); ++i) {
    const ConditionSummary& s = r.conditions[i];
    absl::StrAppendFormat(&json,
                          "%s{\"shape\":\"%s\",\"gain\":%g,\"episodes\":%d,\"terminations\":%d,\"completion\":%.4f,"
                          "\"completion_sem\":%.4f,\"body_error_mm\":%.3f,\"body_error_sem\":%.3f}",
                          i ? "," : "", s.shape, s.gain, s.episodes, s.terminations, s.completion, s.completion_sem,
                          s.error_mm, s.error_sem);
  }
  json += "],\"comparisons\":[";
  for (size_t i = 0; i < r.comparisons.size(); ++i) {
    const ShapeComparison& c = r.comparisons[i];
    absl::StrAppendFormat(&json,
                          "%s{\"gain\":%g,\"shape\":\"%s\",\"welch_completion\":{\"t\":%.4f,\"df\":%.2f,\"p\":%.4g},"
                          "\"chi2_terminations\":{\"statistic\":%.4f,\"p\":%.4g},\"welch_error\":{\"t\":%.4f,\"p\":%.4g}}",
                          i ? "," : "", c.gain, c.shape, c.completion.t, c.completion.df, c.completion.p,
                          c.terminations.statistic, c.terminations.p, c.error.t, c.error.p);
  }
  return json + "]}";
}

std::string RobustnessSvg(const RobustnessReport& r) {
  std::vector<double> gains;
  std::vector<std::string> shapes;
  for (const ConditionSummary& s : r.conditions) {
    if (std::find(gains.begin(), gains.end(), s.gain) == gains.end()) gains.push_back(s.gain);
    if (std::find(shapes.begin(), shapes.end(), s.shape) == shapes.end()) shapes.push_back(s.shape);
  }
  std::sort(gains.begin(), gains.end());
  auto at = [&](const std::string& shape, double gain) -> const ConditionSummary* {
    for (const ConditionSummary& s : r.conditions)
      if (s.shape == shape && s.gain == gain) return &s;
    return nullptr;
  };
  std::vector<Series> completion, termination, error;
  for (const std::string& shape : shapes) {
    Series c{shape, {}, "", {}}, t{shape, {}, "", {}}, e{shape, {}, "", {}};
    for (double g : gains) {
      const ConditionSummary* s = at(shape, g);
      c.values.push_back(s ? s->completion : std::nan(""));
      c.errors.push_back(s ? s->completion_sem : std::nan(""));
      const double rate = s && s->episodes > 0 ? static_cast<double>(s->terminations) / s->episodes : std::nan("");
      t.values.push_back(rate);
      // binomial standard error of the termination rate
      t.errors.push_back(s && s->episodes > 0 ? std::sqrt(rate * (1 - rate) / s->episodes) : std::nan(""));
      e.values.push_back(s ? s->error_mm : std::nan(""));
      e.errors.push_back(s ? s->error_sem : std::nan(""));
    }
    completion.push_back(c);
    termination.push_back(t);
    error.push_back(e);
  }
  // significance against the reference, listed under each panel
  std::vector<std::string> completion_marks, termination_marks;
  for (const ShapeComparison& c : r.comparisons) {
    if (c.completion.p < 0.05) {
      completion_marks.push_back(absl::StrFormat("gain %g: %s completes less (Welch p = %.2g)", c.gain, c.shape, c.completion.p));
    }
    if (c.terminations.p < 0.05) {
      termination_marks.push_back(
          absl::StrFormat("gain %g: %s terminates more (chi-squared p = %.2g)", c.gain, c.shape, c.terminations.p));
    }
  }
  auto note = [](const std::vector<std::string>& marks) {
    return marks.empty() ? std::string("no significant difference from the reference shape (p < 0.05)")
                         : absl::StrJoin(marks, "; ");
  };
  auto panel = [&](const std::string& title, const std::string& y, const std::vector<Series>& s, const std::string& notes) {
    std::string svg = LineChartSvg({title, "latent noise gain", y, 900, 330}, gains, s);
    // one line of notes under the title
    const size_t at_title = svg.find("</text>");
    if (at_title != std::string::npos) {
      svg.insert(at_title + 7, absl::StrFormat("\n<text x=\"70\" y=\"40\" fill=\"#444\" font-size=\"10\">%s</text>",
                                               absl::StrReplaceAll(notes, {{"&", "&amp;"}, {"<", "&lt;"}})));
    }
    return svg;
  };
  return StackSvg({panel("Share of the clip completed (mean, SEM)", "completion", completion, note(completion_marks)),
                   panel("Termination rate (binomial SE)", "episodes terminated", termination, note(termination_marks)),
                   panel("Tracking error of the bodies (mean, SEM)", "mm", error, "")},
                  900);
}

absl::Status WriteRobustness(const std::string& path, const std::vector<RobustnessCondition>& conditions,
                             const RobustnessReport& report) {
  MIMIC_ASSIGN_OR_RETURN(auto file, H5File::Create(path));
  for (size_t i = 0; i < conditions.size(); ++i) {
    const RobustnessCondition& c = conditions[i];
    const std::string g = absl::StrCat("/conditions/", i);
    std::vector<int32_t> clip, steps, clip_steps, terminated;
    std::vector<double> error;
    for (const auto& e : c.episodes) {
      clip.push_back(e.clip);
      steps.push_back(e.steps);
      clip_steps.push_back(e.clip_steps);
      terminated.push_back(e.terminated);
      error.push_back(e.body_error_mm);
    }
    const int64_t n = static_cast<int64_t>(c.episodes.size());
    MIMIC_RETURN_IF_ERROR(file->WriteInts(g + "/clip", {n}, clip.data()));
    MIMIC_RETURN_IF_ERROR(file->WriteInts(g + "/steps", {n}, steps.data()));
    MIMIC_RETURN_IF_ERROR(file->WriteInts(g + "/clip_steps", {n}, clip_steps.data()));
    MIMIC_RETURN_IF_ERROR(file->WriteInts(g + "/terminated", {n}, terminated.data()));
    MIMIC_RETURN_IF_ERROR(file->WriteDoubles(g + "/body_error_mm", {n}, error.data()));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "shape", c.shape));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "gain", c.gain));
  }
  for (size_t i = 0; i < report.comparisons.size(); ++i) {
    const ShapeComparison& c = report.comparisons[i];
    const std::string g = absl::StrCat("/comparisons/", i);
    MIMIC_RETURN_IF_ERROR(file->CreateGroup(g));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "shape", c.shape));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "gain", c.gain));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "welch_completion_t", c.completion.t));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "welch_completion_df", c.completion.df));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "welch_completion_p", c.completion.p));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "chi2_terminations", c.terminations.statistic));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "chi2_terminations_p", c.terminations.p));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "welch_error_t", c.error.t));
    MIMIC_RETURN_IF_ERROR(file->SetAttribute(g, "welch_error_p", c.error.p));
  }
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "format", std::string("mimic.robustness")));
  MIMIC_RETURN_IF_ERROR(file->SetAttribute("/", "reference_shape", report.reference));
  MIMIC_RETURN_IF_ERROR(file->Finish());
  std::ofstream svg(std::filesystem::path(path).replace_extension(".svg"));
  svg << RobustnessSvg(report);
  if (!svg) return absl::PermissionDeniedError(absl::StrCat("cannot write the figure beside ", path));
  return absl::OkStatus();
}

}  // namespace mimic::analysis
