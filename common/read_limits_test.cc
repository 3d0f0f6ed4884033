#include "common/read_limits.h"

#include <unistd.h>

#include <fstream>
#include <thread>

#include "gtest/gtest.h"

namespace mimic {
namespace {

TEST(ReadLimitsTest, RefusesAnArrayLargerThanTheCeilingWithoutABudget) {
  EXPECT_TRUE(ChargeRead(1 << 20, "small").ok());
  const absl::Status huge = ChargeRead(kMaxArrayBytes + 1, "/x in f.h5");
  EXPECT_EQ(huge.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(huge.message().find("/x in f.h5"), std::string::npos);
  // 200000 x 200000 doubles, computed without overflow
  EXPECT_EQ(CheckedBytes(int64_t{200000} * 200000, 8, "a").status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(CheckedBytes(int64_t{1} << 62, 8, "b").status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(*CheckedBytes(1000, 8, "c"), 8000);
}

TEST(ReadLimitsTest, ABudgetBoundsEveryReadOfItsThreadTogether) {
  ScopedReadBudget budget(1000);
  EXPECT_TRUE(ChargeRead(600, "first").ok());
  const absl::Status second = ChargeRead(600, "second");
  EXPECT_EQ(second.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(second.message().find("second"), std::string::npos);
  EXPECT_EQ(budget.used(), 600);  // a refused charge takes nothing
  EXPECT_TRUE(ChargeRead(400, "third").ok());
  {
    // an inner budget cannot grant more than the outer one has left
    ScopedReadBudget inner(1 << 20);
    EXPECT_FALSE(ChargeRead(1, "inner").ok());
  }
  EXPECT_EQ(budget.used(), 1000);
}

TEST(ReadLimitsTest, BudgetsBelongToTheirThread) {
  ScopedReadBudget budget(10);
  bool other_ok = false;
  std::thread other([&] { other_ok = ChargeRead(1000, "elsewhere").ok(); });
  other.join();
  EXPECT_TRUE(other_ok);
}

TEST(ReadLimitsTest, ReadsAFileOnlyWhenItsSizeFits) {
  const std::string path = ::testing::TempDir() + "/read_limits.txt";
  std::ofstream(path) << std::string(2000, 'x');
  {
    ScopedReadBudget budget(1000);
    auto text = ReadFileBounded(path, "labels");
    EXPECT_EQ(text.status().code(), absl::StatusCode::kResourceExhausted);
    EXPECT_EQ(ChargeFileRead(path, 1, "spikes").code(), absl::StatusCode::kResourceExhausted);
  }
  auto text = ReadFileBounded(path, "labels");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(text->size(), 2000u);
  EXPECT_EQ(ReadFileBounded(path + ".missing", "labels").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadFileBounded(::testing::TempDir(), "labels").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ReadLimitsTest, APipeIsChargedAsItArrives) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::thread writer([&] {
    const std::string text(5000, 'p');
    (void)!write(fds[1], text.data(), text.size());
    close(fds[1]);
  });
  const std::string path = "/proc/self/fd/" + std::to_string(fds[0]);
  {
    ScopedReadBudget budget(1000);
    EXPECT_EQ(ReadFileBounded(path, "labels").status().code(), absl::StatusCode::kResourceExhausted);
  }
  writer.join();
  close(fds[0]);
}

}  // namespace
}  // namespace mimic
