// Durable job records in SQLite, so a restarted job service loses no submitted job: every job's
// kind, its submitted spec (serialized request) and its latest Operation.
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

class JobStore {
 public:
  static absl::StatusOr<std::unique_ptr<JobStore>> Open(const std::string& path);
  ~JobStore();

  // Inserts or replaces the record of `op.id()`.
  absl::Status Put(const Operation& op, const std::string& spec);
  // Replaces the stored Operation (the spec stays).
  absl::Status Update(const Operation& op);
  // Every job, in submission order.
  absl::StatusOr<std::vector<StoredJob>> LoadAll();

 private:
  explicit JobStore(sqlite3* db) : db_(db) {}
  absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mimic

#endif  // MIMIC_COMMON_JOB_STORE_H_
