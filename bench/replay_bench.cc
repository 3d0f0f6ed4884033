#include "bench/benchmarks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/args.h"
#include "common/tensor_util.h"
#include "replay/replay_client.h"
#include "replay/replay_server.h"

namespace mimic::bench {
namespace {

// An unroll shaped like the actors': 20 steps, 1000-float observations, 38 actions.
Unroll RealisticUnroll(int T) {
  constexpr int kObs = 1000, kAct = 38;
  Unroll u;
  auto add = [&u](const std::string& name, std::vector<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<float> data(n);
    for (int64_t i = 0; i < n; ++i) data[i] = static_cast<float>((i * 2654435761u) % 1000) / 1000.f;
    (*u.mutable_tensors())[name] = MakeFloatTensor(shape, data.data());
  };
  add("observation", {T + 1, kObs});
  add("action", {T, kAct});
  add("behaviour_mean", {T, kAct});
  add("behaviour_std", {T, kAct});
  add("behaviour_log_prob", {T});
  add("reward", {T});
  add("discount", {T});
  add("state/lstm_h", {2, 512});
  add("state/lstm_c", {2, 512});
  u.set_policy_version(1);
  return u;
}

struct Throughput {
  double inserts_per_s = 0, insert_bytes_per_s = 0, samples_per_s = 0, sample_bytes_per_s = 0;
};

struct GrpcSetup {
  int writers = 2;
  int batch = 32;            // items per sample batch; 0: no sampler
  int in_flight = 32;        // per writer (the writer's default)
  int64_t message_bytes = 1 << 20;  // per insert message
  int prefetch = 4;          // sample batches granted ahead (128 items; Reverb's default is 100 per stream)
};

Throughput MeasureGrpc(const Unroll& item, double seconds, const GrpcSetup& setup) {
  const int writers = setup.writers, batch = setup.batch;
  ReplayConfig config;
  config.set_address("127.0.0.1:0");
  TableConfig* table = config.add_tables();
  table->set_name("bench");
  table->set_max_size(1000);
  table->mutable_min_size()->set_min_size(1);
  auto server = replay::ReplayServer::Start(config);
  if (!server.ok()) return {};
  const std::string address = absl::StrCat("127.0.0.1:", (*server)->port());
  const int64_t item_bytes = static_cast<int64_t>(item.ByteSizeLong());
  TablePriority target;
  target.set_table("bench");
  target.set_priority(1);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> sampled{0};
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<replay::ReplayWriter>> writer_objects;
  for (int w = 0; w < writers; ++w) {
    replay::WriterOptions options;
    options.writer_id = absl::StrCat("bench", w);
    options.max_in_flight = setup.in_flight;
    options.max_message_bytes = setup.message_bytes;
    writer_objects.push_back(replay::ReplayWriter::ForAddress(address, options));
  }
  // warm up: fill the table a little, then count from a clean start
  for (auto& w : writer_objects) {
    for (int i = 0; i < 8; ++i) w->Insert(item, {target}).IgnoreError();
    w->Flush(absl::Seconds(10)).IgnoreError();
  }
  const int64_t acked_before = [&] {
    int64_t n = 0;
    for (auto& w : writer_objects) n += w->acknowledged();
    return n;
  }();
  const auto start = std::chrono::steady_clock::now();
  for (auto& w : writer_objects) {
    threads.emplace_back([&, writer = w.get()] {
      while (!stop) writer->Insert(item, {target}).IgnoreError();
    });
  }
  if (batch > 0) threads.emplace_back([&] {
    replay::SamplerOptions options;
    options.table = "bench";
    options.batch_size = batch;
    options.prefetch_batches = setup.prefetch;
    // as the learner samples: streamed ahead, items left in the received buffers
    auto sampler = replay::ReplaySampler::ForAddress(address, options);
    while (!stop) {
      auto b = sampler->NextViews(absl::Seconds(5));
      if (b.ok()) sampled += static_cast<int64_t>(b->size());
    }
  });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  int64_t acked = -acked_before;
  for (auto& w : writer_objects) acked += w->acknowledged();
  const int64_t sampled_now = sampled;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop = true;
  for (auto& t : threads) t.join();
  for (auto& w : writer_objects) w->Close(absl::Seconds(5)).IgnoreError();
  (*server)->Shutdown(absl::Seconds(2)).IgnoreError();
  Throughput t;
  t.inserts_per_s = acked / elapsed;
  t.insert_bytes_per_s = t.inserts_per_s * item_bytes;
  t.samples_per_s = sampled_now / elapsed;
  t.sample_bytes_per_s = t.samples_per_s * item_bytes;
  return t;
}

// Raw loopback TCP: `pairs` connections, each a plain sender thread streaming the serialized item
// to a plain blocking receiver thread.
double MeasureRawTcp(const std::string& payload, double seconds, int pairs) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(listener, pairs) != 0) {
    close(listener);
    return 0;
  }
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> received{0};
  std::vector<std::thread> senders, receivers;
  for (int s = 0; s < pairs; ++s) {
    senders.emplace_back([&] {
      const int fd = socket(AF_INET, SOCK_STREAM, 0);
      if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
        while (!stop) {
          size_t off = 0;
          while (off < payload.size() && !stop) {
            const ssize_t n = send(fd, payload.data() + off, payload.size() - off, MSG_NOSIGNAL);
            if (n <= 0) break;
            off += n;
          }
          if (off < payload.size()) break;
        }
      }
      close(fd);
    });
  }
  std::vector<int> conns;
  for (int s = 0; s < pairs; ++s) conns.push_back(accept(listener, nullptr, nullptr));
  const auto start = std::chrono::steady_clock::now();
  for (int fd : conns) {
    receivers.emplace_back([&, fd] {
      std::vector<char> buf(1 << 20);
      while (true) {
        const ssize_t n = recv(fd, buf.data(), buf.size(), 0);
        if (n <= 0) break;
        received += n;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const int64_t bytes = received;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop = true;
  for (int fd : conns) shutdown(fd, SHUT_RDWR);  // wakes blocked receivers and senders
  for (auto& t : receivers) t.join();
  for (auto& t : senders) t.join();
  for (int fd : conns) close(fd);
  close(listener);
  return bytes / elapsed;
}

}  // namespace

int BenchReplay(const Argv& argv) {
  auto args = Args::Parse(argv, {"seconds", "writers", "batch", "raw", "steps", "in_flight", "prefetch", "message_bytes",
                                 "rounds"});
  if (!args.ok()) return Fail("bench replay", args.status());
  const double seconds = args->GetDouble("seconds", 2.0).value_or(2.0);
  const int rounds = std::max(1, args->GetInt("rounds", 3).value_or(3));
  GrpcSetup setup;
  setup.writers = args->GetInt("writers", setup.writers).value_or(setup.writers);
  setup.batch = args->GetInt("batch", setup.batch).value_or(setup.batch);
  setup.in_flight = args->GetInt("in_flight", setup.in_flight).value_or(setup.in_flight);
  setup.prefetch = args->GetInt("prefetch", setup.prefetch).value_or(setup.prefetch);
  setup.message_bytes = args->GetInt("message_bytes", static_cast<int>(setup.message_bytes)).value_or(setup.message_bytes);
  const bool with_raw = args->GetInt("raw", 1).value_or(1) != 0;
  const int writers = setup.writers, batch = setup.batch;
  const Unroll item = RealisticUnroll(args->GetInt("steps", 20).value_or(20));
  const std::string payload = item.SerializeAsString();
  std::fprintf(stderr, "bench replay: %zu-byte unrolls, %d writers + 1 sampler (batch %d), %d rounds of %.1f s each way\n",
               payload.size(), writers, batch, rounds, seconds);
  // The machine's speed drifts (shared hosts): each round measures the service and then the raw
  // reference back to back, and the round with the median ratio is reported.
  struct Round {
    Throughput grpc;
    double raw = 0, raw_pairs = 0, ratio = 0;
  };
  MeasureGrpc(item, 0.5, setup);  // warm-up (the process's first large allocations), not counted
  std::vector<Round> measured;
  for (int r = 0; r < rounds; ++r) {
    Round round;
    round.grpc = MeasureGrpc(item, seconds, setup);
    // the reference: one plain sender and one plain receiver; and, for context, as many
    // such pairs as there are writers (on 2 cores, two pairs overlap each other's waits)
    round.raw = with_raw ? MeasureRawTcp(payload, seconds, 1) : 0;
    round.raw_pairs = with_raw ? MeasureRawTcp(payload, seconds, writers) : 0;
    // Both directions cross loopback: items in from the writers and out to the sampler. The raw
    // reference moves bytes one way, so the service is compared on every byte it moves.
    const double total = round.grpc.insert_bytes_per_s + round.grpc.sample_bytes_per_s;
    round.ratio = round.raw > 0 ? total / round.raw : 0.0;
    std::fprintf(stderr, "  round %d: %.0f MB/s through the service, %.0f MB/s raw (%.0f MB/s over %d pairs), ratio %.3f\n",
                 r + 1, total / 1e6, round.raw / 1e6, round.raw_pairs / 1e6, writers, round.ratio);
    measured.push_back(round);
  }
  std::vector<Round> sorted = measured;
  std::sort(sorted.begin(), sorted.end(), [](const Round& a, const Round& b) { return a.ratio < b.ratio; });
  const Round& median = sorted[sorted.size() / 2];
  const Throughput& grpc = median.grpc;
  const double raw = median.raw;
  const double total = grpc.insert_bytes_per_s + grpc.sample_bytes_per_s;
  std::printf(
      "{\"bench\":\"replay\",\"item_bytes\":%zu,\"writers\":%d,\"sample_batch\":%d,\"rounds\":%d,"
      "\"inserts_per_s\":%.1f,\"insert_mb_per_s\":%.1f,\"samples_per_s\":%.1f,\"sample_mb_per_s\":%.1f,"
      "\"total_mb_per_s\":%.1f,\"raw_tcp_%d_pairs_mb_per_s\":%.1f,\"ratio_to_%d_pairs\":%.3f,"
      "\"raw_tcp_mb_per_s\":%.1f,\"ratio_min\":%.3f,\"ratio_max\":%.3f,\"insert_ratio\":%.3f,\"ratio\":%.3f}\n",
      payload.size(), writers, batch, rounds, grpc.inserts_per_s, grpc.insert_bytes_per_s / 1e6, grpc.samples_per_s,
      grpc.sample_bytes_per_s / 1e6, total / 1e6, writers, median.raw_pairs / 1e6, writers,
      median.raw_pairs > 0 ? total / median.raw_pairs : 0.0, raw / 1e6, sorted.front().ratio, sorted.back().ratio,
      raw > 0 ? grpc.insert_bytes_per_s / raw : 0.0, median.ratio);
  return 0;
}

}  // namespace mimic::bench
