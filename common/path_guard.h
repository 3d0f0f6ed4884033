// Confines user-supplied paths to a data root: relative paths resolve under it; absolute paths,
// `..` traversal and symbolic links that lead outside it are refused.
#ifndef MIMIC_COMMON_PATH_GUARD_H_
#define MIMIC_COMMON_PATH_GUARD_H_

#include <string>

#include "absl/status/statusor.h"

namespace mimic {

class PathGuard {
 public:
  // `root` must exist; it is canonicalised once.
  static absl::StatusOr<PathGuard> Create(const std::string& root);

  // The real path of `path` under the root. For outputs (`must_exist` false) the parent
  // directory must exist inside the root and the file itself may be new.
  absl::StatusOr<std::string> Resolve(const std::string& path, bool must_exist) const;

  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

}  // namespace mimic

#endif  // MIMIC_COMMON_PATH_GUARD_H_
