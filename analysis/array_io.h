// Plain numeric arrays for the analysis entry points a lab can use on its own data: CSV (rows =
// time bins; an optional header row of names) or HDF5 (a 2-D dataset, `data` unless named as
// FILE.h5:/path).
#ifndef MIMIC_ANALYSIS_ARRAY_IO_H_
#define MIMIC_ANALYSIS_ARRAY_IO_H_

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "absl/status/statusor.h"

namespace mimic::analysis {

struct NamedMatrix {
  Eigen::MatrixXd values;           // (rows x columns)
  std::vector<std::string> names;   // column names (generated when the file has none)
};

absl::StatusOr<NamedMatrix> ReadMatrix(const std::string& path);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_ARRAY_IO_H_
