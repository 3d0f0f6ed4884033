#include "common/job_runner.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "common/job_store.h"

namespace mimic {

bool IsFinished(JobState s) { return s == SUCCEEDED || s == FAILED || s == CANCELLED; }

struct JobRunner::Job {
  Operation op;
  JobFn fn;
  std::atomic<bool> cancel{false};
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

JobRunner::JobRunner(int workers, int max_queued, JobStore* store, JobRestorer restore)
    : max_queued_(max_queued), store_(store) {
  if (store_ != nullptr) Restore(restore);
  for (int i = 0; i < std::max(1, workers); ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

JobRunner::~JobRunner() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
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
  for (StoredJob& s : *stored) {
    auto job = std::make_shared<Job>();
    job->op = s.operation;
    // ids end in their submission number
    int64_t number = 0;
    const size_t dash = job->op.id().rfind('-');
    if (dash != std::string::npos && absl::SimpleAtoi(job->op.id().substr(dash + 1), &number)) {
      next_id_ = std::max(next_id_, number + 1);
    }
    if (!IsFinished(job->op.state())) {
      absl::StatusOr<JobFn> fn = restore ? restore(job->op.kind(), s.spec)
                                         : absl::StatusOr<JobFn>(absl::FailedPreconditionError("no restorer"));
      if (fn.ok()) {
        job->fn = *std::move(fn);
        job->op.set_state(QUEUED);
        job->op.set_stage("queued again after a restart");
        job->op.set_progress(0);
        queue_.push_back(job);
      } else {
        job->op.set_state(FAILED);
        job->op.set_stage("failed");
        job->op.set_message(absl::StrCat("could not be restored after a restart: ", fn.status().ToString()));
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
  if (static_cast<int>(queue_.size()) >= max_queued_) {
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
      Touch(*job);
      Persist(*job);
    }
    Context context(this, job);
    absl::StatusOr<JobOutput> result = job->fn(context);
    absl::MutexLock lock(&mu_);
    Operation& op = job->op;
    op.set_finished_unix_ms(absl::ToUnixMillis(absl::Now()));
    if (job->cancel || (!result.ok() && result.status().code() == absl::StatusCode::kCancelled)) {
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
