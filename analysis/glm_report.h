// Renderings of fitted GLMs for `mimic analysis glm` and `analysis encoding`: per neuron and class
// the scores at the best lag and the coefficients with standard errors (on the z-scored features)
// at every lag — as a table, JSON, or a long-format CSV (one row per neuron, class, lag and term).
// Terms are named by the outcome's term_names (array headers), else `<class>_<d>`.
#ifndef MIMIC_ANALYSIS_GLM_REPORT_H_
#define MIMIC_ANALYSIS_GLM_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "analysis/encoding_job.h"

namespace mimic::analysis {

// {"folds":..,"ridge_selection":..,"neurons":[{"name","best_class","classes":[{"class","source","best_lag",
// "cv_llr_bits_per_spike","pseudo_r2","p","significant","ridge","fits":[{"lag","intercept","intercept_se",
// "coefficients":[..],"standard_errors":[..]}]}]}]}
std::string GlmJson(const EncodingJobOutcome& outcome, const EncodingOptions& options);

// A table: per neuron and class the best lag, CV-LLR, pseudo-R2, ridge, then the coefficients at
// the best lag as `term coef ± se`.
std::string GlmTable(const EncodingJobOutcome& outcome);

// neuron,class,lag,best_lag,term,coefficient,standard_error,cv_llr_bits_per_spike,pseudo_r2,ridge
absl::Status WriteGlmCsv(const std::string& path, const EncodingJobOutcome& outcome);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_GLM_REPORT_H_
