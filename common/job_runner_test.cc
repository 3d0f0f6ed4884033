#include "common/job_runner.h"

#include <cstdio>

#include "common/job_store.h"

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
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[1].operation.state(), SUCCEEDED);
}

}  // namespace
}  // namespace mimic
