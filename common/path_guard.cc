#include "common/path_guard.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace mimic {
namespace fs = std::filesystem;

struct PathGuard::Root {
  int fd = -1;       // the root folder, open for the guard's lifetime
  std::string path;  // its canonical path
  std::vector<std::string> protected_paths;
  ~Root() {
    if (fd >= 0) close(fd);
  }
};

namespace {

std::atomic<bool> force_walk{false};

// A relative path in normal form ("a/b/c"; "." for the root). Refuses what can never be beneath.
absl::StatusOr<std::string> Normalize(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty path");
  if (path.find('\0') != std::string::npos) return absl::InvalidArgumentError("path contains a NUL byte");
  if (path[0] == '/') {
    return absl::PermissionDeniedError(absl::StrCat("absolute path '", path, "' refused: paths are relative to the data root"));
  }
  const std::string lexical = fs::path(path).lexically_normal().string();
  if (lexical == ".." || lexical.rfind("../", 0) == 0) {
    return absl::PermissionDeniedError(absl::StrCat("'", path, "' leads outside the data root"));
  }
  std::string out = lexical;
  while (out.size() > 1 && out.back() == '/') out.pop_back();  // "a/" -> "a"
  return out.empty() ? std::string(".") : out;
}

absl::Status OpenError(int error, const std::string& path) {
  switch (error) {
    case EXDEV:
      return absl::PermissionDeniedError(absl::StrCat("'", path, "' leads outside the data root"));
    case ELOOP:
      return absl::PermissionDeniedError(
          absl::StrCat("'", path, "' passes through a symbolic link; links are refused under the data root"));
    case ENOENT:
      return absl::NotFoundError(absl::StrCat("'", path, "' does not exist under the data root"));
    case ENOTDIR:
      return absl::NotFoundError(absl::StrCat("a folder of '", path, "' is not a folder"));
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(absl::StrCat("'", path, "': permission denied"));
    default:
      return absl::UnavailableError(absl::StrCat("cannot open '", path, "': ", std::strerror(error)));
  }
}

// openat2 beneath `root` without symlinks; -errno on failure. ENOSYS when the kernel (or a
// seccomp filter) does not offer it.
int OpenAt2(int root, const std::string& relative, int flags) {
  if (force_walk) return -ENOSYS;
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
  const long fd = syscall(SYS_openat2, root, relative.c_str(), &how, sizeof(how));
  return fd >= 0 ? static_cast<int>(fd) : -errno;
}

// The same by hand: every component opened with O_NOFOLLOW from the one before. `relative` is
// normalized (no "..").
int OpenByWalk(int root, const std::string& relative, int flags) {
  int dir = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return -errno;
  if (relative == ".") {
    if (flags & O_DIRECTORY) return dir;
    close(dir);
    return -EISDIR;
  }
  const std::vector<std::string> parts = absl::StrSplit(relative, '/', absl::SkipEmpty());
  for (size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    if (parts[i] == ".") continue;
    const int next = openat(dir, parts[i].c_str(),
                            (last ? flags : O_RDONLY | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC);
    int error = errno;
    struct stat st;
    // O_NOFOLLOW with O_DIRECTORY reports a link as "not a folder": name it as a link
    if (next < 0 && error == ENOTDIR && fstatat(dir, parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(st.st_mode)) {
      error = ELOOP;
    }
    close(dir);
    if (next < 0) return -error;
    dir = next;
  }
  return dir;
}

// Opens `relative` (normalized) beneath the root fd with `flags`.
absl::StatusOr<int> OpenBeneath(int root, const std::string& relative, int flags, const std::string& shown) {
  int fd = OpenAt2(root, relative, flags);
  if (fd == -ENOSYS || fd == -EPERM) fd = OpenByWalk(root, relative, flags);
  if (fd < 0) return OpenError(-fd, shown);
  return fd;
}

// The real path of an open descriptor.
std::string PathOf(int fd) {
  std::error_code ec;
  const fs::path real = fs::read_symlink(absl::StrCat("/proc/self/fd/", fd), ec);
  return ec ? std::string() : real.string();
}

// An input: a regular file, opened read-only. O_NONBLOCK while opening, so a FIFO planted under
// the name cannot block the job.
absl::StatusOr<int> OpenInput(int root, const std::string& given) {
  absl::StatusOr<std::string> relative = Normalize(given);
  if (!relative.ok()) return relative.status();
  absl::StatusOr<int> fd = OpenBeneath(root, *relative, O_RDONLY | O_NONBLOCK | O_NOCTTY, given);
  if (!fd.ok()) return fd.status();
  struct stat st;
  if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(*fd);
    return absl::InvalidArgumentError(absl::StrCat("'", given, "' is not a regular file"));
  }
  fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK);
  return *fd;
}

struct OutputFolder {
  int fd = -1;
  std::string name;    // the file's name in it
  std::string folder;  // the folder as given ("" for the root)
};

// An output's folder, opened; the name checked against links, folders, the root and protected files.
absl::StatusOr<OutputFolder> OpenOutput(int root, const std::vector<std::string>& protected_paths,
                                        const std::string& given) {
  absl::StatusOr<std::string> relative = Normalize(given);
  if (!relative.ok()) return relative.status();
  if (*relative == ".") {
    return absl::PermissionDeniedError(absl::StrCat("'", given, "' names the data root itself, not a file in it"));
  }
  const size_t slash = relative->rfind('/');
  OutputFolder out;
  out.name = slash == std::string::npos ? *relative : relative->substr(slash + 1);
  out.folder = slash == std::string::npos ? "" : relative->substr(0, slash);
  if (out.name == "." || out.name == "..") {
    return absl::InvalidArgumentError(absl::StrCat("'", given, "' does not name a file"));
  }
  absl::StatusOr<int> dir = OpenBeneath(root, out.folder.empty() ? "." : out.folder, O_RDONLY | O_DIRECTORY, given);
  if (!dir.ok()) {
    if (absl::IsNotFound(dir.status())) {
      return absl::NotFoundError(absl::StrCat("the folder of '", given, "' does not exist under the data root"));
    }
    return dir.status();
  }
  auto refuse = [&](absl::Status status) {
    close(*dir);
    return status;
  };
  struct stat st;
  if (fstatat(*dir, out.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) {
      return refuse(absl::PermissionDeniedError(absl::StrCat("'", given, "' is a symbolic link; outputs never replace links")));
    }
    if (!S_ISREG(st.st_mode)) return refuse(absl::PermissionDeniedError(absl::StrCat("'", given, "' is not a regular file")));
  }
  const std::string real = absl::StrCat(PathOf(*dir), "/", out.name);
  for (const std::string& p : protected_paths) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal", ".lock"}) {
      if (real == p + suffix) {
        return refuse(absl::PermissionDeniedError(absl::StrCat("'", given, "' is the server's job database; refused as an output")));
      }
    }
  }
  out.fd = *dir;
  return out;
}

