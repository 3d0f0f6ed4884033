#include "common/job_runner.h"

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

}  // namespace
}  // namespace mimic
