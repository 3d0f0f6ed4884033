// Early-return helpers for absl::Status / absl::StatusOr, used across the project.
#ifndef MIMIC_COMMON_STATUS_MACROS_H_
#define MIMIC_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MIMIC_STATUS_CONCAT_INNER_(a, b) a##b
#define MIMIC_STATUS_CONCAT_(a, b) MIMIC_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define MIMIC_RETURN_IF_ERROR(expr)                \
  do {                                             \
    absl::Status mimic_status_ = (expr);           \
    if (!mimic_status_.ok()) return mimic_status_; \
  } while (0)

// `lhs = value of expr` (an absl::StatusOr<T>), or returns its error.
#define MIMIC_ASSIGN_OR_RETURN(lhs, expr) \
  MIMIC_ASSIGN_OR_RETURN_IMPL_(MIMIC_STATUS_CONCAT_(mimic_statusor_, __LINE__), lhs, expr)

#define MIMIC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

#endif  // MIMIC_COMMON_STATUS_MACROS_H_
