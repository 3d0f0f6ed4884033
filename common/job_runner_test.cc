#include "common/job_runner.h"

#include <cstdio>

#include <sqlite3.h>

#include <csignal>
#include <cstdlib>
#include <stdexcept>

#include "common/job_store.h"
#include "common/read_limits.h"

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace mimic {
namespace {

Operation WaitFinished(JobRunner& runner, const std::string& id) {
  Operation op = *runner.Get(id);
  while (!IsFinished(op.state())) op = *runner.WaitForChange(id, op.version(), absl::Now() + absl::Seconds(10));
  return op;
}

TEST(JobRunnerTest, RunsJobsAndRecordsOutcomes) {
  JobRunner runner(1);
  auto ok = runner.Submit("t", [](JobContext& c) -> absl::StatusOr<JobOutput> {
    c.SetProgress("working", 0.5);
    return JobOutput{{"out.h5"}, "fine", "{}"};
  });
  auto bad = runner.Submit("t", [](JobContext&) -> absl::StatusOr<JobOutput> {
    return absl::InvalidArgumentError("corrupt input");
  });
  ASSERT_TRUE(ok.ok() && bad.ok());
  EXPECT_EQ(ok->state(), QUEUED);
  const Operation done = WaitFinished(runner, ok->id());
  EXPECT_EQ(done.state(), SUCCEEDED);
  EXPECT_EQ(done.outputs(0), "out.h5");
  const Operation failed = WaitFinished(runner, bad->id());
  EXPECT_EQ(failed.state(), FAILED);
  EXPECT_NE(failed.message().find("corrupt input"), std::string::npos);
  // the runner keeps serving after a failure
  auto again = runner.Submit("t", [](JobContext&) -> absl::StatusOr<JobOutput> { return JobOutput{}; });
  EXPECT_EQ(WaitFinished(runner, again->id()).state(), SUCCEEDED);
  EXPECT_EQ(runner.List().size(), 3u);
  EXPECT_EQ(runner.Get("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST(JobRunnerTest, CancelsQueuedAndRunningJobs) {
  JobRunner runner(1);
  absl::Notification started;
  auto running = runner.Submit("t", [&](JobContext& c) -> absl::StatusOr<JobOutput> {
    started.Notify();
    while (!c.cancelled()) absl::SleepFor(absl::Milliseconds(5));
    return absl::CancelledError("stopped");
  });
  auto queued = runner.Submit("t", [](JobContext&) -> absl::StatusOr<JobOutput> { return JobOutput{}; });
  started.WaitForNotification();
  EXPECT_EQ(runner.Cancel(queued->id())->state(), CANCELLED);
  ASSERT_TRUE(runner.Cancel(running->id()).ok());
  EXPECT_EQ(WaitFinished(runner, running->id()).state(), CANCELLED);
}

TEST(JobRunnerTest, RefusesJobsBeyondTheQueueLimit) {
  JobRunner runner(1, /*max_queued=*/1);
  absl::Notification release;
  auto blocker = runner.Submit("t", [&](JobContext&) -> absl::StatusOr<JobOutput> {
    release.WaitForNotification();
    return JobOutput{};
  });
  // wait until the blocker runs, so exactly one more fits in the queue
  Operation op = *runner.Get(blocker->id());
  while (op.state() == QUEUED) op = *runner.WaitForChange(op.id(), op.version(), absl::Now() + absl::Seconds(5));
  EXPECT_TRUE(runner.Submit("t", [](JobContext&) -> absl::StatusOr<JobOutput> { return JobOutput{}; }).ok());
  EXPECT_EQ(runner.Submit("t", [](JobContext&) -> absl::StatusOr<JobOutput> { return JobOutput{}; }).status().code(),
            absl::StatusCode::kResourceExhausted);
  release.Notify();
}

TEST(JobRunnerTest, RestartedRunnerRequeuesUnfinishedJobsFromTheStore) {
  const std::string db = ::testing::TempDir() + "/jobs_restart.sqlite";
  std::remove(db.c_str());
  auto store = JobStore::Open(db);
  ASSERT_TRUE(store.ok());
  // records as a crashed server would have left them
  Operation finished, running, queued;
  finished.set_id("t-000001");
  finished.set_kind("t");
  finished.set_state(SUCCEEDED);
  running.set_id("t-000002");
  running.set_kind("t");
  running.set_state(RUNNING);
  queued.set_id("t-000003");
  queued.set_kind("t");
  queued.set_state(QUEUED);
  ASSERT_TRUE((*store)->Put(finished, "a").ok());
  ASSERT_TRUE((*store)->Put(running, "b").ok());
  ASSERT_TRUE((*store)->Put(queued, "broken").ok());
  std::vector<std::string> rebuilt;
  JobRestorer restore = [&rebuilt](const std::string& kind, const std::string& spec) -> absl::StatusOr<JobFn> {
    if (spec == "broken") return absl::InvalidArgumentError("spec no longer valid");
    rebuilt.push_back(spec);
    return JobFn([](JobContext&) -> absl::StatusOr<JobOutput> { return JobOutput{{}, "rerun", ""}; });
  };
  JobRunner runner(1, 100, store->get(), restore);
  EXPECT_EQ(runner.List().size(), 3u);
  EXPECT_EQ(runner.Get("t-000001")->state(), SUCCEEDED);
  EXPECT_EQ(WaitFinished(runner, "t-000002").state(), SUCCEEDED);
  EXPECT_EQ(WaitFinished(runner, "t-000002").message(), "rerun");
  const Operation broken = *runner.Get("t-000003");
  EXPECT_EQ(broken.state(), FAILED);
  EXPECT_NE(broken.message().find("spec no longer valid"), std::string::npos);
  EXPECT_EQ(rebuilt, std::vector<std::string>{"b"});
  // new ids continue after the stored ones, and the store sees the outcome
  auto next = runner.Submit("t", [](JobContext&) -> absl::StatusOr<JobOutput> { return JobOutput{}; }, "d");
  EXPECT_EQ(next->id(), "t-000004");
  WaitFinished(runner, next->id());
  auto all = (*store)->LoadAll();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->jobs.size(), 4u);
  EXPECT_EQ(all->jobs[1].operation.state(), SUCCEEDED);
}

TEST(JobRunnerTest, AJobThatThrowsEndsFailedWithTheReason) {
  JobRunner runner(1);
  auto throws = runner.Submit("t", [](JobContext&) -> absl::StatusOr<JobOutput> {
    throw std::runtime_error("vector::_M_range_check");
  });
  auto oom = runner.Submit("t", [](JobContext&) -> absl::StatusOr<JobOutput> { throw std::bad_alloc(); });
  const Operation a = WaitFinished(runner, throws->id());
  EXPECT_EQ(a.state(), FAILED);
  EXPECT_NE(a.message().find("_M_range_check"), std::string::npos) << a.message();
  const Operation b = WaitFinished(runner, oom->id());
  EXPECT_EQ(b.state(), FAILED);
  EXPECT_NE(b.message().find("memory"), std::string::npos) << b.message();
  auto after = runner.Submit("t", [](JobContext&) -> absl::StatusOr<JobOutput> { return JobOutput{}; });
  EXPECT_EQ(WaitFinished(runner, after->id()).state(), SUCCEEDED);
}

TEST(JobRunnerTest, EachJobReadsWithinItsOwnBudget) {
  JobRunnerOptions options;
  options.max_read_bytes_per_job = 1000;
  JobRunner runner(options);
  auto job = [](JobContext&) -> absl::StatusOr<JobOutput> {
    if (absl::Status s = ChargeRead(600, "first file"); !s.ok()) return s;
    if (absl::Status s = ChargeRead(600, "second file"); !s.ok()) return s;
    return JobOutput{};
  };
  const Operation first = WaitFinished(runner, runner.Submit("t", job)->id());
  EXPECT_EQ(first.state(), FAILED);
  EXPECT_NE(first.message().find("second file"), std::string::npos) << first.message();
  // the next job starts with a fresh budget
  auto small = [](JobContext&) -> absl::StatusOr<JobOutput> {
    if (absl::Status s = ChargeRead(900, "one file"); !s.ok()) return s;
    return JobOutput{};
  };
  EXPECT_EQ(WaitFinished(runner, runner.Submit("t", small)->id()).state(), SUCCEEDED);
}

std::string FreshDb(const std::string& name) {
  const std::string db = ::testing::TempDir() + "/" + name;
  for (const char* suffix : {"", "-wal", "-shm", ".lock"}) std::remove((db + suffix).c_str());
  return db;
}

TEST(JobRunnerTest, ACleanStopLeavesRunningJobsToRunAgain) {
  const std::string db = FreshDb("jobs_clean_stop.sqlite");
  absl::Notification started;
  {
    auto store = JobStore::Open(db);
    ASSERT_TRUE(store.ok()) << store.status();
    JobRunner runner(1, 100, store->get());
    auto op = runner.Submit(
        "t",
        [&](JobContext& c) -> absl::StatusOr<JobOutput> {
          started.Notify();
          while (!c.cancelled()) absl::SleepFor(absl::Milliseconds(5));
          return absl::CancelledError("stopping");
        },
        "spec");
    ASSERT_TRUE(op.ok());
    started.WaitForNotification();
  }  // SIGTERM's path: the runner is destroyed while the job runs
  auto store = JobStore::Open(db);
  ASSERT_TRUE(store.ok());
  auto stored = (*store)->LoadAll();
  ASSERT_EQ(stored->jobs.size(), 1u);
  EXPECT_EQ(stored->jobs[0].operation.state(), QUEUED);
  EXPECT_EQ(stored->jobs[0].operation.attempts(), 0);  // an interruption is not a crash
  JobRunner restarted(1, 100, store->get(), [](const std::string&, const std::string& spec) -> absl::StatusOr<JobFn> {
    return JobFn([spec](JobContext&) -> absl::StatusOr<JobOutput> { return JobOutput{{}, "ran " + spec, ""}; });
  });
  const Operation done = WaitFinished(restarted, "t-000001");
  EXPECT_EQ(done.state(), SUCCEEDED);
  EXPECT_EQ(done.message(), "ran spec");
}

// A child process: a runner on `db` whose jobs abort the process, as a hostile input that
// crashes a library would. Submits one job when the store is empty.
void RunCrashingJobs(const std::string& db) {
  auto store = JobStore::Open(db);
  if (!store.ok()) std::exit(3);
  auto crash = [](JobContext&) -> absl::StatusOr<JobOutput> {
    std::abort();
    return JobOutput{};
  };
  JobRunner runner(1, 100, store->get(), [&](const std::string&, const std::string&) -> absl::StatusOr<JobFn> {
    return JobFn(crash);
  });
  if (runner.List().empty()) (void)runner.Submit("poison", crash, "spec");
  // the job ends the process; a quarantined one does not, and the child exits normally
  for (int i = 0; i < 500; ++i) {
    const std::vector<Operation> ops = runner.List();
    if (!ops.empty() && IsFinished(ops[0].state())) std::exit(0);
    absl::SleepFor(absl::Milliseconds(10));
  }
  std::exit(4);
}

TEST(JobRunnerTest, AJobThatKeepsKillingItsServerIsQuarantined) {
  // fork style: the child must see the database the runs before it left (no threads run here yet)
  GTEST_FLAG_SET(death_test_style, "fast");
  const std::string db = FreshDb("jobs_poison.sqlite");
  // the first run and max_crash_retries (2) runs after restarts each take the process down
  for (int run = 0; run < 3; ++run) {
    EXPECT_EXIT(RunCrashingJobs(db), ::testing::KilledBySignal(SIGABRT), "") << "run " << run;
  }
  // the next restart does not run it again
  EXPECT_EXIT(RunCrashingJobs(db), ::testing::ExitedWithCode(0), "");
  auto store = JobStore::Open(db);
  ASSERT_TRUE(store.ok());
  JobRunner runner(1, 100, store->get());
  const Operation op = *runner.Get("poison-000001");
  EXPECT_EQ(op.state(), FAILED);
  EXPECT_EQ(op.attempts(), 3);
  EXPECT_NE(op.message().find("quarantined"), std::string::npos) << op.message();
  // and the server keeps serving
  auto next = runner.Submit("t", [](JobContext&) -> absl::StatusOr<JobOutput> { return JobOutput{}; });
  EXPECT_EQ(WaitFinished(runner, next->id()).state(), SUCCEEDED);
}

TEST(JobRunnerTest, ASecondServerOnTheSameDatabaseIsRefused) {
  const std::string db = FreshDb("jobs_two_servers.sqlite");
  auto first = JobStore::Open(db);
  ASSERT_TRUE(first.ok());
  auto second = JobStore::Open(db);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("in use"), std::string::npos) << second.status();
  first->reset();
  EXPECT_TRUE(JobStore::Open(db).ok());  // free again once the first is gone
}

TEST(JobRunnerTest, ACorruptRowIsSkippedAndReportedAndIdsNeverRepeat) {
  const std::string db = FreshDb("jobs_corrupt.sqlite");
  {
    auto store = JobStore::Open(db);
    Operation good;
    good.set_id("t-000001");
    good.set_kind("t");
    good.set_state(SUCCEEDED);
    ASSERT_TRUE((*store)->Put(good, "").ok());
  }
  {
    // a row whose operation is not a protobuf, with the highest id
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "INSERT INTO jobs (id, spec, operation) VALUES ('t-000007', x'00', x'ffffffff0102')",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  auto store = JobStore::Open(db);
  ASSERT_TRUE(store.ok());
  JobRunner runner(1, 100, store->get());
  ASSERT_EQ(runner.List().size(), 1u);
  EXPECT_EQ(runner.Get("t-000001")->state(), SUCCEEDED);
  ASSERT_EQ(runner.skipped_on_restore().size(), 1u);
  EXPECT_NE(runner.skipped_on_restore()[0].find("t-000007"), std::string::npos);
  auto next = runner.Submit("t", [](JobContext&) -> absl::StatusOr<JobOutput> { return JobOutput{}; });
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->id(), "t-000008");
  // and a record is never replaced by a new job with a taken id
  Operation clash;
  clash.set_id("t-000001");
  EXPECT_EQ((*store)->Put(clash, "").code(), absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace mimic
