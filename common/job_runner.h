// Runs submitted jobs on a small worker pool and keeps their Operation records (contract 7):
// state, stage, progress, outputs, and a version that increases with every change so watchers
// can wait for the next one. Failed jobs never take the runner down: an error, an exception or
// a refused read (each job's loads draw from a read budget, common/read_limits.h) ends the job
// FAILED with the reason.
//
// With a JobStore, jobs survive restarts. A clean stop (destruction) interrupts running jobs and
// records them QUEUED again, so they run again after the restart. A job found RUNNING in the
// store was running when its server's process ended abnormally (it may have caused that): it is
// run again at most `max_crash_retries` times, then marked FAILED (quarantined). Stored rows that
// do not parse are skipped and reported; new ids never repeat a stored one.
//
// Thread safety: every method may be called from any thread.
#ifndef MIMIC_COMMON_JOB_RUNNER_H_
#define MIMIC_COMMON_JOB_RUNNER_H_

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/jobs.pb.h"

namespace mimic {

// What a running job may do: report progress and notice cancellation.
class JobContext {
 public:
  virtual ~JobContext() = default;
  virtual void SetProgress(const std::string& stage, double fraction) = 0;
  virtual bool cancelled() const = 0;
};

struct JobOutput {
  std::vector<std::string> outputs;  // files written
  std::string summary;
  std::string result_json;
};

using JobFn = std::function<absl::StatusOr<JobOutput>(JobContext& context)>;
// Rebuilds a stored job's function from its kind and submitted spec (after a restart).
using JobRestorer = std::function<absl::StatusOr<JobFn>(const std::string& kind, const std::string& spec)>;

struct JobRunnerOptions {
  int workers = 1;
  int max_queued = 100;
  // What one job's loads may allocate from its files, all together (common/read_limits.h).
  int64_t max_read_bytes_per_job = int64_t{8} << 30;
  // A job found running after a restart is run again at most this many times.
  int max_crash_retries = 2;

  absl::Status Validate() const;
};

class JobStore;

class JobRunner {
 public:
  // With a `store`, every job is recorded durably; on construction, finished jobs are listed
  // again and queued or interrupted ones are rebuilt by `restore` and queued again.
  explicit JobRunner(JobRunnerOptions options, JobStore* store = nullptr, JobRestorer restore = nullptr);
  explicit JobRunner(int workers = 1, int max_queued = 100, JobStore* store = nullptr, JobRestorer restore = nullptr);
  // Interrupts running jobs (they are recorded QUEUED again) and waits for the workers.
  ~JobRunner();

  // Queues a job; RESOURCE_EXHAUSTED when max_queued jobs already wait. `spec` is what a
  // restorer needs to rebuild the job after a restart.
  absl::StatusOr<Operation> Submit(const std::string& kind, JobFn fn, const std::string& spec = "");
  absl::StatusOr<Operation> Get(const std::string& id) const;
  // Waits until the operation's version exceeds `after_version`, it finishes, or `deadline`.
  absl::StatusOr<Operation> WaitForChange(const std::string& id, int64_t after_version, absl::Time deadline) const;
  std::vector<Operation> List() const;
  // Queued jobs are cancelled at once; running jobs when they next check.
  absl::StatusOr<Operation> Cancel(const std::string& id);

  // Finished job durations (seconds) by final state, for metrics.
  std::vector<std::pair<JobState, double>> Durations() const;
  // What the restore from the store skipped (corrupt rows), one line each.
  std::vector<std::string> skipped_on_restore() const;

 private:
  struct Job;
  class Context;
  void WorkerLoop();
  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Touch(Job& job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Persist(const Job& job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Restore(const JobRestorer& restore);

  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Job>> jobs_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<Job>> queue_ ABSL_GUARDED_BY(mu_);
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::string> skipped_ ABSL_GUARDED_BY(mu_);
  const JobRunnerOptions options_;
  JobStore* store_;
  std::vector<std::thread> workers_;
};

bool IsFinished(JobState state);

}  // namespace mimic

#endif  // MIMIC_COMMON_JOB_RUNNER_H_
