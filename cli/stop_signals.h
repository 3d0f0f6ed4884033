// SIGTERM / SIGINT as a stop request. A handler (not a blocked mask: libraries start threads
// before main, and any of them may receive a process-directed signal) writes to a pipe; a waiter
// thread turns the first signal into a Notification the service's loop checks. A second signal
// while stopping ends the process at once.
#ifndef MIMIC_CLI_STOP_SIGNALS_H_
#define MIMIC_CLI_STOP_SIGNALS_H_

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"

namespace mimic::cli {

class StopSignals {
 public:
  explicit StopSignals(std::string name) : name_(std::move(name)) {
    if (pipe2(Pipe(), O_CLOEXEC) != 0) Pipe()[0] = Pipe()[1] = -1;
    struct sigaction action {};
    action.sa_handler = &OnSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    waiter_ = std::thread([this] {
      int signal = 0;
      if (read(Pipe()[0], &signal, sizeof(signal)) != sizeof(signal)) return;
      std::printf("%s: %s received, stopping\n", name_.c_str(), signal == SIGTERM ? "SIGTERM" : "SIGINT");
      std::fflush(stdout);
      stop_.Notify();
    });
  }
  // Lives as long as the command: a waiter still blocked in read() ends with the process.
  ~StopSignals() {
    if (stop_.HasBeenNotified()) waiter_.join();
    else waiter_.detach();
  }
  absl::Notification& stop() { return stop_; }

 private:
  static int* Pipe() {
    static int fds[2] = {-1, -1};
    return fds;
  }
  static void OnSignal(int signal) {
    static volatile sig_atomic_t received = 0;
    if (received) _exit(128 + signal);  // asked twice: stop now
    received = 1;
    (void)!write(Pipe()[1], &signal, sizeof(signal));
  }

  std::string name_;
  absl::Notification stop_;
  std::thread waiter_;
};

}  // namespace mimic::cli

#endif  // MIMIC_CLI_STOP_SIGNALS_H_
