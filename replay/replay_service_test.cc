// The replay service for real: a server on loopback TCP, the client library, and raw stubs.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/health_check.h"
#include "common/tensor_util.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "replay/replay_client.h"
#include "replay/replay_server.h"

namespace mimic::replay {
namespace {

// An unroll tagged with its writer and sequence, so tests can account for every item.
Unroll TaggedItem(int writer, int seq, int floats = 16) {
  Unroll u;
  std::vector<float> data(floats, static_cast<float>(seq));
  (*u.mutable_tensors())["x"] = MakeFloatTensor({floats}, data.data());
  u.set_actor_id(writer);
  u.set_first_frame(seq);
  return u;
}

ReplayConfig Config(const std::string& tables_text, const std::string& checkpoint_dir = "") {
  ReplayConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(tables_text, &config)) << tables_text;
  config.set_address("127.0.0.1:0");
  config.set_checkpoint_dir(checkpoint_dir);
  return config;
}

std::string Address(const ReplayServer& server) { return absl::StrCat("127.0.0.1:", server.port()); }

std::vector<TablePriority> To(const std::string& table, double priority = 1.0) {
  TablePriority tp;
  tp.set_table(table);
  tp.set_priority(priority);
  return {tp};
}

// A one-item InsertRequest for raw-stub tests.
InsertRequest Request(int64_t sequence, const Unroll& unroll, const std::string& table) {
  InsertRequest request;
  InsertItem* item = request.add_items();
  item->set_sequence(sequence);
  *item->mutable_item() = unroll;
  item->add_tables()->set_table(table);
  return request;
}

std::string TempDir(const std::string& name) {
  const std::string dir = (std::filesystem::path(::testing::TempDir()) / name).string();
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(ReplayServiceTest, WriterAndSamplerRoundTripOverLoopback) {
  auto server = ReplayServer::Start(Config("tables { name: 'q' max_size: 100 queue {} }"));
  ASSERT_TRUE(server.ok()) << server.status();
  auto writer = ReplayWriter::ForAddress(Address(**server), {});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(writer->Insert(TaggedItem(0, i), To("q")).ok());
  ASSERT_TRUE(writer->Flush(absl::Seconds(10)).ok());
  EXPECT_EQ(writer->acknowledged(), 10);
  ReplaySampler sampler(ChannelStubFactory(Address(**server)), {"q", 5});
  for (int b = 0; b < 2; ++b) {
    auto batch = sampler.Next(absl::Seconds(5));
    ASSERT_TRUE(batch.ok()) << batch.status();
    ASSERT_EQ(batch->size(), 5u);
    for (int i = 0; i < 5; ++i) EXPECT_EQ((*batch)[i].item().first_frame(), 5 * b + i);
  }
  auto health = CheckHealth(grpc::CreateChannel(Address(**server), grpc::InsecureChannelCredentials()));
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_TRUE(*health);
}

TEST(ReplayServiceTest, OneSharedUnrollInsertedManyTimesArrivesWholeEachTime) {
  auto server = ReplayServer::Start(Config("tables { name: 'q' max_size: 100 queue {} }"));
  ASSERT_TRUE(server.ok()) << server.status();
  auto writer = ReplayWriter::ForAddress(Address(**server), {});
  auto shared = std::make_shared<const Unroll>(TaggedItem(2, 7, /*floats=*/4000));  // a referenced payload
  const Unroll original = *shared;
  std::weak_ptr<const Unroll> watch = shared;
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(writer->Insert(shared, To("q")).ok());
  shared.reset();  // the writer keeps it until the server has it
  ASSERT_TRUE(writer->Flush(absl::Seconds(10)).ok());
  EXPECT_EQ(writer->acknowledged(), 6);
  EXPECT_TRUE(watch.expired());  // and not longer
  EXPECT_FALSE(writer->Insert(std::shared_ptr<const Unroll>(), To("q")).ok());
  ReplaySampler sampler(ChannelStubFactory(Address(**server)), {"q", 6});
  auto batch = sampler.Next(absl::Seconds(5));
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->size(), 6u);
  for (const SampledItem& item : *batch) EXPECT_EQ(item.item().SerializeAsString(), original.SerializeAsString());
}

TEST(ReplayServiceTest, PrefetchingSamplerKeepsQueueOrderAndReportsErrors) {
  // through the generated stubs, and as raw bytes over a channel (the learner's way)
  for (const bool raw : {false, true}) {
    SCOPED_TRACE(raw ? "raw stream" : "stubs");
    auto server = ReplayServer::Start(Config("tables { name: 'q' max_size: 100 queue {} }"));
    ASSERT_TRUE(server.ok()) << server.status();
    const std::string address = Address(**server);
    SamplerOptions options;
    options.table = "q";
    options.batch_size = 4;
    options.prefetch_batches = 2;
    auto make = [&](const SamplerOptions& o) {
      return raw ? ReplaySampler::ForAddress(address, o) : std::make_unique<ReplaySampler>(ChannelStubFactory(address), o);
    };
    auto sampler = make(options);
    // nothing to sample yet: the deadline is honoured
    const absl::Time start = absl::Now();
    EXPECT_EQ(sampler->Next(absl::Milliseconds(200)).status().code(), absl::StatusCode::kDeadlineExceeded);
    EXPECT_LT(absl::Now() - start, absl::Seconds(2));
    ReplayWriter writer(ChannelStubFactory(address), {});
    for (int i = 0; i < 40; ++i) {
      Unroll item = TaggedItem(0, i);
      item.set_policy_version(100 + i);
      ASSERT_TRUE(writer.Insert(std::move(item), To("q")).ok());
    }
    ASSERT_TRUE(writer.Flush(absl::Seconds(10)).ok());
    for (int b = 0; b < 10; ++b) {
      if (b % 2 == 0) {
        auto batch = sampler->Next(absl::Seconds(5));
        ASSERT_TRUE(batch.ok()) << batch.status();
        ASSERT_EQ(batch->size(), 4u);
        for (int i = 0; i < 4; ++i) EXPECT_EQ((*batch)[i].item().first_frame(), 4 * b + i);
      } else {
        auto views = sampler->NextViews(absl::Seconds(5));
        ASSERT_TRUE(views.ok()) << views.status();
        ASSERT_EQ(views->size(), 4u);
        for (int i = 0; i < 4; ++i) {
          EXPECT_EQ((*views)[i].item->policy_version(), 100 + 4 * b + i);
          EXPECT_EQ((*views)[i].item->ToUnroll()->first_frame(), 4 * b + i);
          EXPECT_EQ((*views)[i].item->FindTensor("x")->data_bytes, 16 * 4);
        }
      }
    }
    options.table = "nope";
    auto unknown = make(options);
    auto refused = unknown->Next(absl::Seconds(5));
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kNotFound) << refused.status();
    EXPECT_NE(refused.status().message().find("'nope'"), std::string::npos) << refused.status();
    // reported once per stream; the next call tries again (and is refused again)
    EXPECT_EQ(unknown->NextViews(absl::Seconds(5)).status().code(), absl::StatusCode::kNotFound);
  }
}