class Checker : public JobFiles {
 public:
  explicit Checker(PathGuard guard) : guard_(std::move(guard)) {}
  absl::StatusOr<std::string> Input(const std::string& path) override { return guard_.Resolve(path, true); }
  absl::StatusOr<std::string> Output(const std::string& path) override { return guard_.Resolve(path, false); }

 private:
  PathGuard guard_;
};

}  // namespace

void PathGuard::UseDescriptorWalkForTesting(bool walk) { force_walk = walk; }

absl::StatusOr<PathGuard> PathGuard::Create(const std::string& root) {
  std::error_code ec;
  const fs::path canonical = fs::canonical(root, ec);
  if (ec || !fs::is_directory(canonical)) return absl::NotFoundError(absl::StrCat("data root ", root, " is not a directory"));
  PathGuard guard;
  guard.root_ = std::make_shared<Root>();
  guard.root_->path = canonical.string();
  guard.root_->fd = open(guard.root_->path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (guard.root_->fd < 0) return absl::PermissionDeniedError(absl::StrCat("cannot open the data root ", root));
  return guard;
}

void PathGuard::Protect(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  root_->protected_paths.push_back(p.string());
}

const std::string& PathGuard::root() const { return root_->path; }

std::unique_ptr<JobFiles> PathGuard::Checker() const { return std::make_unique<mimic::Checker>(*this); }

absl::StatusOr<std::string> PathGuard::Resolve(const std::string& path, bool must_exist) const {
  if (must_exist) {
    absl::StatusOr<int> fd = OpenInput(root_->fd, path);
    if (!fd.ok()) return fd.status();
    std::string real = PathOf(*fd);
    close(*fd);
    return real;
  }
  absl::StatusOr<OutputFolder> out = OpenOutput(root_->fd, root_->protected_paths, path);
  if (!out.ok()) return out.status();
  std::string real = absl::StrCat(PathOf(out->fd), "/", out->name);
  close(out->fd);
  return real;
}

absl::StatusOr<std::unique_ptr<PinnedFiles>> PinnedFiles::Create(const PathGuard& guard) {
  std::unique_ptr<PinnedFiles> files(new PinnedFiles(guard));
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/mimic-job-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot make a private folder for a job's files: ", std::strerror(errno)));
  }
  files->private_dir_ = pattern;
  return files;
}

