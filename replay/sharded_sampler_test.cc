// The sharded sampler against real replay servers on loopback: every shard is served, nothing is
// lost or duplicated, and one shard that is empty or gone does not stall the others.
#include "replay/sharded_sampler.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/tensor_util.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "replay/replay_server.h"

namespace mimic::replay {
namespace {

Unroll TaggedItem(int shard, int seq) {
  Unroll u;
  const float data[4] = {1, 2, 3, 4};
  (*u.mutable_tensors())["x"] = MakeFloatTensor({4}, data);
  u.set_actor_id(shard);
  u.set_first_frame(seq);
  return u;
}

std::unique_ptr<ReplayServer> StartShard(const std::string& table = "q") {
  ReplayConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      absl::StrCat("tables { name: '", table, "' max_size: 1000 queue {} }"), &config));
  config.set_address("127.0.0.1:0");
  auto server = ReplayServer::Start(config);
  EXPECT_TRUE(server.ok()) << server.status();
  return *std::move(server);
}

std::string Address(const ReplayServer& s) { return absl::StrCat("127.0.0.1:", s.port()); }

// (shard, sequence) of a sampled item
std::pair<int, int> Tag(const SampledView& v) {
  absl::StatusOr<Unroll> u = v.item->ToUnroll();
  EXPECT_TRUE(u.ok()) << u.status();
  return u.ok() ? std::make_pair(u->actor_id(), static_cast<int>(u->first_frame())) : std::make_pair(-1, -1);
}

void Fill(const ReplayServer& shard, int shard_id, int items) {
  auto writer = ReplayWriter::ForAddress(Address(shard), {});
  TablePriority tp;
  tp.set_table("q");
  tp.set_priority(1);
  for (int i = 0; i < items; ++i) ASSERT_TRUE(writer->Insert(TaggedItem(shard_id, i), {tp}).ok());
  ASSERT_TRUE(writer->Flush(absl::Seconds(10)).ok());
}

SamplerOptions Options(int batch) {
  SamplerOptions options;
  options.table = "q";
  options.batch_size = batch;
  options.prefetch_batches = 1;
  return options;
}

TEST(ShardedSamplerTest, DeliversEveryItemOfEveryShardOnce) {
  std::vector<std::unique_ptr<ReplayServer>> servers;
  std::vector<std::string> addresses;
  for (int s = 0; s < 3; ++s) {
    servers.push_back(StartShard());
    addresses.push_back(Address(*servers.back()));
    Fill(*servers.back(), s, 8 * (s + 1));  // 8, 16 and 24 items: shards of different sizes
  }
  auto sampler = ShardedSampler::ForAddresses(addresses, Options(4));
  ASSERT_EQ(sampler->num_shards(), 3);
  std::set<std::pair<int, int>> seen;
  for (int b = 0; b < 12; ++b) {
    auto batch = sampler->NextViews(absl::Seconds(10));
    ASSERT_TRUE(batch.ok()) << batch.status();
    ASSERT_EQ(batch->size(), 4u);
    for (const SampledView& v : *batch) {
      EXPECT_TRUE(seen.insert(Tag(v)).second) << "shard " << Tag(v).first << " item " << Tag(v).second << " came twice";
    }
  }
  EXPECT_EQ(seen.size(), 48u);
  EXPECT_EQ(sampler->batches_per_shard(), (std::vector<int64_t>{2, 4, 6}));
  // all drained: the next call times out rather than blocking
  EXPECT_EQ(sampler->NextViews(absl::Milliseconds(300)).status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(ShardedSamplerTest, AShardThatIsGoneDoesNotStallTheOthers) {
  auto live = StartShard();
  auto gone = StartShard();
  const std::string gone_address = Address(*gone);
  gone->Shutdown(absl::Seconds(1)).IgnoreError();
  gone.reset();
  auto sampler = ShardedSampler::ForAddresses({gone_address, Address(*live)}, Options(2));
  Fill(*live, 1, 6);
  for (int b = 0; b < 3; ++b) {
    auto batch = sampler->NextViews(absl::Seconds(10));
    ASSERT_TRUE(batch.ok()) << batch.status();
    EXPECT_EQ(Tag((*batch)[0]).first, 1);
  }
  EXPECT_EQ(sampler->batches_per_shard(), (std::vector<int64_t>{0, 3}));
}

TEST(ShardedSamplerTest, AShardsErrorNamesTheShardAndTheOthersKeepServing) {
  auto good = StartShard();
  auto wrong = StartShard("other");  // lacks table 'q': NOT_FOUND
  Fill(*good, 0, 4);
  auto sampler = ShardedSampler::ForAddresses({Address(*good), Address(*wrong)}, Options(2));
  int batches = 0, errors = 0;
  while (batches < 2) {
    auto batch = sampler->NextViews(absl::Seconds(10));
    if (batch.ok()) {
      ++batches;
      continue;
    }
    ++errors;
    ASSERT_EQ(batch.status().code(), absl::StatusCode::kNotFound) << batch.status();
    EXPECT_NE(batch.status().message().find(Address(*wrong)), std::string::npos) << batch.status();
    ASSERT_LT(errors, 10);
  }
  EXPECT_GE(errors + batches, 2);
}

TEST(ShardedSamplerTest, OneShardIsSampledDirectly) {
  auto shard = StartShard();
  Fill(*shard, 0, 4);
  auto sampler = ShardedSampler::ForAddresses({Address(*shard)}, Options(4));
  auto batch = sampler->NextViews(absl::Seconds(10));
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->size(), 4u);
  EXPECT_EQ(sampler->batches_per_shard(), (std::vector<int64_t>{1}));
}

}  // namespace
}  // namespace mimic::replay
