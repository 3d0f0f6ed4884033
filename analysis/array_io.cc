#include "analysis/array_io.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/h5_file.h"
#include "common/read_limits.h"
#include "common/status_macros.h"

namespace mimic::analysis {
namespace {

absl::StatusOr<NamedMatrix> ReadCsv(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileBounded(path, "array file");
  if (absl::IsNotFound(text.status())) return absl::NotFoundError(absl::StrCat("file not found: ", path));
  if (!text.ok()) return text.status();
  std::vector<absl::string_view> lines = absl::StrSplit(*text, '\n', absl::SkipWhitespace());
  if (lines.empty()) return absl::InvalidArgumentError(absl::StrCat(path, " is empty"));
  NamedMatrix m;
  std::vector<std::string> first = absl::StrSplit(lines[0], ',');
  double probe;
  const bool header = !absl::SimpleAtod(absl::StripAsciiWhitespace(first[0]), &probe);
  if (header) {
    for (auto& h : first) m.names.push_back(std::string(absl::StripAsciiWhitespace(h)));
  }
  const size_t cols = first.size(), start = header ? 1 : 0;
  // the matrix's size follows from the line count and the header: bounded before it is allocated
  absl::StatusOr<int64_t> bytes = CheckedBytes(static_cast<int64_t>(lines.size()), 8 * static_cast<int64_t>(cols), path);
  if (!bytes.ok()) return bytes.status();
  if (absl::Status charged = ChargeRead(*bytes, absl::StrCat("the values of ", path)); !charged.ok()) return charged;
  m.values.resize(static_cast<Eigen::Index>(lines.size() - start), static_cast<Eigen::Index>(cols));
  for (size_t r = start; r < lines.size(); ++r) {
    std::vector<absl::string_view> cells = absl::StrSplit(lines[r], ',');
    if (cells.size() != cols) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": line ", r + 1, " has ", cells.size(), " values, expected ", cols));
    }
    for (size_t c = 0; c < cols; ++c) {
      double v;
      if (!absl::SimpleAtod(absl::StripAsciiWhitespace(cells[c]), &v)) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": line ", r + 1, " column ", c + 1, " is not a number"));
      }
      m.values(static_cast<Eigen::Index>(r - start), static_cast<Eigen::Index>(c)) = v;
    }
  }
  return m;
}

}  // namespace

absl::StatusOr<NamedMatrix> ReadMatrix(const std::string& spec) {
  std::string path = spec, dataset = "/data";
  const size_t colon = spec.find(".h5:");
  if (colon != std::string::npos) {
    path = spec.substr(0, colon + 3);
    dataset = spec.substr(colon + 4);
  }
  if (!absl::EndsWith(absl::AsciiStrToLower(path), ".h5") && !absl::EndsWith(absl::AsciiStrToLower(path), ".hdf5")) {
    return ReadCsv(path);
  }
  MIMIC_ASSIGN_OR_RETURN(auto file, H5File::Open(path));
  MIMIC_ASSIGN_OR_RETURN(H5Array<double> a, file->ReadDoubles(dataset));
  if (a.shape.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", dataset, " must be 2-D (bins x columns)"));
  }
  NamedMatrix m;
  m.values = Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      a.values.data(), a.shape[0], a.shape[1]);
  return m;
}

}  // namespace mimic::analysis
