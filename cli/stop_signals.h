// SIGTERM / SIGINT as a stop request: blocked in every thread, and a waiter thread turns the
// first one into a Notification the service's loop checks. Call before starting any thread.
#ifndef MIMIC_CLI_STOP_SIGNALS_H_
#define MIMIC_CLI_STOP_SIGNALS_H_

#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"

namespace mimic::cli {

class StopSignals {
 public:
  explicit StopSignals(std::string name) : name_(std::move(name)) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    waiter_ = std::thread([this] {
      int signal = 0;
      sigwait(&set_, &signal);
      std::printf("%s: %s received, stopping\n", name_.c_str(), signal == SIGTERM ? "SIGTERM" : "SIGINT");
      stop_.Notify();
    });
  }
  // Lives as long as the command: the waiter still blocked in sigwait ends with the process.
  ~StopSignals() {
    if (stop_.HasBeenNotified()) waiter_.join();
    else waiter_.detach();
  }
  absl::Notification& stop() { return stop_; }

 private:
  std::string name_;
  sigset_t set_;
  absl::Notification stop_;
  std::thread waiter_;
};

}  // namespace mimic::cli

#endif  // MIMIC_CLI_STOP_SIGNALS_H_
