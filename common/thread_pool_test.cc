#include "common/thread_pool.h"

#include <atomic>
#include <vector>

#include "gtest/gtest.h"

namespace mimic {
namespace {

TEST(ThreadPoolTest, ParallelForVisitsEveryIndexExactlyOnce) {
  for (int workers : {0, 1, 3}) {
    ThreadPool pool(workers);
    for (int n : {1, 2, 7, 100}) {
      std::vector<std::atomic<int>> visits(n);
      pool.ParallelFor(n, [&](int begin, int end) {
        for (int i = begin; i < end; ++i) visits[i]++;
      });
      for (int i = 0; i < n; ++i) EXPECT_EQ(visits[i].load(), 1) << "n=" << n << " i=" << i;
    }
  }
}

TEST(ThreadPoolTest, DestructorRunsAllScheduledWork) {
  std::atomic<int> done{0};
  {
    ThreadPool pool(2);
    for (int i = 0; i < 50; ++i) pool.Schedule([&done] { done++; });
  }
  EXPECT_EQ(done.load(), 50);
}

}  // namespace
}  // namespace mimic
