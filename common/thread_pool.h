// A fixed-size pool of worker threads with a blocking ParallelFor.
//
// Thread safety: Schedule and ParallelFor may be called from any thread. The destructor waits for
// scheduled work to finish. Work must not throw.
#ifndef MIMIC_COMMON_THREAD_POOL_H_
#define MIMIC_COMMON_THREAD_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace mimic {

class ThreadPool {
 public:
  // `num_workers` may be 0: ParallelFor then runs everything on the calling thread.
  explicit ThreadPool(int num_workers);
  ~ThreadPool();

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_workers() const { return static_cast<int>(workers_.size()); }

  // Runs `fn` on some worker, later.
  void Schedule(std::function<void()> fn);

  // Calls fn(begin, end) over chunks of [0, n) of at most `grain` indices, handed out on demand
  // to the workers and the calling thread (which takes part), so uneven work balances itself.
  // Returns when every chunk is done.
  void ParallelFor(int n, const std::function<void(int begin, int end)>& fn, int grain = 1);

 private:
  void WorkerLoop();
  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace mimic

#endif  // MIMIC_COMMON_THREAD_POOL_H_
