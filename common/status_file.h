// A process's live figures as a small flat JSON object of numbers, replaced atomically (write a
// temp file, rename), so the launcher can read every process's state without a network call.
#ifndef MIMIC_COMMON_STATUS_FILE_H_
#define MIMIC_COMMON_STATUS_FILE_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace mimic {

using StatusFigures = std::map<std::string, double>;

absl::Status WriteStatusFile(const std::string& path, const StatusFigures& figures);
// Reads what WriteStatusFile wrote; anything else is an error naming the file.
absl::StatusOr<StatusFigures> ReadStatusFile(const std::string& path);

}  // namespace mimic

#endif  // MIMIC_COMMON_STATUS_FILE_H_
