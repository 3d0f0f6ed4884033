#include "replay/table.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "common/tensor_util.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace mimic::replay {
namespace {

Unroll ItemUnroll(float value) {
  Unroll u;
  const float data[2] = {value, value};
  (*u.mutable_tensors())["x"] = MakeFloatTensor({2}, data);
  return u;
}

std::shared_ptr<const StoredItem> Stored(const Unroll& u) {
  auto stored = StoredItem::FromUnroll(u);
  EXPECT_TRUE(stored.ok()) << stored.status();
  return stored.ok() ? *stored : nullptr;
}

std::shared_ptr<const StoredItem> Item(float value) { return Stored(ItemUnroll(value)); }

std::unique_ptr<Table> MakeTable(const std::string& text_config) {
  TableConfig config;
  config.set_name("t");
  config.set_max_size(100);
  EXPECT_TRUE(google::protobuf::TextFormat::MergeFromString(text_config, &config)) << text_config;
  auto table = Table::Create(config, /*seed=*/3);
  EXPECT_TRUE(table.ok()) << table.status();
  return *std::move(table);
}

absl::Time Soon() { return absl::Now() + absl::Milliseconds(50); }

void InsertNow(Table& t, uint64_t key, double priority = 1) {
  ASSERT_TRUE(t.ReserveInsert(Soon(), nullptr).ok());
  t.CommitInsert(key, Item(key), priority, 8);
}

TEST(TableTest, BlocksSamplesUntilMinSizeIsReached) {
  auto t = MakeTable("min_size { min_size: 3 }");
  InsertNow(*t, 1);
  InsertNow(*t, 2);
  EXPECT_EQ(t->SampleOne(Soon(), nullptr).status().code(), absl::StatusCode::kDeadlineExceeded);
  InsertNow(*t, 3);
  EXPECT_TRUE(t->SampleOne(Soon(), nullptr).ok());
}

TEST(TableTest, BlockedSampleWakesWhenAnItemArrives) {
  auto t = MakeTable("min_size { min_size: 1 }");
  absl::Notification sampled;
  std::thread sampler([&] {
    auto s = t->SampleOne(absl::Now() + absl::Seconds(10), nullptr);
    EXPECT_TRUE(s.ok());
    EXPECT_EQ(s->item.key, 42u);
    sampled.Notify();
  });
  EXPECT_FALSE(sampled.WaitForNotificationWithTimeout(absl::Milliseconds(30)));
  InsertNow(*t, 42);
  EXPECT_TRUE(sampled.WaitForNotificationWithTimeout(absl::Seconds(5)));
  sampler.join();
}

TEST(TableTest, QueueDeliversEachItemOnceInOrderAndBlocksWhenFull) {
  auto t = MakeTable("max_size: 3 queue {}");
  for (uint64_t k = 1; k <= 3; ++k) InsertNow(*t, k);
  EXPECT_EQ(t->ReserveInsert(Soon(), nullptr).code(), absl::StatusCode::kDeadlineExceeded);
  for (uint64_t k = 1; k <= 3; ++k) {
    auto s = t->SampleOne(Soon(), nullptr);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->item.key, k);
  }
  EXPECT_EQ(t->Info().size(), 0);
  EXPECT_EQ(t->SampleOne(Soon(), nullptr).status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(TableTest, AQueueSizedPerWriterGrowsAndShrinksWithItsWriters) {
  auto t = MakeTable("max_size: 2 max_size_per_writer: 3 queue {}");
  EXPECT_EQ(t->capacity(), 2);
  for (uint64_t k = 1; k <= 2; ++k) InsertNow(*t, k);
  EXPECT_EQ(t->ReserveInsert(Soon(), nullptr).code(), absl::StatusCode::kDeadlineExceeded);
  // an insert waiting on a full queue is admitted as soon as a second writer raises the capacity
  absl::Notification admitted;
  std::thread waiter([&] {
    EXPECT_TRUE(t->ReserveInsert(absl::Now() + absl::Seconds(10), nullptr).ok());
    t->CommitInsert(3, Item(3), 1, 8);
    admitted.Notify();
  });
  EXPECT_FALSE(admitted.WaitForNotificationWithTimeout(absl::Milliseconds(30)));
  t->SetWriters(2);
  EXPECT_TRUE(admitted.WaitForNotificationWithTimeout(absl::Seconds(5)));
  waiter.join();
  EXPECT_EQ(t->capacity(), 6);
  EXPECT_EQ(t->Info().max_size(), 6);
  for (uint64_t k = 4; k <= 6; ++k) InsertNow(*t, k);
  EXPECT_EQ(t->ReserveInsert(Soon(), nullptr).code(), absl::StatusCode::kDeadlineExceeded);
  // back to one writer: nothing is dropped, inserts wait until samples drain it below 3
  t->SetWriters(1);
  EXPECT_EQ(t->capacity(), 3);
  EXPECT_EQ(t->Info().size(), 6);
  ASSERT_TRUE(t->SampleBatch(3, Soon(), nullptr).ok());
  EXPECT_EQ(t->ReserveInsert(Soon(), nullptr).code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(t->SampleOne(Soon(), nullptr).ok());
  EXPECT_TRUE(t->ReserveInsert(Soon(), nullptr).ok());
  t->CancelReservation();
  // no writers: the configured max_size is the floor
  t->SetWriters(0);
  EXPECT_EQ(t->capacity(), 2);
}

TEST(TableTest, AUniformTableSizedPerWriterTrimsToItsCapacity) {
  auto t = MakeTable("max_size: 2 max_size_per_writer: 4");
  t->SetWriters(2);
  for (uint64_t k = 1; k <= 8; ++k) InsertNow(*t, k);
  EXPECT_EQ(t->Info().size(), 8);
  InsertNow(*t, 9);
  EXPECT_EQ(t->Info().size(), 8);  // the oldest went
  t->SetWriters(1);
  InsertNow(*t, 10);
  EXPECT_EQ(t->Info().size(), 4);
}

TEST(TableTest, ATableWithoutAPerWriterSizeIgnoresWriters) {
  auto t = MakeTable("max_size: 3 queue {}");
  t->SetWriters(10);
  EXPECT_EQ(t->capacity(), 3);
}

TEST(TableTest, ATimedOutBatchTakesNothing) {
  auto t = MakeTable("max_size: 10 queue {}");
  for (uint64_t k = 1; k <= 3; ++k) InsertNow(*t, k);
  EXPECT_EQ(t->SampleBatch(5, Soon(), nullptr).status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(t->Info().size(), 3);
  EXPECT_EQ(t->SampleBatch(11, Soon(), nullptr).status().code(), absl::StatusCode::kInvalidArgument);
  auto batch = t->SampleBatch(3, Soon(), nullptr);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ((*batch)[2].item.key, 3u);
}

TEST(TableTest, SampleToInsertRatioStaysWithinItsBufferUnderConcurrency) {
  // 2 samples per insert, min size 10, buffer 20: inserts*2 - samples in [0, 40]
  auto t = MakeTable("max_size: 1000 sample_to_insert_ratio { samples_per_insert: 2 min_size: 10 error_buffer: 20 }");
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> next_key{1};
  std::atomic<int> violations{0};
  auto check = [&] {
    const TableInfo info = t->Info();
    const double diff = info.inserts() * 2.0 - info.samples();
    if (info.inserts() >= 10 && (diff < 0 - 2 || diff > 40 + 2)) violations++;
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < 3; ++w) {
    threads.emplace_back([&] {
      while (!stop) {
        if (t->ReserveInsert(absl::Now() + absl::Milliseconds(5), nullptr).ok()) {
          t->CommitInsert(next_key++, Item(0), 1, 8);
        }
        check();
      }
    });
  }
  for (int s = 0; s < 2; ++s) {
    threads.emplace_back([&] {
      while (!stop) {
        t->SampleOne(absl::Now() + absl::Milliseconds(5), nullptr).IgnoreError();
        check();
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(500));
  stop = true;
  for (auto& th : threads) th.join();
  const TableInfo info = t->Info();
  EXPECT_GT(info.inserts(), 50);
  EXPECT_GT(info.samples(), 100);
  const double diff = info.inserts() * 2.0 - info.samples();
  EXPECT_GE(diff, 0 - 2);  // one in-flight sample each side of a read
  EXPECT_LE(diff, 40);
  EXPECT_EQ(violations.load(), 0);
}

TEST(TableTest, RemoverKeepsTheTableAtMaxSize) {
  auto t = MakeTable("max_size: 3 remover: FIFO sampler: FIFO");
  for (uint64_t k = 1; k <= 5; ++k) InsertNow(*t, k);
  EXPECT_EQ(t->Info().size(), 3);
  EXPECT_EQ(t->Info().deletes(), 2);
  EXPECT_EQ(t->SampleOne(Soon(), nullptr)->item.key, 3u);
}

TEST(TableTest, MaxTimesSampledRemovesItems) {
  auto t = MakeTable("max_times_sampled: 2 sampler: FIFO");
  InsertNow(*t, 1);
  InsertNow(*t, 2);
  EXPECT_EQ(t->SampleOne(Soon(), nullptr)->item.key, 1u);
  EXPECT_EQ(t->SampleOne(Soon(), nullptr)->item.key, 1u);
  EXPECT_EQ(t->SampleOne(Soon(), nullptr)->item.key, 2u);
  EXPECT_EQ(t->Info().size(), 1);
}

TEST(TableTest, PriorityUpdatesApplyAndRejectNonsense) {
  auto t = MakeTable("sampler: PRIORITIZED");
  InsertNow(*t, 1, 1.0);
  InsertNow(*t, 2, 1.0);
  auto r = t->UpdatePriorities({{1, 0.0}, {99, 1.0}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, 1);
  EXPECT_EQ(r->second, 1);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(t->SampleOne(Soon(), nullptr)->item.key, 2u);
  EXPECT_EQ(t->UpdatePriorities({{2, std::nan("")}}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t->UpdatePriorities({{2, -1}}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TableTest, SignatureMismatchAndMalformedTensorsAreInvalid) {
  auto t = MakeTable("signature { name: 'x' dtype: DTYPE_FLOAT32 shape: -1 }");
  EXPECT_TRUE(t->CheckSignature(*Item(1)).ok());
  Unroll wrong_dtype = ItemUnroll(1);
  (*wrong_dtype.mutable_tensors())["x"].set_dtype(DTYPE_INT32);
  EXPECT_EQ(t->CheckSignature(*Stored(wrong_dtype)).code(), absl::StatusCode::kInvalidArgument);
  Unroll extra = ItemUnroll(1);
  (*extra.mutable_tensors())["y"] = (*extra.mutable_tensors())["x"];
  EXPECT_EQ(t->CheckSignature(*Stored(extra)).code(), absl::StatusCode::kInvalidArgument);
  Unroll wrong_rank = ItemUnroll(1);
  (*wrong_rank.mutable_tensors())["x"].add_shape(1);  // [2, 1]: still 8 bytes, but rank 2
  absl::Status s = t->CheckSignature(*Stored(wrong_rank));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("float32[2,1]"), std::string::npos) << s;
}

TEST(TableTest, CloseWakesWaitersWithUnavailable) {
  auto t = MakeTable("min_size { min_size: 1 }");
  std::thread waiter([&] {
    EXPECT_EQ(t->SampleOne(absl::Now() + absl::Seconds(30), nullptr).status().code(),
              absl::StatusCode::kUnavailable);
  });
  absl::SleepFor(absl::Milliseconds(20));
  t->Close();
  waiter.join();
}

TEST(TableTest, CancellationStopsAWait) {
  auto t = MakeTable("min_size { min_size: 1 }");
  std::atomic<bool> cancelled{false};
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(30));
    cancelled = true;
  });
  auto s = t->SampleOne(absl::Now() + absl::Seconds(30), [&] { return cancelled.load(); });
  EXPECT_EQ(s.status().code(), absl::StatusCode::kCancelled);
  canceller.join();
}

TEST(TableTest, SnapshotRestoreRoundTripsContentsPrioritiesAndCounters) {
  auto t = MakeTable("sampler: PRIORITIZED max_times_sampled: 5");
  for (uint64_t k = 1; k <= 4; ++k) InsertNow(*t, k, static_cast<double>(k));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(t->SampleOne(Soon(), nullptr).ok());
  std::vector<TableItem> items;
  const CheckpointTable state = t->Snapshot(&items);
  absl::flat_hash_map<uint64_t, std::shared_ptr<const StoredItem>> by_key;
  for (const auto& it : items) by_key[it.key] = it.item;
  auto restored = MakeTable("sampler: PRIORITIZED max_times_sampled: 5");
  ASSERT_TRUE(restored->Restore(state, by_key).ok());
  std::vector<TableItem> again;
  const CheckpointTable state2 = restored->Snapshot(&again);
  EXPECT_EQ(state.SerializeAsString(), state2.SerializeAsString());
  EXPECT_EQ(restored->Info().inserts(), 4);
  EXPECT_EQ(restored->Info().samples(), 3);
}

TEST(TableTest, ANegativePerWriterSizeIsRefused) {
  TableConfig config;
  config.set_name("t");
  config.set_max_size(3);
  config.set_max_size_per_writer(-1);
  auto table = Table::Create(config);
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find("max_size_per_writer"), std::string::npos);
}

TEST(TableTest, InvalidConfigsAreRefused) {
  TableConfig c;
  c.set_name("q");
  c.set_max_size(0);
  EXPECT_FALSE(Table::Create(c).ok());
  c.set_max_size(10);
  c.mutable_queue();
  c.set_sampler(UNIFORM);
  EXPECT_FALSE(Table::Create(c).ok());
  c.clear_sampler();
  c.mutable_sample_to_insert_ratio()->set_samples_per_insert(4);
  c.mutable_sample_to_insert_ratio()->set_min_size(1);
  c.mutable_sample_to_insert_ratio()->set_error_buffer(1);  // < samples_per_insert: deadlock
  EXPECT_FALSE(Table::Create(c).ok());
}

}  // namespace
}  // namespace mimic::replay
