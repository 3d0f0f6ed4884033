#include "common/job_runner.h"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/job_store.h"
#include "common/read_limits.h"

namespace mimic {

bool IsFinished(JobState s) { return s == SUCCEEDED || s == FAILED || s == CANCELLED; }

absl::Status JobRunnerOptions::Validate() const {
  if (workers < 1) return absl::InvalidArgumentError("jobs: workers must be >= 1");
  if (max_queued < 1) return absl::InvalidArgumentError("jobs: max_queued must be >= 1");
  if (max_read_bytes_per_job < 1) return absl::InvalidArgumentError("jobs: max_read_bytes_per_job must be >= 1");
  if (max_crash_retries < 0) return absl::InvalidArgumentError("jobs: max_crash_retries must be >= 0");
  return absl::OkStatus();
}

struct JobRunner::Job {
  Operation op;
  JobFn fn;
  std::atomic<bool> cancel{false};          // the job should stop (cancelled, or the server stops)
  std::atomic<bool> user_cancelled{false};  // a client cancelled it
};

class JobRunner::Context : public JobContext {
 public:
  Context(JobRunner* runner, std::shared_ptr<Job> job) : runner_(runner), job_(std::move(job)) {}
  void SetProgress(const std::string& stage, double fraction) override {
    absl::MutexLock lock(&runner_->mu_);
    job_->op.set_stage(stage);
    job_->op.set_progress(fraction);
    runner_->Touch(*job_);
  }
  bool cancelled() const override { return job_->cancel.load(); }

 private:
  JobRunner* runner_;
  std::shared_ptr<Job> job_;
};

namespace {

JobRunnerOptions SimpleOptions(int workers, int max_queued) {
  JobRunnerOptions options;
  options.workers = std::max(1, workers);
  options.max_queued = max_queued;
  return options;
}

// The submission number at the end of an id ("stac-000012" -> 12), or 0.
int64_t IdNumber(const std::string& id) {
  int64_t number = 0;
  const size_t dash = id.rfind('-');
  if (dash == std::string::npos || !absl::SimpleAtoi(id.substr(dash + 1), &number)) return 0;
  return number;
}

}  // namespace

JobRunner::JobRunner(int workers, int max_queued, JobStore* store, JobRestorer restore)
    : JobRunner(SimpleOptions(workers, max_queued), store, std::move(restore)) {}

JobRunner::JobRunner(JobRunnerOptions options, JobStore* store, JobRestorer restore)
    : options_(options), store_(store) {
  if (store_ != nullptr) Restore(restore);
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

JobRunner::~JobRunner() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    // running jobs stop at their next check; they are recorded as queued again (WorkerLoop)
    for (auto& [id, job] : jobs_) job->cancel = true;
  }
  for (auto& w : workers_) w.join();
}

void JobRunner::Touch(Job& job) { job.op.set_version(job.op.version() + 1); }

void JobRunner::Persist(const Job& job) {
  if (store_ == nullptr) return;
  absl::Status s = store_->Update(job.op);
  if (!s.ok()) std::fprintf(stderr, "jobs: %s\n", s.ToString().c_str());
}

void JobRunner::Restore(const JobRestorer& restore) {
  auto stored = store_->LoadAll();
  if (!stored.ok()) {
    std::fprintf(stderr, "jobs: cannot restore: %s\n", stored.status().ToString().c_str());
    return;
  }
  absl::MutexLock lock(&mu_);
  // ids continue after every stored one, readable or not
  for (const std::string& id : stored->ids) next_id_ = std::max(next_id_, IdNumber(id) + 1);
  for (const std::string& line : stored->skipped) {
    std::fprintf(stderr, "jobs: %s\n", line.c_str());
    skipped_.push_back(line);
  }
  for (StoredJob& s : stored->jobs) {
    auto job = std::make_shared<Job>();
    job->op = s.operation;
    if (!IsFinished(job->op.state())) {
      // RUNNING here means the process ended while the job ran: it may be what ended it
      const bool crashed = job->op.state() == RUNNING;
      absl::StatusOr<JobFn> fn = absl::FailedPreconditionError("no restorer");
      if (crashed && job->op.attempts() > options_.max_crash_retries) {
        fn = absl::AbortedError(absl::StrCat("the server's process ended while running this job ",
                                             job->op.attempts(), " times; quarantined (not run again)"));
      } else if (restore) {
        fn = restore(job->op.kind(), s.spec);
      }
      if (fn.ok()) {
        job->fn = *std::move(fn);
        job->op.set_state(QUEUED);
        job->op.set_stage(crashed ? "queued again after the server's process ended while it ran"
                                  : "queued again after a restart");
        job->op.set_progress(0);
        queue_.push_back(job);
      } else {
        job->op.set_state(FAILED);
        job->op.set_stage("failed");
        job->op.set_message(absl::IsAborted(fn.status())
                                ? std::string(fn.status().message())
                                : absl::StrCat("could not be restored after a restart: ", fn.status().ToString()));
        job->op.set_finished_unix_ms(absl::ToUnixMillis(absl::Now()));
      }
      Touch(*job);
      Persist(*job);
    }
    jobs_[job->op.id()] = job;
  }
}

