#include "common/status_file.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mimic {

absl::Status WriteStatusFile(const std::string& path, const StatusFigures& figures) {
  std::string text = "{";
  bool first = true;
  for (const auto& [key, value] : figures) {
    // JSON has no NaN or infinity: leave such figures out
    if (!std::isfinite(value)) continue;
    absl::StrAppend(&text, first ? "" : ", ", "\"", key, "\": ", absl::StrFormat("%.17g", value));
    first = false;
  }
  text += "}\n";
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text;
    if (!out.good()) return absl::UnavailableError(absl::StrCat("cannot write ", temp));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot rename ", temp, " to ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<StatusFigures> ReadStatusFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("no status file ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  StatusFigures figures;
  size_t pos = text.find('{');
  if (pos == std::string::npos) return absl::DataLossError(absl::StrCat(path, ": not a JSON object"));
  ++pos;
  while (true) {
    const size_t open = text.find('"', pos);
    if (open == std::string::npos) break;
    const size_t close = text.find('"', open + 1);
    const size_t colon = close == std::string::npos ? close : text.find(':', close);
    if (colon == std::string::npos) return absl::DataLossError(absl::StrCat(path, ": malformed entry"));
    const std::string key = text.substr(open + 1, close - open - 1);
    char* end = nullptr;
    const double value = std::strtod(text.c_str() + colon + 1, &end);
    if (end == text.c_str() + colon + 1) {
      return absl::DataLossError(absl::StrCat(path, ": '", key, "' is not a number"));
    }
    figures[key] = value;
    pos = end - text.c_str();
  }
  return figures;
}

}  // namespace mimic
