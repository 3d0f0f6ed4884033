// The replay server against abusive requests, over loopback: each is refused before the server
// does work or takes memory in proportion to it, and the server keeps serving. Also its bearer
// token on every call.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/tensor_util.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "replay/replay_client.h"
#include "replay/checkpoint_io.h"
#include "replay/cord_wire.h"
#include "replay/replay_server.h"

namespace mimic::replay {
namespace {

ReplayConfig Config(const std::string& text) {
  ReplayConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  config.set_address("127.0.0.1:0");
  return config;
}

std::string Address(const ReplayServer& server) { return absl::StrCat("127.0.0.1:", server.port()); }

Unroll ItemOf(int floats, float value = 1) {
  Unroll u;
  std::vector<float> data(floats, value);
  (*u.mutable_tensors())["x"] = MakeFloatTensor({floats}, data.data());
  return u;
}

// An unroll of `count` distinct one-float tensors (the 80k-tensor insert).
Unroll ManyTensors(int count) {
  Unroll u;
  const float one = 1;
  for (int i = 0; i < count; ++i) (*u.mutable_tensors())[absl::StrCat("t", i)] = MakeFloatTensor({1}, &one);
  return u;
}

InsertRequest Request(const std::string& writer, int64_t sequence, const Unroll& unroll, const std::string& table) {
  InsertRequest request;
  request.set_writer_id(writer);
  InsertItem* item = request.add_items();
  item->set_sequence(sequence);
  *item->mutable_item() = unroll;
  item->add_tables()->set_table(table);
  return request;
}

grpc::Status InsertOne(ReplayService::StubInterface& stub, const InsertRequest& request) {
  grpc::ClientContext context;
  auto stream = stub.Insert(&context);
  stream->Write(request);
  stream->WritesDone();
  InsertResponse ack;
  while (stream->Read(&ack)) {
  }
  return stream->Finish();
}

int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

TEST(ReplayLimitsTest, AnInsertOf80000TensorsIsRefusedAtTheLimit) {
  auto server = ReplayServer::Start(Config("tables { name: 't' max_size: 10 }"));
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = ChannelStubFactory(Address(**server))();
  // the attack: one item of 80k tensors cost the server 18 s of CPU (an O(n^2) name
  // check); the parse now stops at the 257th tensor
  const grpc::Status refused = InsertOne(*stub, Request("w", 1, ManyTensors(80000), "t"));
  EXPECT_EQ(refused.error_code(), grpc::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_NE(refused.error_message().find("more than 256 tensors"), std::string::npos) << refused.error_message();
  EXPECT_EQ((*server)->core().Info().tables(0).size(), 0);
  EXPECT_TRUE(InsertOne(*stub, Request("w", 2, ItemOf(4), "t")).ok());
}

TEST(ReplayLimitsTest, TensorNamesAreCheckedInLinearTime) {
  // with the limit lifted, 80k distinct names parse in one pass (the pairwise scan took ~18 s)
  WireLimits lifted;
  lifted.max_tensors_per_item = 100000;
  const absl::Cord bytes(ManyTensors(80000).SerializeAsString());
  const absl::Time start = absl::Now();
  auto item = StoredItem::Parse(bytes, lifted);
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ((*item)->tensors().size(), 80000u);
  EXPECT_LT(took, absl::Seconds(3));
  // and a duplicate name is still found
  Unroll twice = ManyTensors(3);
  std::string wire = twice.SerializeAsString() + twice.SerializeAsString();
  EXPECT_NE(StoredItem::Parse(absl::Cord(wire), lifted).status().message().find("appears twice"), std::string::npos);
}

TEST(ReplayLimitsTest, TooManyItemsInOneMessageAreRefusedBeforeAnyIsInserted) {
  auto server = ReplayServer::Start(Config("tables { name: 't' max_size: 100 } max_items_per_message: 4"));
  ASSERT_TRUE(server.ok());
  auto stub = ChannelStubFactory(Address(**server))();
  InsertRequest five = Request("w", 1, ItemOf(4), "t");
  for (int i = 2; i <= 5; ++i) *five.add_items() = Request("w", i, ItemOf(4), "t").items(0);
  const grpc::Status refused = InsertOne(*stub, five);
  EXPECT_EQ(refused.error_code(), grpc::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("max_items_per_message"), std::string::npos) << refused.error_message();
  EXPECT_EQ((*server)->core().Info().tables(0).size(), 0);
}

TEST(ReplayLimitsTest, ASampleOfTwentyMillionItemsIsRefusedWithoutGrowingMemory) {
  auto server = ReplayServer::Start(Config("tables { name: 'u' max_size: 100 }"));
  ASSERT_TRUE(server.ok());
  auto stub = ChannelStubFactory(Address(**server))();
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(InsertOne(*stub, Request("w", i, ItemOf(256), "u")).ok());
  // the attack: a 15-byte request for batches of 20,000,000 grew the server to 12.9 GB
  const int64_t before = ResidentBytes();
  grpc::ClientContext context;
  SampleRequest huge;
  huge.set_table("u");
  huge.set_batch_size(20'000'000);
  huge.set_num_batches(1);
  auto reader = stub->Sample(&context, huge);
  SampleResponse response;
  EXPECT_FALSE(reader->Read(&response));
  const grpc::Status refused = reader->Finish();
  EXPECT_EQ(refused.error_code(), grpc::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("max_batch_size"), std::string::npos) << refused.error_message();
  EXPECT_LT(ResidentBytes() - before, int64_t{64} << 20);
  // still serving
  ReplaySampler sampler(ChannelStubFactory(Address(**server)), {"u", 4});
  auto batch = sampler.Next(absl::Seconds(5));
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->size(), 4u);
}

TEST(ReplayLimitsTest, ABatchThatCouldPassTheMessageLimitTakesNothingFromAQueue) {
  // 20 items of 100 KB in a queue; a batch of 16 could reach 1.6 MB against a 1 MB limit
  ReplayConfig config = Config("tables { name: 'q' max_size: 100 queue {} }");
  config.set_max_message_bytes(1 << 20);
  auto server = ReplayServer::Start(config);
  ASSERT_TRUE(server.ok());
  auto stub = ChannelStubFactory(Address(**server))();
  for (int i = 1; i <= 20; ++i) ASSERT_TRUE(InsertOne(*stub, Request("w", i, ItemOf(25000), "q")).ok());
  ReplaySampler sampler(ChannelStubFactory(Address(**server)), {"q", 16});
  auto batch = sampler.Next(absl::Seconds(5));
  EXPECT_EQ(batch.status().code(), absl::StatusCode::kResourceExhausted) << batch.status();
  EXPECT_EQ((*server)->core().Info().tables(0).size(), 20);  // nothing was drawn and dropped
  ReplaySampler small(ChannelStubFactory(Address(**server)), {"q", 8});
  auto ok = small.Next(absl::Seconds(5));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*server)->core().Info().tables(0).size(), 12);
}

