#include "common/path_guard.h"

#include <filesystem>

#include "absl/strings/str_cat.h"

namespace mimic {
namespace fs = std::filesystem;

absl::StatusOr<PathGuard> PathGuard::Create(const std::string& root) {
  std::error_code ec;
  const fs::path canonical = fs::canonical(root, ec);
  if (ec || !fs::is_directory(canonical)) return absl::NotFoundError(absl::StrCat("data root ", root, " is not a directory"));
  PathGuard guard;
  guard.root_ = canonical.string();
  return guard;
}

absl::StatusOr<std::string> PathGuard::Resolve(const std::string& path, bool must_exist) const {
  if (path.empty()) return absl::InvalidArgumentError("empty path");
  if (path.find('\0') != std::string::npos) return absl::InvalidArgumentError("path contains a NUL byte");
  const fs::path given(path);
  if (given.is_absolute()) {
    return absl::PermissionDeniedError(absl::StrCat("absolute path '", path, "' refused: paths are relative to the data root"));
  }
  const fs::path joined = fs::path(root_) / given;
  // `..` that climbs out is refused before looking at the disk
  const std::string lexical = joined.lexically_normal().string();
  if (lexical != root_ && lexical.rfind(root_ + "/", 0) != 0) {
    return absl::PermissionDeniedError(absl::StrCat("'", path, "' leads outside the data root"));
  }
  std::error_code ec;
  // resolve symlinks of everything that exists; a new output file is checked through its parent
  fs::path real = must_exist ? fs::canonical(joined, ec) : fs::weakly_canonical(joined, ec);
  if (ec) {
    return must_exist ? absl::NotFoundError(absl::StrCat("'", path, "' does not exist under the data root"))
                      : absl::InvalidArgumentError(absl::StrCat("cannot resolve '", path, "'"));
  }
  if (!must_exist && fs::is_symlink(joined, ec)) {
    real = fs::canonical(joined, ec);  // an existing symlink as output: judge its target
    if (ec) return absl::PermissionDeniedError(absl::StrCat("'", path, "' is a dangling symbolic link"));
  }
  const std::string r = real.string();
  if (r != root_ && r.rfind(root_ + "/", 0) != 0) {
    return absl::PermissionDeniedError(absl::StrCat("'", path, "' leads outside the data root"));
  }
  if (!must_exist && !fs::is_directory(real.parent_path(), ec)) {
    return absl::NotFoundError(absl::StrCat("the folder of '", path, "' does not exist under the data root"));
  }
  return r;
}

}  // namespace mimic
