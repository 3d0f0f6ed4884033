// Runs named child processes, restarts the ones that die (with backoff), and stops them all in
// a given order: SIGTERM first, SIGKILL after a grace period. Children get their own process
// group (a terminal's Ctrl-C reaches only the supervisor, which then stops them in order) and die
// with the supervisor (PR_SET_PDEATHSIG), so a killed launcher leaves nothing behind.
#ifndef MIMIC_COMMON_PROCESS_SUPERVISOR_H_
#define MIMIC_COMMON_PROCESS_SUPERVISOR_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mimic {

struct ProcessSpec {
  std::string name;
  std::vector<std::string> argv;  // argv[0] is the executable's path
  std::string log_path;           // stdout and stderr, appended
  bool restart = true;            // restart when it exits for any reason while running
};

struct SupervisorOptions {
  absl::Duration backoff_initial = absl::Seconds(1);
  absl::Duration backoff_max = absl::Seconds(10);
  std::string pid_file;  // "name pid" lines, rewritten on every (re)start; empty = none
};

class ProcessSupervisor {
 public:
  explicit ProcessSupervisor(SupervisorOptions options) : options_(std::move(options)) {}
  ~ProcessSupervisor();  // kills what is still running

  absl::Status Start(const ProcessSpec& spec);
  // Reaps children that exited and restarts those due. Returns one line per event.
  std::vector<std::string> Poll();
  // SIGTERM to each group in order, waiting up to `grace` for the group before SIGKILL.
  std::vector<std::string> StopAll(const std::vector<std::vector<std::string>>& groups, absl::Duration grace);

  pid_t pid(const std::string& name) const;  // 0 when not running
  int restarts(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  struct Child {
    ProcessSpec spec;
    pid_t pid = 0;
    int restarts = 0;
    absl::Time restart_at = absl::InfinitePast();
    bool waiting_restart = false;
    absl::Duration backoff;
  };
  absl::Status Spawn(Child& child);
  void WritePidFile() const;
  static std::string DescribeExit(int wait_status);

  SupervisorOptions options_;
  std::map<std::string, Child> children_;
};

// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's pick).
absl::StatusOr<int> FreeLocalPort();

}  // namespace mimic

#endif  // MIMIC_COMMON_PROCESS_SUPERVISOR_H_