TEST(ReplayLimitsTest, WriterStateIsKeptForTheMostRecentWritersOnly) {
  ReplayConfig config = Config("tables { name: 't' max_size: 10 } max_writers: 100");
  config.clear_address();
  auto core = ReplayCore::Create(config);
  ASSERT_TRUE(core.ok());
  auto insert = [&](const std::string& writer, int64_t sequence) {
    InsertCall call;
    call.writer_id = writer;
    call.sequence = sequence;
    TablePriority tp;
    tp.set_table("t");
    call.tables.push_back(tp);
    call.item = StoredItem::FromUnroll(ItemOf(1)).value();
    return (*core)->Insert(call, absl::Now() + absl::Seconds(5), nullptr).value();
  };
  // a client inventing a new writer id for every insert
  for (int w = 0; w < 1000; ++w) insert(absl::StrCat("writer-", w), 1);
  EXPECT_LE((*core)->Info().remembered_writers(), 100);
  // the most recent writers are still de-duplicated
  EXPECT_TRUE(insert("writer-999", 1).duplicate);
  EXPECT_FALSE(insert("writer-999", 2).duplicate);
}

TEST(ReplayLimitsTest, NamesThatAreNotUtf8AreRefused) {
  // found by fuzzing: a writer id that is not UTF-8 was kept in every later checkpoint, whose
  // header then no longer parsed; a tensor name that is not UTF-8 broke every sampler that
  // parses responses with generated code
  const std::string dir = ::testing::TempDir() + "/utf8_ckpt";
  std::filesystem::remove_all(dir);
  ReplayConfig config = Config("tables { name: 't' max_size: 10 }");
  config.set_checkpoint_dir(dir);
  auto server = ReplayServer::Start(config);
  ASSERT_TRUE(server.ok());
  auto stub = ChannelStubFactory(Address(**server))();
  const grpc::Status writer = InsertOne(*stub, Request("writer-\xff", 1, ItemOf(4), "t"));
  EXPECT_EQ(writer.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_NE(writer.error_message().find("UTF-8"), std::string::npos) << writer.error_message();
  Unroll bad_name;
  const float one = 1;
  (*bad_name.mutable_tensors())["x\xc3"] = MakeFloatTensor({1}, &one);
  EXPECT_EQ(InsertOne(*stub, Request("w", 1, bad_name, "t")).error_code(), grpc::INVALID_ARGUMENT);
  // the server's checkpoints stay readable
  ASSERT_TRUE(InsertOne(*stub, Request("w", 2, ItemOf(4), "t")).ok());
  auto checkpoint = (*server)->core().Checkpoint();
  ASSERT_TRUE(checkpoint.ok());
  EXPECT_TRUE(ReadCheckpoint(checkpoint->path()).ok());
  EXPECT_TRUE(IsValidUtf8("größe ✓ 𝄞"));
  for (const char* bad : {"\xff", "\xc0\x80", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
  }
}

TEST(ReplayLimitsTest, EveryCallNeedsTheServersToken) {
  ServerSecurity security;
  security.token = "replay-token";
  auto server = ReplayServer::Start(Config("tables { name: 't' max_size: 10 }"), security);
  ASSERT_TRUE(server.ok());
  auto anonymous = ChannelStubFactory(Address(**server))();
  EXPECT_EQ(InsertOne(*anonymous, Request("w", 1, ItemOf(4), "t")).error_code(), grpc::UNAUTHENTICATED);
  {
    grpc::ClientContext context;
    InfoResponse info;
    EXPECT_EQ(anonymous->Info(&context, InfoRequest(), &info).error_code(), grpc::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    CheckpointResponse checkpoint;
    EXPECT_EQ(anonymous->Checkpoint(&context, CheckpointRequest(), &checkpoint).error_code(), grpc::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    UpdatePrioritiesRequest request;
    request.set_table("t");
    UpdatePrioritiesResponse response;
    EXPECT_EQ(anonymous->UpdatePriorities(&context, request, &response).error_code(), grpc::UNAUTHENTICATED);
  }
  ReplaySampler sampler(ChannelStubFactory(Address(**server)), {"t", 1});
  EXPECT_EQ(sampler.Next(absl::Seconds(2)).status().code(), absl::StatusCode::kUnauthenticated);
  SamplerOptions flowing{"t", 1};
  flowing.prefetch_batches = 1;
  EXPECT_EQ(ReplaySampler::ForAddress(Address(**server), flowing)->NextViews(absl::Seconds(2)).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ((*server)->core().Info().tables(0).size(), 0);
  // with the token: the writer (raw stream) and the prefetching sampler
  ClientSecurity client;
  client.token = "replay-token";
  auto writer = ReplayWriter::ForAddress(Address(**server), {}, client);
  ASSERT_TRUE(writer->Insert(ItemOf(4), {[] { TablePriority tp; tp.set_table("t"); return tp; }()}).ok());
  ASSERT_TRUE(writer->Flush(absl::Seconds(5)).ok());
  auto views = ReplaySampler::ForAddress(Address(**server), flowing, client)->NextViews(absl::Seconds(5));
  ASSERT_TRUE(views.ok()) << views.status();
  EXPECT_EQ(views->size(), 1u);
}

}  // namespace
}  // namespace mimic::replay