absl::StatusOr<Operation> JobRunner::Submit(const std::string& kind, JobFn fn, const std::string& spec) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the job service is stopping");
  if (static_cast<int>(queue_.size()) >= options_.max_queued) {
    return absl::ResourceExhaustedError(absl::StrCat(queue_.size(), " jobs are already queued; try again later"));
  }
  auto job = std::make_shared<Job>();
  job->op.set_id(absl::StrFormat("%s-%06d", kind, next_id_++));
  job->op.set_kind(kind);
  job->op.set_state(QUEUED);
  job->op.set_stage("queued");
  job->op.set_submitted_unix_ms(absl::ToUnixMillis(absl::Now()));
  job->op.set_version(1);
  job->fn = std::move(fn);
  if (store_ != nullptr) {
    absl::Status stored = store_->Put(job->op, spec);
    if (!stored.ok()) return absl::UnavailableError(absl::StrCat("cannot record the job: ", stored.message()));
  }
  jobs_[job->op.id()] = job;
  queue_.push_back(job);
  return job->op;
}

absl::StatusOr<Operation> JobRunner::Get(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("no operation '", id, "'"));
  return it->second->op;
}

absl::StatusOr<Operation> JobRunner::WaitForChange(const std::string& id, int64_t after, absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("no operation '", id, "'"));
  const Job* job = it->second.get();
  auto changed = [job, after]() { return job->op.version() > after || IsFinished(job->op.state()); };
  mu_.AwaitWithDeadline(absl::Condition(&changed), deadline);
  return job->op;
}

std::vector<Operation> JobRunner::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<Operation> out;
  for (const auto& [id, job] : jobs_) out.push_back(job->op);
  return out;
}

absl::StatusOr<Operation> JobRunner::Cancel(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("no operation '", id, "'"));
  Job& job = *it->second;
  if (IsFinished(job.op.state())) return job.op;
  job.user_cancelled = true;
  job.cancel = true;
  if (job.op.state() == QUEUED) {
    job.op.set_state(CANCELLED);
    job.op.set_stage("cancelled");
    job.op.set_finished_unix_ms(absl::ToUnixMillis(absl::Now()));
    Touch(job);
    Persist(job);
  }
  return job.op;
}

std::vector<std::pair<JobState, double>> JobRunner::Durations() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<JobState, double>> out;
  for (const auto& [id, job] : jobs_) {
    const Operation& op = job->op;
    if (IsFinished(op.state()) && op.started_unix_ms() > 0) {
      out.emplace_back(op.state(), (op.finished_unix_ms() - op.started_unix_ms()) / 1000.0);
    }
  }
  return out;
}

std::vector<std::string> JobRunner::skipped_on_restore() const {
  absl::MutexLock lock(&mu_);
  return skipped_;
}

bool JobRunner::HasWorkOrStopping() const { return stopping_ || !queue_.empty(); }

void JobRunner::WorkerLoop() {
  while (true) {
    std::shared_ptr<Job> job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &JobRunner::HasWorkOrStopping));
      if (stopping_) return;
      job = queue_.front();
      queue_.pop_front();
      if (job->op.state() != QUEUED) continue;  // cancelled while queued
      job->op.set_state(RUNNING);
      job->op.set_stage("starting");
      job->op.set_started_unix_ms(absl::ToUnixMillis(absl::Now()));
      // recorded before the job runs: if it takes the process down, the restart sees the attempt
      job->op.set_attempts(job->op.attempts() + 1);
      Touch(*job);
      Persist(*job);
    }
    absl::StatusOr<JobOutput> result;
    {
      Context context(this, job);
      ScopedReadBudget budget(options_.max_read_bytes_per_job);
      try {
        result = job->fn(context);
      } catch (const std::bad_alloc&) {
        result = absl::ResourceExhaustedError("the job ran out of memory");
      } catch (const std::exception& e) {
        result = absl::InternalError(absl::StrCat("the job failed with an exception: ", e.what()));
      } catch (...) {
        result = absl::InternalError("the job failed with an unknown exception");
      }
    }
    absl::MutexLock lock(&mu_);
    Operation& op = job->op;
    if (stopping_ && !job->user_cancelled && !result.ok()) {
      // interrupted by a clean stop: it runs again after the restart, and this run was no crash
      op.set_state(QUEUED);
      op.set_stage("interrupted by a server stop; runs again after a restart");
      op.set_progress(0);
      op.set_attempts(std::max(0, op.attempts() - 1));
      Touch(*job);
      Persist(*job);
      job->fn = nullptr;
      continue;
    }
    op.set_finished_unix_ms(absl::ToUnixMillis(absl::Now()));
    if (job->user_cancelled || (!result.ok() && result.status().code() == absl::StatusCode::kCancelled)) {
      op.set_state(CANCELLED);
      op.set_stage("cancelled");
    } else if (!result.ok()) {
      op.set_state(FAILED);
      op.set_stage("failed");
      op.set_message(result.status().ToString());
    } else {
      op.set_state(SUCCEEDED);
      op.set_stage("done");
      op.set_progress(1.0);
      op.set_message(result->summary);
      op.set_result_json(result->result_json);
      for (const auto& o : result->outputs) op.add_outputs(o);
    }
    Touch(*job);
    Persist(*job);
    job->fn = nullptr;  // release captured state
  }
}

}  // namespace mimic
