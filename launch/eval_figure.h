// The evaluator's curves of a run (eval.csv, survival.csv) as one SVG figure.
#ifndef MIMIC_LAUNCH_EVAL_FIGURE_H_
#define MIMIC_LAUNCH_EVAL_FIGURE_H_

#include <map>
#include <string>
#include <vector>

#include "launch/run_layout.h"

namespace mimic::launch {

// The rows of a CSV with a header: column name -> values (rows of the wrong width are skipped).
std::map<std::string, std::vector<double>> ReadCsvColumns(const std::string& path);

// Writes eval.svg: episode length, reward per step, tracking error against the learner update,
// the survival curves of the first and last evaluated versions, and the latest evaluation videos'
// stills linked to their videos. Nothing when no rows exist.
void WriteEvalFigure(const RunLayout& run);

}  // namespace mimic::launch

#endif  // MIMIC_LAUNCH_EVAL_FIGURE_H_