TEST(ReplayServiceTest, BadInputIsRefusedAndTheServerKeepsServing) {
  auto server = ReplayServer::Start(
      Config("tables { name: 't' max_size: 10 signature { name: 'x' dtype: DTYPE_FLOAT32 shape: 16 } }"));
  ASSERT_TRUE(server.ok());
  auto stub = ChannelStubFactory(Address(**server))();
  auto insert_one = [&](const InsertRequest& request) {
    grpc::ClientContext context;
    auto stream = stub->Insert(&context);
    stream->Write(request);
    stream->WritesDone();
    InsertResponse ack;
    while (stream->Read(&ack)) {
    }
    return stream->Finish();
  };
  const InsertRequest unknown = Request(1, TaggedItem(0, 1), "nope");
  grpc::Status s = insert_one(unknown);
  EXPECT_EQ(s.error_code(), grpc::NOT_FOUND);
  EXPECT_NE(s.error_message().find("'nope'"), std::string::npos) << s.error_message();

  const InsertRequest mismatch = Request(2, TaggedItem(0, 2, /*floats=*/8), "t");
  EXPECT_EQ(insert_one(mismatch).error_code(), grpc::INVALID_ARGUMENT);

  InsertRequest malformed = Request(3, TaggedItem(0, 3), "t");
  (*malformed.mutable_items(0)->mutable_item()->mutable_tensors())["x"].mutable_data()->resize(10);
  s = insert_one(malformed);
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("bytes"), std::string::npos) << s.error_message();

  grpc::ClientContext context;
  SampleRequest bad_sample;
  bad_sample.set_table("nope");
  bad_sample.set_batch_size(1);
  auto reader = stub->Sample(&context, bad_sample);
  SampleResponse r;
  EXPECT_FALSE(reader->Read(&r));
  EXPECT_EQ(reader->Finish().error_code(), grpc::NOT_FOUND);

  // a flow-controlled sample stream must grant credit
  {
    grpc::ClientContext flow_context;
    auto flow = stub->SampleFlow(&flow_context);
    SampleFlowRequest no_credit;
    no_credit.mutable_request()->set_table("t");
    no_credit.mutable_request()->set_batch_size(1);
    flow->Write(no_credit);
    SampleResponse ignored;
    EXPECT_FALSE(flow->Read(&ignored));
    const grpc::Status refused = flow->Finish();
    EXPECT_EQ(refused.error_code(), grpc::INVALID_ARGUMENT);
    EXPECT_NE(refused.error_message().find("credit"), std::string::npos) << refused.error_message();
  }

  // still serving
  EXPECT_TRUE(insert_one(Request(4, TaggedItem(0, 4), "t")).ok());
  EXPECT_EQ((*server)->core().Info().tables(0).size(), 1);
  grpc::ClientContext flow_context;
  auto flow = stub->SampleFlow(&flow_context);
  SampleFlowRequest grant;
  grant.mutable_request()->set_table("t");
  grant.mutable_request()->set_batch_size(1);
  grant.set_credit(1);
  ASSERT_TRUE(flow->Write(grant));
  SampleResponse one;
  ASSERT_TRUE(flow->Read(&one));
  EXPECT_EQ(one.items(0).item().first_frame(), 4);
  flow_context.TryCancel();
  flow->Finish();
}

