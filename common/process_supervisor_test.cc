#include "common/process_supervisor.h"

#include <signal.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/status_file.h"

namespace mimic {
namespace {

ProcessSpec Shell(const std::string& name, const std::string& script, bool restart = true) {
  return {name, {"/bin/sh", "-c", script}, ::testing::TempDir() + "/" + name + ".log", restart};
}

// Polls until `done` holds or 10 s pass; returns every event seen.
std::vector<std::string> PollUntil(ProcessSupervisor& s, const std::function<bool()>& done) {
  std::vector<std::string> events;
  for (int i = 0; i < 1000 && !done(); ++i) {
    for (auto& e : s.Poll()) events.push_back(e);
    absl::SleepFor(absl::Milliseconds(10));
  }
  return events;
}

TEST(ProcessSupervisorTest, RestartsAKilledChildAndRecordsItsPid) {
  SupervisorOptions options;
  options.backoff_initial = absl::Milliseconds(50);
  options.pid_file = ::testing::TempDir() + "/pids.txt";
  ProcessSupervisor s(options);
  std::filesystem::remove(::testing::TempDir() + "/worker.log");
  ASSERT_TRUE(s.Start(Shell("worker", "echo started; exec sleep 30")).ok());
  const pid_t first = s.pid("worker");
  ASSERT_GT(first, 0);
  absl::SleepFor(absl::Milliseconds(200));  // let it write its first line
  ASSERT_EQ(kill(first, SIGKILL), 0);
  auto events = PollUntil(s, [&] { return s.restarts("worker") == 1; });
  ASSERT_EQ(s.restarts("worker"), 1);
  EXPECT_NE(s.pid("worker"), first);
  EXPECT_NE(events.front().find("killed by signal 9"), std::string::npos) << events.front();
  std::ifstream pids(options.pid_file);
  std::string name;
  pid_t recorded = 0;
  pids >> name >> recorded;
  EXPECT_EQ(name, "worker");
  EXPECT_EQ(recorded, s.pid("worker"));
  // both incarnations wrote to the same log
  absl::SleepFor(absl::Milliseconds(100));
  std::ifstream log(::testing::TempDir() + "/worker.log");
  std::string line;
  int started = 0;
  while (std::getline(log, line)) started += line == "started";
  EXPECT_GE(started, 2);
}

TEST(ProcessSupervisorTest, StopsInOrderAndKillsWhatIgnoresSigterm) {
  ProcessSupervisor s({});
  ASSERT_TRUE(s.Start(Shell("polite", "exec sleep 30")).ok());
  ASSERT_TRUE(s.Start(Shell("stubborn", "trap '' TERM; while true; do sleep 0.05; done")).ok());
  absl::SleepFor(absl::Milliseconds(200));  // let the trap be installed
  const absl::Time start = absl::Now();
  auto events = s.StopAll({{"polite"}, {"stubborn"}}, absl::Milliseconds(300));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[0].find("polite stopped: killed by signal 15"), std::string::npos) << events[0];
  EXPECT_NE(events[1].find("stubborn did not stop"), std::string::npos) << events[1];
  EXPECT_EQ(s.pid("polite"), 0);
  EXPECT_EQ(s.pid("stubborn"), 0);
  EXPECT_TRUE(s.Poll().empty());  // nothing restarts after a stop
}

TEST(ProcessSupervisorTest, ReportsExitsOfNonRestartingChildrenAndBadExecutables) {
  ProcessSupervisor s({});
  ASSERT_TRUE(s.Start(Shell("once", "exit 3", /*restart=*/false)).ok());
  auto events = PollUntil(s, [&] { return s.pid("once") == 0; });
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], "once exited with code 3");
  ASSERT_TRUE(s.Start({"missing", {"/nonexistent/binary"}, ::testing::TempDir() + "/missing.log", false}).ok());
  events = PollUntil(s, [&] { return s.pid("missing") == 0; });
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], "missing exited with code 127");
  EXPECT_FALSE(s.Start(Shell("once", "true")).ok());  // names are unique
}

TEST(ProcessSupervisorTest, FreeLocalPortIsBindable) {
  auto port = FreeLocalPort();
  ASSERT_TRUE(port.ok());
  EXPECT_GT(*port, 1024);
}

TEST(StatusFileTest, RoundTripsNumbersAndDropsNonFinite) {
  const std::string path = ::testing::TempDir() + "/status.json";
  ASSERT_TRUE(WriteStatusFile(path, {{"env_steps", 123456789012.0}, {"rate", 0.125}, {"lag", std::nan("")}}).ok());
  auto read = ReadStatusFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->size(), 2u);
  EXPECT_EQ(read->at("env_steps"), 123456789012.0);
  EXPECT_EQ(read->at("rate"), 0.125);
  std::ofstream(path) << "{\"a\": oops}";
  EXPECT_FALSE(ReadStatusFile(path).ok());
  EXPECT_TRUE(absl::IsNotFound(ReadStatusFile(path + ".missing").status()));
}

}  // namespace
}  // namespace mimic
