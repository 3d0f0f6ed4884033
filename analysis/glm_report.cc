#include "analysis/glm_report.h"

#include <cmath>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace mimic::analysis {
namespace {

std::string Quote(const std::string& s) {
  return absl::StrCat("\"", absl::StrReplaceAll(s, {{"\\", "\\\\"}, {"\"", "\\\""}}), "\"");
}

std::string Number(double v) { return std::isfinite(v) ? absl::StrFormat("%.6g", v) : "null"; }

std::string Term(const EncodingJobOutcome& o, size_t c, Eigen::Index d) {
  if (c < o.term_names.size() && static_cast<size_t>(d) < o.term_names[c].size()) return o.term_names[c][d];
  return absl::StrCat(o.class_names[c], "_", d);
}

const LagFit* BestFit(const ClassResult& r) {
  for (const LagFit& f : r.fits)
    if (f.lag == r.best_lag) return &f;
  return nullptr;
}

}  // namespace

std::string GlmJson(const EncodingJobOutcome& o, const EncodingOptions& options) {
  std::string json = absl::StrFormat("{\"folds\":%d,\"ridge_selection\":\"%s\",\"standardized_features\":%s,\"neurons\":[",
                                     options.folds, options.select_ridge ? "nested cross-validation" : "given",
                                     options.standardize ? "true" : "false");
  for (size_t n = 0; n < o.result.size(); ++n) {
    const NeuronEncoding& e = o.result[n];
    absl::StrAppend(&json, n ? "," : "", "{\"name\":", Quote(o.neuron_names[n]), ",\"best_class\":",
                    e.best_class >= 0 ? Quote(o.class_names[e.best_class]) : "null", ",\"classes\":[");
    for (size_t c = 0; c < e.classes.size(); ++c) {
      const ClassResult& r = e.classes[c];
      absl::StrAppend(&json, c ? "," : "", "{\"class\":", Quote(o.class_names[c]), ",\"source\":",
                      Quote(c < o.class_sources.size() ? o.class_sources[c] : ""),
                      absl::StrFormat(",\"best_lag\":%d,\"cv_llr_bits_per_spike\":%s,\"pseudo_r2\":%s,\"p\":%s,"
                                      "\"significant\":%s,\"ridge\":%s,\"fits\":[",
                                      r.best_lag, Number(r.score.cv_llr_bits_per_spike), Number(r.score.pseudo_r2),
                                      Number(r.p_value), r.significant ? "true" : "false", Number(r.ridge)));
      for (size_t l = 0; l < r.fits.size(); ++l) {
        const LagFit& f = r.fits[l];
        absl::StrAppendFormat(&json, "%s{\"lag\":%d,\"intercept\":%s,\"intercept_se\":%s,\"terms\":[", l ? "," : "",
                              f.lag, Number(f.intercept), Number(f.intercept_se));
        for (Eigen::Index d = 0; d < f.weights.size(); ++d) absl::StrAppend(&json, d ? "," : "", Quote(Term(o, c, d)));
        json += "],\"coefficients\":[";
        for (Eigen::Index d = 0; d < f.weights.size(); ++d) absl::StrAppend(&json, d ? "," : "", Number(f.weights(d)));
        json += "],\"standard_errors\":[";
        for (Eigen::Index d = 0; d < f.weights.size(); ++d) absl::StrAppend(&json, d ? "," : "", Number(f.weight_se(d)));
        json += "]}";
      }
      json += "]}";
    }
    json += "]}";
  }
  return json + "]}";
}

std::string GlmTable(const EncodingJobOutcome& o) {
  std::string out = absl::StrFormat("%-14s %-22s %8s %14s %10s %9s  %s\n", "neuron", "class", "best lag",
                                    "CV-LLR bits/sp", "pseudo-R2", "ridge", "coefficients at the best lag (z-scored features)");
  for (size_t n = 0; n < o.result.size(); ++n) {
    for (size_t c = 0; c < o.result[n].classes.size(); ++c) {
      const ClassResult& r = o.result[n].classes[c];
      absl::StrAppendFormat(&out, "%-14s %-22s %8d %14.4f %10.4f %9.3g %s", o.neuron_names[n].substr(0, 14),
                            o.class_names[c].substr(0, 22), r.best_lag, r.score.cv_llr_bits_per_spike, r.score.pseudo_r2,
                            r.ridge, r.significant ? "*" : " ");
      if (const LagFit* f = BestFit(r)) {
        absl::StrAppendFormat(&out, " intercept %.3f±%.3f", f->intercept, f->intercept_se);
        for (Eigen::Index d = 0; d < f->weights.size(); ++d) {
          absl::StrAppendFormat(&out, "  %s %.3f±%.3f", Term(o, c, d), f->weights(d), f->weight_se(d));
        }
      }
      out += "\n";
    }
  }
  return out + "(* significant after Benjamini-Hochberg; coefficient ± standard error from the inverse penalised Fisher information)\n";
}

absl::Status WriteGlmCsv(const std::string& path, const EncodingJobOutcome& o) {
  std::ofstream out(path);
  out << "neuron,class,lag,best_lag,term,coefficient,standard_error,cv_llr_bits_per_spike,pseudo_r2,ridge\n";
  for (size_t n = 0; n < o.result.size(); ++n) {
    for (size_t c = 0; c < o.result[n].classes.size(); ++c) {
      const ClassResult& r = o.result[n].classes[c];
      for (const LagFit& f : r.fits) {
        auto row = [&](const std::string& term, double coef, double se) {
          out << o.neuron_names[n] << "," << o.class_names[c] << "," << f.lag << "," << r.best_lag << "," << term << ","
              << absl::StrFormat("%.10g,%.10g,%.10g,%.10g,%.10g", coef, se, r.score.cv_llr_bits_per_spike,
                                 r.score.pseudo_r2, r.ridge)
              << "\n";
        };
        row("(intercept)", f.intercept, f.intercept_se);
        for (Eigen::Index d = 0; d < f.weights.size(); ++d) row(Term(o, c, d), f.weights(d), f.weight_se(d));
      }
    }
  }
  out.close();
  if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace mimic::analysis