TEST(ReplayServiceTest, ItemsBeforeARefusedOneInTheSameMessageAreInsertedAndAcknowledged) {
  auto server = ReplayServer::Start(
      Config("tables { name: 't' max_size: 10 signature { name: 'x' dtype: DTYPE_FLOAT32 shape: 16 } }"));
  ASSERT_TRUE(server.ok());
  auto stub = ChannelStubFactory(Address(**server))();
  InsertRequest request = Request(1, TaggedItem(0, 1), "t");
  request.set_writer_id("w");
  *request.add_items() = Request(2, TaggedItem(0, 2), "t").items(0);
  *request.add_items() = Request(3, TaggedItem(0, 3, /*floats=*/8), "t").items(0);  // wrong shape
  *request.add_items() = Request(4, TaggedItem(0, 4), "t").items(0);
  grpc::ClientContext context;
  auto stream = stub->Insert(&context);
  ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  std::vector<InsertResponse> acks;
  InsertResponse ack;
  while (stream->Read(&ack)) acks.push_back(ack);
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("sequence 3"), std::string::npos) << status.error_message();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].sequence(), 2);
  ASSERT_EQ(acks[0].keys_size(), 2);
  EXPECT_NE(acks[0].keys(0), acks[0].keys(1));
  EXPECT_EQ((*server)->core().Info().tables(0).size(), 2);  // items 1 and 2, not 4
}