PinnedFiles::~PinnedFiles() {
  std::error_code ec;
  if (!private_dir_.empty()) fs::remove_all(private_dir_, ec);  // removes the links, never what they reach
  for (int fd : fds_) close(fd);
}

absl::StatusOr<std::string> PinnedFiles::Link(int fd, const std::string& name, const std::string& given_folder) {
  fds_.push_back(fd);
  const std::string slot = absl::StrCat(private_dir_, "/", fds_.size());
  const std::string target = absl::StrCat("/proc/self/fd/", fd);
  if (name.empty()) {
    // an output: the slot is the pinned folder
    if (symlink(target.c_str(), slot.c_str()) != 0) {
      return absl::UnavailableError(absl::StrCat("cannot pin a job's folder: ", std::strerror(errno)));
    }
    names_.emplace_back(slot + "/", given_folder.empty() ? "" : given_folder + "/");
    return slot;
  }
  // an input: the slot is a folder holding one link under the file's own name
  const std::string link = absl::StrCat(slot, "/", name);
  if (mkdir(slot.c_str(), 0700) != 0 || symlink(target.c_str(), link.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot pin a job's file: ", std::strerror(errno)));
  }
  names_.emplace_back(link, given_folder);
  return link;
}

absl::StatusOr<std::string> PinnedFiles::Input(const std::string& path) {
  absl::StatusOr<int> fd = OpenInput(guard_.root_->fd, path);
  if (!fd.ok()) return fd.status();
  return Link(*fd, fs::path(*Normalize(path)).filename().string(), path);
}

absl::StatusOr<std::string> PinnedFiles::Output(const std::string& path) {
  absl::StatusOr<OutputFolder> out = OpenOutput(guard_.root_->fd, guard_.root_->protected_paths, path);
  if (!out.ok()) return out.status();
  absl::StatusOr<std::string> folder = Link(out->fd, "", out->folder);
  if (!folder.ok()) return folder.status();
  return absl::StrCat(*folder, "/", out->name);
}

absl::Status PinnedFiles::Describe(const absl::Status& status) const {
  if (status.ok() || names_.empty()) return status;
  std::vector<std::pair<std::string, std::string>> by_length = names_;
  std::sort(by_length.begin(), by_length.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  std::string message(status.message());
  for (const auto& [pinned, given] : by_length) absl::StrReplaceAll({{pinned, given}}, &message);
  return absl::Status(status.code(), message);
}

}  // namespace mimic
