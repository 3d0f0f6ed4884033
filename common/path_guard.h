// Confines the files a job touches to a data root. Paths are relative to the root; absolute
// paths, `..` that climbs out, and every symbolic link are refused (a link inside the root could
// be swapped for one that leads out between a check and a use).
//
// Checks alone cannot stop a swap between check and use, so a running job reaches its files only
// through PinnedFiles: each file (input) or folder (output) is opened once with
// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) relative to the root's descriptor (a
// component-by-component O_NOFOLLOW walk where the kernel lacks openat2), and the job gets a path
// through a private folder of links to /proc/self/fd, which reaches exactly the opened file or
// folder whatever happens to the names afterwards. Outputs are written beside their final name and
// renamed (never through an existing link); the root itself, folders and protected files (the job
// database) are refused as outputs, also for files a job derives from an output's name.
#ifndef MIMIC_COMMON_PATH_GUARD_H_
#define MIMIC_COMMON_PATH_GUARD_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mimic {

// Turns a job's relative file names into paths it may use.
class JobFiles {
 public:
  virtual ~JobFiles() = default;
  // An existing regular file under the root.
  virtual absl::StatusOr<std::string> Input(const std::string& path) = 0;
  // A file to write under the root; its folder must exist.
  virtual absl::StatusOr<std::string> Output(const std::string& path) = 0;
};

class PathGuard {
 public:
  // `root` must be an existing folder; it is opened once and kept open.
  static absl::StatusOr<PathGuard> Create(const std::string& root);

  // Files a job may never write or replace (the job database and its companions); `path` is
  // taken as given (relative to the working directory when not absolute).
  void Protect(const std::string& path);

  // The real path of `path` under the root, checked now (submit time). For outputs
  // (`must_exist` false) the folder must exist inside the root and the name is checked as
  // PinnedFiles::Output checks it.
  absl::StatusOr<std::string> Resolve(const std::string& path, bool must_exist) const;

  const std::string& root() const;

  // Check-only JobFiles over this guard (for validating a job before it is queued).
  std::unique_ptr<JobFiles> Checker() const;

  // Forces the component-by-component walk instead of openat2 (tests of the fallback).
  static void UseDescriptorWalkForTesting(bool walk);

 private:
  friend class PinnedFiles;
  struct Root;
  std::shared_ptr<Root> root_;
};

// One running job's files, pinned (see the file comment). Not thread-safe; one per job.
class PinnedFiles : public JobFiles {
 public:
  static absl::StatusOr<std::unique_ptr<PinnedFiles>> Create(const PathGuard& guard);
  ~PinnedFiles() override;  // closes every descriptor and removes the private folder

  // A path to the regular file opened read-only now; it keeps the file's name (extension).
  absl::StatusOr<std::string> Input(const std::string& path) override;
  // A path whose folder is the output's folder opened now, and the output's name.
  absl::StatusOr<std::string> Output(const std::string& path) override;

  // `status` with every pinned path in its message put back as the job named it.
  absl::Status Describe(const absl::Status& status) const;

 private:
  explicit PinnedFiles(PathGuard guard) : guard_(std::move(guard)) {}
  absl::StatusOr<std::string> Link(int fd, const std::string& name, const std::string& given_folder);

  PathGuard guard_;
  std::string private_dir_;
  std::vector<int> fds_;
  std::vector<std::pair<std::string, std::string>> names_;  // pinned path -> as given
};

}  // namespace mimic

#endif  // MIMIC_COMMON_PATH_GUARD_H_
