#include "common/thread_pool.h"

#include <algorithm>
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

void ThreadPool::ParallelFor(int n, const std::function<void(int, int)>& fn) {
  if (n <= 0) return;
  const int chunks = std::min(n, num_workers() + 1);
  if (chunks == 1) {
    fn(0, n);
    return;
  }
  // chunk c covers [c*n/chunks, (c+1)*n/chunks); the caller runs chunk 0
  absl::BlockingCounter pending(chunks - 1);
  for (int c = 1; c < chunks; ++c) {
    const int begin = static_cast<int>(static_cast<long>(n) * c / chunks);
    const int end = static_cast<int>(static_cast<long>(n) * (c + 1) / chunks);
    Schedule([&fn, &pending, begin, end] {
      fn(begin, end);
      pending.DecrementCount();
    });
  }
  fn(0, static_cast<int>(static_cast<long>(n) / chunks));
  pending.Wait();
}

}  // namespace mimic