TEST(ReplayServiceTest, OversizeMessagesAreResourceExhausted) {
  ReplayConfig config = Config("tables { name: 't' max_size: 10 }");
  config.set_max_message_bytes(64 << 10);
  auto server = ReplayServer::Start(config);
  ASSERT_TRUE(server.ok());
  // the client may send more than the server accepts
  auto stub = ChannelStubFactory(Address(**server), 8 << 20)();
  grpc::ClientContext context;
  auto stream = stub->Insert(&context);
  stream->Write(Request(1, TaggedItem(0, 1, /*floats=*/100000), "t"));
  stream->WritesDone();
  InsertResponse ack;
  while (stream->Read(&ack)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::RESOURCE_EXHAUSTED);

  // a batch larger than the limit is refused with an explanation
  // 8 items of 16 KB queue up into one message over the server's limit: the writer resends them
  // in smaller messages rather than dropping any
  // (the raw stream here; the stub path resends the same way)
  auto writer = ReplayWriter::ForAddress(Address(**server), {});
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(writer->Insert(TaggedItem(0, i, 4000), To("t")).ok());
  ASSERT_TRUE(writer->Flush(absl::Seconds(5)).ok());
  EXPECT_EQ(writer->acknowledged(), 8);
  EXPECT_EQ((*server)->core().Info().tables(0).size(), 8);
  ReplaySampler sampler(ChannelStubFactory(Address(**server)), {"t", 8});
  auto batch = sampler.Next(absl::Seconds(5));
  EXPECT_EQ(batch.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(batch.status().message().find("smaller batches"), std::string::npos) << batch.status();
  // the same through a prefetching sampler's flow-controlled stream
  SamplerOptions flowing{"t", 8};
  flowing.prefetch_batches = 2;
  auto views = ReplaySampler::ForAddress(Address(**server), flowing)->NextViews(absl::Seconds(5));
  EXPECT_EQ(views.status().code(), absl::StatusCode::kResourceExhausted) << views.status();
}

TEST(ReplayServiceTest, WriterReportsARefusedItemAndDeliversTheRest) {
  for (const bool raw : {false, true}) {
    SCOPED_TRACE(raw ? "raw stream" : "stubs");
    auto server = ReplayServer::Start(
        Config("tables { name: 't' max_size: 10 signature { name: 'x' dtype: DTYPE_FLOAT32 shape: 16 } }"));
    ASSERT_TRUE(server.ok());
    const std::string address = Address(**server);
    auto writer = raw ? ReplayWriter::ForAddress(address, {}) : std::make_unique<ReplayWriter>(ChannelStubFactory(address), WriterOptions{});
    ASSERT_TRUE(writer->Insert(TaggedItem(0, 1), To("t")).ok());
    ASSERT_TRUE(writer->Insert(TaggedItem(0, 2, 3), To("t")).ok());  // wrong shape
    ASSERT_TRUE(writer->Insert(TaggedItem(0, 3), To("t")).ok());
    absl::Status flushed = writer->Flush(absl::Seconds(10));
    EXPECT_EQ(flushed.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(writer->Flush(absl::Seconds(10)).ok());
    EXPECT_EQ((*server)->core().Info().tables(0).size(), 2);
  }
}

TEST(ReplayServiceTest, CheckpointRestoresContentsPrioritiesAndCounters) {
  const std::string dir = TempDir("ckpt_roundtrip");
  const std::string tables =
      "tables { name: 'p' max_size: 50 sampler: PRIORITIZED } tables { name: 'q' max_size: 50 queue {} }";
  std::string before;
  {
    auto server = ReplayServer::Start(Config(tables, dir));
    ASSERT_TRUE(server.ok());
    ReplayWriter writer(ChannelStubFactory(Address(**server)), {"w1"});
    for (int i = 0; i < 6; ++i) {
      std::vector<TablePriority> both = To("p", 1.0 + i);
      both.push_back(To("q")[0]);
      ASSERT_TRUE(writer.Insert(TaggedItem(1, i), both).ok());
    }
    ASSERT_TRUE(writer.Flush(absl::Seconds(5)).ok());
    ReplaySampler q(ChannelStubFactory(Address(**server)), {"q", 2});
    ASSERT_TRUE(q.Next(absl::Seconds(5)).ok());
    auto response = (*server)->core().Checkpoint();
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->items(), 6);  // stored once although in two tables
    before = (*server)->core().Info().DebugString();
    // no Shutdown checkpoint: simulate kill -9 by leaking nothing newer into the directory
    (*server)->core().Close();
  }
  auto restored = ReplayServer::Start(Config(tables, dir));
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_TRUE((*restored)->core().restored());
  InfoResponse after = (*restored)->core().Info();
  InfoResponse expected;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(before, &expected));
  for (int t = 0; t < 2; ++t) {
    EXPECT_EQ(after.tables(t).size(), expected.tables(t).size());
    EXPECT_EQ(after.tables(t).inserts(), expected.tables(t).inserts());
    EXPECT_EQ(after.tables(t).samples(), expected.tables(t).samples());
    EXPECT_EQ(after.tables(t).bytes(), expected.tables(t).bytes());
  }
  // the queue continues where it stopped
  ReplaySampler q(ChannelStubFactory(Address(**restored)), {"q", 4});
  auto rest = q.Next(absl::Seconds(5));
  ASSERT_TRUE(rest.ok());
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*rest)[i].item().first_frame(), 2 + i);
  // a writer with the same id resending an old sequence is not inserted twice
  ReplayWriter again(ChannelStubFactory(Address(**restored)), {"w1"});
  ASSERT_TRUE(again.Insert(TaggedItem(1, 0), To("q")).ok());  // sequence 1 again
  ASSERT_TRUE(again.Flush(absl::Seconds(5)).ok());
  EXPECT_EQ((*restored)->core().Info().tables(1).size(), 0);
}

