#include "common/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include "absl/synchronization/blocking_counter.h"

namespace mimic {

ThreadPool::ThreadPool(int num_workers) {
  workers_.reserve(std::max(0, num_workers));
  for (int i = 0; i < num_workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::Schedule(std::function<void()> fn) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(fn));
}

bool ThreadPool::HasWorkOrStopping() const { return stopping_ || !queue_.empty(); }

void ThreadPool::WorkerLoop() {
  while (true) {
    std::function<void()> fn;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &ThreadPool::HasWorkOrStopping));
      // drain the queue before stopping so scheduled work is never dropped
      if (queue_.empty()) return;
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    fn();
  }
}

void ThreadPool::ParallelFor(int n, const std::function<void(int, int)>& fn, int grain) {
  if (n <= 0) return;
  grain = std::max(1, grain);
  const int chunks = (n + grain - 1) / grain;
  const int helpers = std::min(num_workers(), chunks - 1);
  if (helpers == 0) {
    fn(0, n);
    return;
  }
  // every participant takes the next unclaimed chunk until none are left
  std::atomic<int> next{0};
  auto drain = [&fn, &next, n, grain] {
    for (int c; (c = next.fetch_add(1, std::memory_order_relaxed)) * grain < n;) {
      fn(c * grain, std::min(n, (c + 1) * grain));
    }
  };
  absl::BlockingCounter pending(helpers);
  for (int h = 0; h < helpers; ++h) {
    Schedule([&drain, &pending] {
      drain();
      pending.DecrementCount();
    });
  }
  drain();
  pending.Wait();
}

}  // namespace mimic
