#include "common/process_supervisor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace mimic {

ProcessSupervisor::~ProcessSupervisor() {
  for (auto& [name, child] : children_) {
    if (child.pid > 0) {
      kill(child.pid, SIGKILL);
      waitpid(child.pid, nullptr, 0);
    }
  }
}

absl::Status ProcessSupervisor::Start(const ProcessSpec& spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError(absl::StrCat("process '", spec.name, "' has no argv"));
  if (children_.count(spec.name)) return absl::AlreadyExistsError(absl::StrCat("process '", spec.name, "' exists"));
  Child& child = children_[spec.name];
  child.spec = spec;
  child.backoff = options_.backoff_initial;
  absl::Status spawned = Spawn(child);
  if (!spawned.ok()) children_.erase(spec.name);
  return spawned;
}

absl::Status ProcessSupervisor::Spawn(Child& child) {
  const int log = open(child.spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) return absl::UnavailableError(absl::StrCat("cannot open ", child.spec.log_path, ": ", std::strerror(errno)));
  std::vector<char*> argv;
  for (const std::string& a : child.spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(log);
    return absl::UnavailableError(absl::StrCat("fork failed: ", std::strerror(errno)));
  }
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);  // the supervisor died before prctl took effect
    // the supervisor may block signals for sigwait; children start with none blocked
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    execv(argv[0], argv.data());
    std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  close(log);
  child.pid = pid;
  child.waiting_restart = false;
  WritePidFile();
  return absl::OkStatus();
}

std::string ProcessSupervisor::DescribeExit(int wait_status) {
  if (WIFSIGNALED(wait_status)) return absl::StrCat("killed by signal ", WTERMSIG(wait_status));
  return absl::StrCat("exited with code ", WEXITSTATUS(wait_status));
}

std::vector<std::string> ProcessSupervisor::Poll() {
  std::vector<std::string> events;
  for (auto& [name, child] : children_) {
    if (child.pid > 0) {
      int status = 0;
      if (waitpid(child.pid, &status, WNOHANG) != child.pid) continue;
      child.pid = 0;
      if (!child.spec.restart) {
        events.push_back(absl::StrCat(name, " ", DescribeExit(status)));
        continue;
      }
      child.waiting_restart = true;
      child.restart_at = absl::Now() + child.backoff;
      events.push_back(absl::StrCat(name, " ", DescribeExit(status), "; restarting in ",
                                    absl::FormatDuration(child.backoff)));
      child.backoff = std::min(options_.backoff_max, child.backoff * 2);
    } else if (child.waiting_restart && absl::Now() >= child.restart_at) {
      absl::Status spawned = Spawn(child);
      if (spawned.ok()) {
        ++child.restarts;
        events.push_back(absl::StrCat(name, " restarted (pid ", child.pid, ", restart ", child.restarts, ")"));
      } else {
        child.restart_at = absl::Now() + child.backoff;
        events.push_back(absl::StrCat(name, " could not restart: ", spawned.message()));
      }
    }
  }
  return events;
}

std::vector<std::string> ProcessSupervisor::StopAll(const std::vector<std::vector<std::string>>& groups,
                                                    absl::Duration grace) {
  std::vector<std::string> events;
  for (const auto& group : groups) {
    for (const std::string& name : group) {
      auto it = children_.find(name);
      if (it == children_.end()) continue;
      it->second.waiting_restart = false;
      if (it->second.pid > 0) kill(it->second.pid, SIGTERM);
    }
    const absl::Time deadline = absl::Now() + grace;
    for (const std::string& name : group) {
      auto it = children_.find(name);
      if (it == children_.end() || it->second.pid <= 0) continue;
      Child& child = it->second;
      int status = 0;
      bool killed = false;
      while (waitpid(child.pid, &status, WNOHANG) == 0) {
        if (absl::Now() >= deadline) {
          kill(child.pid, SIGKILL);
          waitpid(child.pid, &status, 0);
          killed = true;
          break;
        }
        absl::SleepFor(absl::Milliseconds(20));
      }
      events.push_back(killed ? absl::StrCat(name, " did not stop within ", absl::FormatDuration(grace), "; killed")
                              : absl::StrCat(name, " stopped: ", DescribeExit(status)));
      child.pid = 0;
    }
  }
  WritePidFile();
  return events;
}

pid_t ProcessSupervisor::pid(const std::string& name) const {
  auto it = children_.find(name);
  return it == children_.end() ? 0 : it->second.pid;
}

int ProcessSupervisor::restarts(const std::string& name) const {
  auto it = children_.find(name);
  return it == children_.end() ? 0 : it->second.restarts;
}

std::vector<std::string> ProcessSupervisor::names() const {
  std::vector<std::string> out;
  for (const auto& [name, child] : children_) out.push_back(name);
  return out;
}

void ProcessSupervisor::WritePidFile() const {
  if (options_.pid_file.empty()) return;
  const std::string temp = options_.pid_file + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    for (const auto& [name, child] : children_) {
      if (child.pid > 0) out << name << " " << child.pid << "\n";
    }
  }
  std::rename(temp.c_str(), options_.pid_file.c_str());
}

absl::StatusOr<int> FreeLocalPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError("cannot open a socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return absl::UnavailableError("cannot bind a free port on 127.0.0.1");
  }
  const int port = ntohs(address.sin_port);
  close(fd);
  return port;
}

}  // namespace mimic