TEST(ReplayServiceTest, ConcurrentWritersAndSamplersLoseAndDuplicateNothing) {
  auto server = ReplayServer::Start(Config("tables { name: 'q' max_size: 20 queue {} }"));
  ASSERT_TRUE(server.ok());
  const int writers = 3, per_writer = 150;
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      // writers alternate between raw byte streams and the generated stubs
      WriterOptions options{absl::StrCat("w", w), 8};
      options.max_message_bytes = 2000;  // a few items per message
      auto writer = w % 2 == 0 ? ReplayWriter::ForAddress(Address(**server), options)
                               : std::make_unique<ReplayWriter>(ChannelStubFactory(Address(**server)), options);
      for (int i = 0; i < per_writer; ++i) ASSERT_TRUE(writer->Insert(TaggedItem(w, i), To("q")).ok());
      ASSERT_TRUE(writer->Flush(absl::Seconds(20)).ok());
    });
  }
  std::mutex seen_mu;
  std::multiset<std::pair<int, int>> seen;
  std::atomic<int> total{0};
  for (int s = 0; s < 2; ++s) {
    threads.emplace_back([&, s] {
      // one sampler asks per batch, the other streams batches ahead
      SamplerOptions options;
      options.table = "q";
      options.batch_size = 5;
      options.prefetch_batches = 2 * s;
      ReplaySampler sampler(ChannelStubFactory(Address(**server)), options);
      const absl::Time stop = absl::Now() + absl::Seconds(30);
      while (total < writers * per_writer && absl::Now() < stop) {
        auto batch = sampler.Next(absl::Milliseconds(200));
        if (!batch.ok()) continue;
        std::lock_guard<std::mutex> lock(seen_mu);
        for (const auto& item : *batch) seen.emplace(item.item().actor_id(), item.item().first_frame());
        total += static_cast<int>(batch->size());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(static_cast<int>(seen.size()), writers * per_writer);
  std::set<std::pair<int, int>> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "duplicates delivered";
  // per writer, items arrive in order within each sampler; overall each one arrived once
  for (int w = 0; w < writers; ++w) {
    for (int i = 0; i < per_writer; ++i) EXPECT_EQ(unique.count({w, i}), 1u);
  }
}

TEST(ReplayServiceTest, ShutdownWithOpenStreamsFinishesWithinItsDeadline) {
  auto server = ReplayServer::Start(Config("tables { name: 'q' max_size: 1 queue {} }"));
  ASSERT_TRUE(server.ok());
  const std::string address = Address(**server);
  std::atomic<int> sampler_code{-1};
  std::thread blocked_sampler([&] {
    auto stub = ChannelStubFactory(address)();
    grpc::ClientContext context;
    SampleRequest request;
    request.set_table("q");
    request.set_batch_size(1);
    request.set_num_batches(0);
    auto reader = stub->Sample(&context, request);
    SampleResponse r;
    while (reader->Read(&r)) {
    }
    sampler_code = reader->Finish().error_code();
  });
  ReplayWriter writer(ChannelStubFactory(address), {"w", 1, {}, absl::Seconds(1)});
  absl::SleepFor(absl::Milliseconds(200));
  const absl::Time start = absl::Now();
  ASSERT_TRUE((*server)->Shutdown(absl::Seconds(2)).ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  blocked_sampler.join();
  EXPECT_NE(sampler_code.load(), 0);
}

TEST(ReplayServiceTest, WriterResendsARefusedOversizeMessageInHalves) {
  // Items inserted while no server is up queue in the writer, so on connecting it sends them all in
  // one message (8 x 16 KB under its 1 MB cap), which this server's 64 KB limit refuses.
  auto first = ReplayServer::Start(Config("tables { name: 't' max_size: 10 }"));
  ASSERT_TRUE(first.ok());
  const int port = (*first)->port();
  ASSERT_TRUE((*first)->Shutdown().ok());
  first->reset();
  for (const bool raw : {false, true}) {
    SCOPED_TRACE(raw ? "raw stream" : "stubs");
    const std::string address = absl::StrCat("127.0.0.1:", port);
    WriterOptions options{raw ? "raw" : "stub", 16};
    auto writer = raw ? ReplayWriter::ForAddress(address, options)
                      : std::make_unique<ReplayWriter>(ChannelStubFactory(address), options);
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(writer->Insert(TaggedItem(0, i, 4000), To("t")).ok());
    ReplayConfig config = Config("tables { name: 't' max_size: 10 }");
    config.set_address(address);
    config.set_max_message_bytes(64 << 10);
    auto server = ReplayServer::Start(config);
    ASSERT_TRUE(server.ok()) << server.status();
    // without the halving the writer would drop items as refused until the rest fit
    ASSERT_TRUE(writer->Flush(absl::Seconds(20)).ok());
    EXPECT_EQ(writer->acknowledged(), 8);
    EXPECT_EQ((*server)->core().Info().tables(0).size(), 8);
    writer->Close().IgnoreError();
    ASSERT_TRUE((*server)->Shutdown().ok());
  }
}

TEST(ReplayServiceTest, WriterReconnectsAfterTheServerRestarts) {
  const std::string dir = TempDir("ckpt_restart");
  const std::string tables = "tables { name: 'q' max_size: 100 queue {} }";
  auto server = ReplayServer::Start(Config(tables, dir));
  ASSERT_TRUE(server.ok());
  const int port = (*server)->port();
  // over raw byte streams, as actors write
  auto writer_object = ReplayWriter::ForAddress(absl::StrCat("127.0.0.1:", port), {"w", 4});
  ReplayWriter& writer = *writer_object;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(writer.Insert(TaggedItem(0, i), To("q")).ok());
  ASSERT_TRUE(writer.Flush(absl::Seconds(5)).ok());
  ASSERT_TRUE((*server)->Shutdown().ok());  // SIGTERM path: final checkpoint
  server->reset();
  // items written while the server is down wait in the writer
  for (int i = 5; i < 8; ++i) ASSERT_TRUE(writer.Insert(TaggedItem(0, i), To("q")).ok());
  ReplayConfig config = Config(tables, dir);
  config.set_address(absl::StrCat("127.0.0.1:", port));
  auto restarted = ReplayServer::Start(config);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  ASSERT_TRUE(writer.Flush(absl::Seconds(15)).ok());
  EXPECT_GE(writer.reconnects(), 1);
  ReplaySampler sampler(ChannelStubFactory(absl::StrCat("127.0.0.1:", port)), {"q", 8});
  auto batch = sampler.Next(absl::Seconds(5));
  ASSERT_TRUE(batch.ok()) << batch.status();
  for (int i = 0; i < 8; ++i) EXPECT_EQ((*batch)[i].item().first_frame(), i);
}

// Fetches http://127.0.0.1:port/metrics with a plain socket.
std::string FetchMetrics(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return "";
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
  (void)!write(fd, request.data(), request.size());
  std::string body;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) body.append(buf, n);
  close(fd);
  return body;
}

TEST(ReplayServiceTest, AQueueSizedPerWriterFollowsTheWritersConnected) {
  ReplayConfig config = Config("tables { name: 'q' max_size: 1 max_size_per_writer: 4 queue {} }");
  config.set_metrics_address("127.0.0.1:0");
  auto server = ReplayServer::Start(config);
  ASSERT_TRUE(server.ok()) << server.status();
  auto capacity = [&] { return (*server)->core().Info().tables(0).max_size(); };
  auto writers = [&] { return (*server)->core().Info().writers(); };
  EXPECT_EQ(capacity(), 1);
  {
    auto a = ReplayWriter::ForAddress(Address(**server), {.writer_id = "actor-a"});
    auto b = ReplayWriter::ForAddress(Address(**server), {.writer_id = "actor-b"});
    auto c = ReplayWriter::ForAddress(Address(**server), {.writer_id = "actor-c"});
    // each writer's stream opens with its first message; 12 items fit only once all three count
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(a->Insert(TaggedItem(0, i), To("q")).ok());
      ASSERT_TRUE(b->Insert(TaggedItem(1, i), To("q")).ok());
      ASSERT_TRUE(c->Insert(TaggedItem(2, i), To("q")).ok());
    }
    for (auto* w : {a.get(), b.get(), c.get()}) ASSERT_TRUE(w->Flush(absl::Seconds(10)).ok());
    EXPECT_EQ(writers(), 3);
    EXPECT_EQ(capacity(), 12);
    EXPECT_EQ((*server)->core().Info().tables(0).size(), 12);
    const std::string metrics = FetchMetrics((*server)->metrics_port());
    EXPECT_NE(metrics.find("mimic_replay_writers 3"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("mimic_replay_capacity_items{table=\"q\"} 12"), std::string::npos) << metrics;
    ASSERT_TRUE(c->Close().ok());
    c.reset();
    // the server sees the stream end shortly after the client closes it
    for (int i = 0; i < 200 && writers() != 2; ++i) absl::SleepFor(absl::Milliseconds(10));
    EXPECT_EQ(writers(), 2);
    EXPECT_EQ(capacity(), 8);
  }
  for (int i = 0; i < 200 && writers() != 0; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(writers(), 0);
  EXPECT_EQ(capacity(), 1);
}

TEST(ReplayServiceTest, ServesPrometheusMetrics) {
  ReplayConfig config = Config("tables { name: 'q' max_size: 7 queue {} }");
  config.set_metrics_address("127.0.0.1:0");
  auto server = ReplayServer::Start(config);
  ASSERT_TRUE(server.ok()) << server.status();
  ReplayWriter writer(ChannelStubFactory(Address(**server)), {});
  ASSERT_TRUE(writer.Insert(TaggedItem(0, 1), To("q")).ok());
  ASSERT_TRUE(writer.Flush(absl::Seconds(5)).ok());
  ReplaySampler sampler(ChannelStubFactory(Address(**server)), {.table = "nope"});
  ASSERT_TRUE(sampler.Info().ok());
  ASSERT_TRUE(sampler.Info().ok());
  ASSERT_FALSE(sampler.Next(absl::Seconds(1)).ok());  // unknown table
  const std::string metrics = FetchMetrics((*server)->metrics_port());
  EXPECT_NE(metrics.find("mimic_replay_items{table=\"q\"} 1"), std::string::npos) << metrics;
  // finished calls are counted by method and status code
  EXPECT_NE(metrics.find("mimic_replay_grpc_calls_total{code=\"OK\",method=\"/mimic.ReplayService/Info\"} 2"),
            std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mimic_replay_grpc_calls_total{code=\"NOT_FOUND\",method=\"/mimic.ReplayService/Sample\"} 1"),
            std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mimic_replay_grpc_call_seconds_count{method=\"/mimic.ReplayService/Info\"} 2"),
            std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mimic_replay_capacity_items{table=\"q\"} 7"), std::string::npos);
  EXPECT_NE(metrics.find("mimic_replay_inserts_total{table=\"q\"} 1"), std::string::npos);
}


// The peer addresses (client host:port) of the calls a test service saw, in order.
class PeerLog {
 public:
  void Add(const grpc::ServerContext* context) {
    absl::MutexLock lock(&mu_);
    peers_.push_back(context->peer());
  }
  std::vector<std::string> peers() {
    absl::MutexLock lock(&mu_);
    return peers_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> peers_;
};

// Answers every Info call, logging its peer.
class PeerRecordingService final : public ::mimic::ReplayService::Service {
 public:
  grpc::Status Info(grpc::ServerContext* context, const InfoRequest*, InfoResponse*) override {
    log.Add(context);
    return grpc::Status::OK;
  }
  PeerLog log;
};

// Refuses every Insert stream's first message as a bad item, logging the stream's peer.
class RefusingInsertService final : public ::mimic::ReplayService::Service {
 public:
  grpc::Status Insert(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<InsertResponse, InsertRequest>* stream) override {
    InsertRequest request;
    if (!stream->Read(&request)) return grpc::Status::OK;
    log.Add(context);
    return grpc::Status(grpc::INVALID_ARGUMENT, "refused for the test");
  }
  PeerLog log;
};

// `service` on an insecure loopback port; sets `address`.
std::unique_ptr<grpc::Server> StartLoopbackServer(grpc::Service* service, std::string* address) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  *address = absl::StrCat("127.0.0.1:", port);
  return server;
}

TEST(ReplayChannelTest, AWriterKeepsItsConnectionWhenTheServerRefusesAnItem) {
  // a refused item ends the stream, not the connection: no new TCP connection per refusal
  RefusingInsertService service;
  std::string address;
  std::unique_ptr<grpc::Server> server = StartLoopbackServer(&service, &address);
  ASSERT_NE(server, nullptr);
  auto writer = ReplayWriter::ForAddress(address, {.writer_id = "w"});
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(writer->Insert(TaggedItem(i, 1), To("t")).ok());
    EXPECT_FALSE(writer->Flush(absl::Seconds(10)).ok());  // the refusal
  }
  const std::vector<std::string> peers = service.log.peers();
  ASSERT_EQ(peers.size(), 3u);
  EXPECT_EQ(peers[0], peers[1]);
  EXPECT_EQ(peers[1], peers[2]);
  EXPECT_EQ(writer->reconnects(), 0);
  writer->Close(absl::ZeroDuration()).IgnoreError();
  server->Shutdown();
}

TEST(ReplayChannelTest, EveryChannelHasAConnectionOfItsOwn) {
  // Writers and samplers in one process must not queue on one shared TCP connection.
  PeerRecordingService service;
  std::string address;
  std::unique_ptr<grpc::Server> server = StartLoopbackServer(&service, &address);
  ASSERT_NE(server, nullptr);
  const ChannelFactory channels = ReplayChannelFactory(address);
  auto info = [](const std::shared_ptr<grpc::Channel>& channel) {
    grpc::ClientContext context;
    InfoRequest request;
    InfoResponse response;
    return ::mimic::ReplayService::NewStub(channel)->Info(&context, request, &response);
  };
  const std::shared_ptr<grpc::Channel> first = channels(), second = channels();
  ASSERT_TRUE(info(first).ok());
  ASSERT_TRUE(info(second).ok());
  ASSERT_TRUE(info(first).ok());
  const std::vector<std::string> peers = service.log.peers();
  ASSERT_EQ(peers.size(), 3u);
  EXPECT_NE(peers[0], peers[1]) << "two channels share the connection " << peers[0];
  EXPECT_EQ(peers[0], peers[2]) << "one channel reconnected between calls";
  server->Shutdown();
}

}  // namespace
}  // namespace mimic::replay
