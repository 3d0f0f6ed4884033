// Durable job records in SQLite, so a restarted job service loses no submitted job: every job's
// kind, its submitted spec (serialized request) and its latest Operation.
//
// One server per database: Open() takes an exclusive lock (a `<db>.lock` file held with flock,
// released by the kernel when the process ends, even by kill -9), so a second server on the same
// file is refused instead of reusing job ids and overwriting records. SQLite waits up to 5 s for
// its own locks (busy_timeout) rather than failing at once.
//
// Thread safety: every method may be called from any thread.
#ifndef MIMIC_COMMON_JOB_STORE_H_
#define MIMIC_COMMON_JOB_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "proto/jobs.pb.h"

struct sqlite3;

namespace mimic {

struct StoredJob {
  Operation operation;
  std::string spec;
};

// What LoadAll found: the readable jobs in submission order, the ids of every row (readable or
// not, so new ids never repeat one), and a line per row it had to skip.
struct StoredJobs {
  std::vector<StoredJob> jobs;
  std::vector<std::string> ids;
  std::vector<std::string> skipped;
};

class JobStore {
 public:
  // FAILED_PRECONDITION when another process holds the database.
  static absl::StatusOr<std::unique_ptr<JobStore>> Open(const std::string& path);
  ~JobStore();

  // Records a new job; ALREADY_EXISTS when its id is taken (ids are never reused).
  absl::Status Put(const Operation& op, const std::string& spec);
  // Replaces the stored Operation (the spec stays).
  absl::Status Update(const Operation& op);
  // Every job, in submission order; rows that do not parse are skipped and reported.
  absl::StatusOr<StoredJobs> LoadAll();

 private:
  JobStore(sqlite3* db, int lock_fd) : db_(db), lock_fd_(lock_fd) {}
  absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_);
  int lock_fd_;
};

}  // namespace mimic

#endif  // MIMIC_COMMON_JOB_STORE_H_
