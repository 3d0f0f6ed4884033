// Files replaced in one step: written under a fresh temporary name beside the target (created
// with O_EXCL | O_NOFOLLOW, so a link planted there is never followed) and renamed over it (so a
// link at the target itself is replaced, never written through). Readers see the old file or
// the new one, never a part. With Durability::kSynced the data and the rename survive a power cut
// (file and folder fsynced) before the call returns.
#ifndef MIMIC_COMMON_ATOMIC_FILE_H_
#define MIMIC_COMMON_ATOMIC_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mimic {

enum class Durability { kRenamed, kSynced };

absl::Status WriteFileAtomically(const std::string& path, const std::string& content,
                                 Durability durability = Durability::kRenamed);

// A fresh temporary name beside `path` (`<path>.tmp.<pid>.<random>`); nothing is created.
std::string TemporaryNameFor(const std::string& path);
// True for names TemporaryNameFor made (leftovers of a crash can be cleaned up by pattern).
bool IsTemporaryName(const std::string& file_name);

// fsync of a file's data, and of a folder (so renames and creations in it are durable).
absl::Status SyncFile(const std::string& path);
absl::Status SyncFolder(const std::string& folder);

}  // namespace mimic

#endif  // MIMIC_COMMON_ATOMIC_FILE_H_
