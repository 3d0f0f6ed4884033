#include "cli/benchmarks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cli/env_setup.h"
#include "common/tensor_util.h"
#include "replay/replay_client.h"
#include "replay/replay_server.h"

namespace mimic::cli {
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

Throughput MeasureGrpc(const Unroll& item, double seconds, int writers, int batch, int in_flight) {
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
    writer_objects.push_back(std::make_unique<replay::ReplayWriter>(replay::ChannelStubFactory(address),
                                                                    replay::WriterOptions{absl::StrCat("bench", w), in_flight}));
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
    replay::ReplaySampler sampler(replay::ChannelStubFactory(address), {"bench", batch});
    while (!stop) {
      auto b = sampler.Next(absl::Seconds(5));
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

// Raw loopback TCP: `senders` connections each streaming the serialized item to one receiver.
double MeasureRawTcp(const std::string& payload, double seconds, int senders) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(listener, senders) != 0) return 0;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> received{0};
  std::vector<std::thread> threads;
  std::vector<int> conns;
  for (int s = 0; s < senders; ++s) {
    threads.emplace_back([&] {
      const int fd = socket(AF_INET, SOCK_STREAM, 0);
      if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return;
      while (!stop) {
        size_t off = 0;
        while (off < payload.size() && !stop) {
          const ssize_t n = send(fd, payload.data() + off, payload.size() - off, MSG_NOSIGNAL);
          if (n <= 0) return;
          off += n;
        }
      }
      close(fd);
    });
  }
  for (int s = 0; s < senders; ++s) conns.push_back(accept(listener, nullptr, nullptr));
  // one receiver thread reads every connection, as the replay server's I/O does
  const auto start = std::chrono::steady_clock::now();
  std::thread receiver([&] {
    std::vector<char> buf(1 << 20);
    while (!stop) {
      for (int fd : conns) {
        const ssize_t n = recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
        if (n > 0) received += n;
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const int64_t bytes = received;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop = true;
  receiver.join();
  for (int fd : conns) close(fd);
  for (auto& t : threads) t.join();
  close(listener);
  return bytes / elapsed;
}

}  // namespace

int BenchReplay(const Argv& argv) {
  auto args = Args::Parse(argv, {"seconds", "writers", "batch", "raw", "steps", "in_flight"});
  if (!args.ok()) return Fail("bench replay", args.status());
  const double seconds = args->GetDouble("seconds", 3.0).value_or(3.0);
  const int writers = args->GetInt("writers", 2).value_or(2);
  const int batch = args->GetInt("batch", 32).value_or(32);
  const Unroll item = RealisticUnroll(args->GetInt("steps", 20).value_or(20));
  const std::string payload = item.SerializeAsString();
  std::fprintf(stderr, "bench replay: %zu-byte unrolls, %d writers + 1 sampler (batch %d), %.1f s each\n",
               payload.size(), writers, batch, seconds);
  const int in_flight = args->GetInt("in_flight", 16).value_or(16);
  const Throughput grpc = MeasureGrpc(item, seconds, writers, batch, in_flight);
  const double raw = args->GetInt("raw", 1).value_or(1) ? MeasureRawTcp(payload, seconds, writers) : 0;
  // Both directions cross loopback: items in from the writers and out to the sampler. The raw
  // reference moves bytes one way, so the service is compared on every byte it moves.
  const double total = grpc.insert_bytes_per_s + grpc.sample_bytes_per_s;
  std::printf(
      "{\"bench\":\"replay\",\"item_bytes\":%zu,\"writers\":%d,\"sample_batch\":%d,\"inserts_per_s\":%.1f,"
      "\"insert_mb_per_s\":%.1f,\"samples_per_s\":%.1f,\"sample_mb_per_s\":%.1f,\"total_mb_per_s\":%.1f,"
      "\"raw_tcp_mb_per_s\":%.1f,\"insert_ratio\":%.3f,\"ratio\":%.3f}\n",
      payload.size(), writers, batch, grpc.inserts_per_s, grpc.insert_bytes_per_s / 1e6, grpc.samples_per_s,
      grpc.sample_bytes_per_s / 1e6, total / 1e6, raw / 1e6, raw > 0 ? grpc.insert_bytes_per_s / raw : 0.0,
      raw > 0 ? total / raw : 0.0);
  return 0;
}

}  // namespace mimic::cli
