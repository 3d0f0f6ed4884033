#include "bench/benchmarks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bench/rounds.h"
#include "common/status_macros.h"
#include "common/args.h"
#include "common/grpc_polling.h"
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

// CPU seconds this process has used, all threads (user + system).
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec); };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Throughput {
  double inserts_per_s = 0, insert_bytes_per_s = 0, samples_per_s = 0, sample_bytes_per_s = 0;
  double cpu_cores = 0;  // CPU seconds used per second of the measurement (the whole process)
};

constexpr int kTableSize = 1000;  // items the bench table holds

struct GrpcSetup {
  int writers = 2;
  int batch = 32;            // items per sample batch; 0: no sampler
  int in_flight = 32;        // per writer (the writer's default)
  int64_t message_bytes = 1 << 20;  // per insert message
  int prefetch = 4;          // sample batches granted ahead (128 items; Reverb's default is 100 per stream)
};

absl::StatusOr<Throughput> MeasureGrpc(const Unroll& item, double seconds, const GrpcSetup& setup) {
  const int writers = setup.writers, batch = setup.batch;
  ReplayConfig config;
  config.set_address("127.0.0.1:0");
  TableConfig* table = config.add_tables();
  table->set_name("bench");
  table->set_max_size(kTableSize);
  table->mutable_min_size()->set_min_size(1);
  auto server = replay::ReplayServer::Start(config);
  if (!server.ok()) return server.status();
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
  // The writers send one shared unroll, as the raw senders send one buffer: producing an unroll is
  // the actor's work, not the service's (an actor moves each new unroll in, copying nothing).
  const auto shared_item = std::make_shared<const Unroll>(item);
  // warm up: fill the table a little, then count from a clean start
  for (auto& w : writer_objects) {
    for (int i = 0; i < 8; ++i) w->Insert(shared_item, {target}).IgnoreError();
    w->Flush(absl::Seconds(10)).IgnoreError();
  }
  const int64_t acked_before = [&] {
    int64_t n = 0;
    for (auto& w : writer_objects) n += w->acknowledged();
    return n;
  }();
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = ProcessCpuSeconds();
  for (auto& w : writer_objects) {
    threads.emplace_back([&, writer = w.get()] {
      while (!stop) writer->Insert(shared_item, {target}).IgnoreError();
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
  const double cpu_used = ProcessCpuSeconds() - cpu_start;
  stop = true;
  for (auto& t : threads) t.join();
  for (auto& w : writer_objects) w->Close(absl::Seconds(5)).IgnoreError();
  (*server)->Shutdown(absl::Seconds(2)).IgnoreError();
  if (acked <= 0) return absl::InternalError("no insert was acknowledged");
  if (batch > 0 && sampled_now <= 0) return absl::InternalError("nothing was sampled");
  Throughput t;
  t.inserts_per_s = acked / elapsed;
  t.insert_bytes_per_s = t.inserts_per_s * item_bytes;
  t.samples_per_s = sampled_now / elapsed;
  t.sample_bytes_per_s = t.samples_per_s * item_bytes;
  t.cpu_cores = cpu_used / elapsed;
  return t;
}

struct RawTcp {
  double bytes_per_s = 0;
  double cpu_cores = 0;
};

// Raw loopback TCP: `pairs` connections, each a plain sender thread streaming the serialized item
// to a plain blocking receiver thread, all at once; the bytes/s received over all of them. Plain
// pairs send one cache-warm buffer and receive into another, discarding it. With `store_items`
// > 0 they do what a store must: each sender cycles through that many copies of the item (cold
// memory, as sampled items are) and each receiver keeps what it receives, item by item, in fresh
// buffers, the last `store_items` of them (as a full table does).
absl::StatusOr<RawTcp> MeasureRawTcp(const std::string& payload, double seconds, int pairs, int store_items = 0) {
  const std::vector<std::string> stored(static_cast<size_t>(store_items), payload);
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(listener, pairs) != 0) {
    close(listener);
    return absl::UnavailableError("cannot listen on loopback");
  }
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> received{0};
  std::vector<std::thread> senders, receivers;
  for (int s = 0; s < pairs; ++s) {
    senders.emplace_back([&, s] {
      const int fd = socket(AF_INET, SOCK_STREAM, 0);
      if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
        for (size_t next = static_cast<size_t>(s); !stop; next += 7) {  // a stride, as random draws spread
          const std::string& item = stored.empty() ? payload : stored[next % stored.size()];
          size_t off = 0;
          while (off < item.size() && !stop) {
            const ssize_t n = send(fd, item.data() + off, item.size() - off, MSG_NOSIGNAL);
            if (n <= 0) break;
            off += n;
          }
          if (off < item.size()) break;
        }
      }
      close(fd);
    });
  }
  std::vector<int> conns;
  for (int s = 0; s < pairs; ++s) conns.push_back(accept(listener, nullptr, nullptr));
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = ProcessCpuSeconds();
  for (int fd : conns) {
    receivers.emplace_back([&, fd] {
      if (store_items > 0) {
        // the receivers together keep store_items, as one table of that size does
        std::vector<std::unique_ptr<char[]>> kept(static_cast<size_t>(std::max(1, store_items / pairs)));
        for (size_t slot = 0;; slot = (slot + 1) % kept.size()) {
          std::unique_ptr<char[]> item(new char[payload.size()]);  // not zeroed: recv writes it first
          size_t got = 0;
          while (got < payload.size()) {
            const ssize_t n = recv(fd, item.get() + got, payload.size() - got, 0);
            if (n <= 0) return;
            got += static_cast<size_t>(n);
            received += n;
          }
          kept[slot] = std::move(item);
        }
      }
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
  const double cpu_used = ProcessCpuSeconds() - cpu_start;
  stop = true;
  for (int fd : conns) shutdown(fd, SHUT_RDWR);  // wakes blocked receivers and senders
  for (auto& t : receivers) t.join();
  for (auto& t : senders) t.join();
  for (int fd : conns) close(fd);
  close(listener);
  if (bytes <= 0) return absl::UnavailableError("no bytes crossed the raw sockets");
  return RawTcp{bytes / elapsed, cpu_used / elapsed};
}

const CommandSpec& Spec() {
  static const auto* spec = new CommandSpec{
      "bench replay",
      "replay insert and sample bytes/s over loopback gRPC (writers streaming unrolls in, a sampler streaming "
      "batches out, as actors and the learner do) against the machine's loopback limit for the same streams: "
      "as many plain TCP sender/receiver pairs, all at once",
      {
          {"seconds", FlagType::kDouble, "2", "s", "length of each measurement"},
          {"writers", FlagType::kInt, "2", "writers", "ReplayWriters inserting at once"},
          {"batch", FlagType::kInt, "32", "items", "sample batch size (0: no sampler)"},
          {"in_flight", FlagType::kInt, "32", "items", "unacknowledged inserts per writer"},
          {"prefetch", FlagType::kInt, "4", "batches", "sample batches granted ahead"},
          {"message_bytes", FlagType::kInt, "1048576", "bytes", "insert message size cap"},
          {"steps", FlagType::kInt, "20", "steps", "unroll length of the inserted items"},
          {"rounds", FlagType::kInt, "3", "rounds", "interleaved rounds after the warm-up; the median is reported"},
      },
      {"./mimic bench replay --seconds 1"},
  };
  return *spec;
}

}  // namespace

int BenchReplay(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(Spec(), argv, &exit_code);
  if (!args) return exit_code;
  const double seconds = args->Double("seconds");
  GrpcSetup setup;
  setup.writers = args->Int("writers");
  setup.batch = args->Int("batch");
  setup.in_flight = args->Int("in_flight");
  setup.prefetch = args->Int("prefetch");
  setup.message_bytes = args->Int64("message_bytes");
  if (seconds <= 0 || setup.writers < 1 || setup.batch < 0 || setup.in_flight < 1 || setup.message_bytes < 1 ||
      args->Int("steps") < 1) {
    return Fail("bench replay", absl::InvalidArgumentError("sizes and --seconds must be positive (--batch may be 0)"));
  }
  const int writers = setup.writers, batch = setup.batch;
  const int streams = writers + (batch > 0 ? 1 : 0);
  const Unroll item = RealisticUnroll(args->Int("steps"));
  const std::string payload = item.SerializeAsString();
  std::fprintf(stderr,
               "bench replay: %zu-byte unrolls, %d writers + %d sampler (batch %d); reference: %d raw TCP "
               "sender/receiver pairs at once; %d rounds of %.1f s per measurement; gRPC polling engine %s\n",
               payload.size(), writers, batch > 0 ? 1 : 0, batch, streams, args->Int("rounds"), seconds,
               GrpcPollingEngineName().c_str());
  Measurement ours = [&]() -> absl::StatusOr<Figures> {
    MIMIC_ASSIGN_OR_RETURN(Throughput t, MeasureGrpc(item, seconds, setup));
    const double total = (t.insert_bytes_per_s + t.sample_bytes_per_s) / 1e6;
    return Figures{{"inserts_per_s", t.inserts_per_s},
                   {"insert_mb_per_s", t.insert_bytes_per_s / 1e6},
                   {"samples_per_s", t.samples_per_s},
                   {"sample_mb_per_s", t.sample_bytes_per_s / 1e6},
                   {"total_mb_per_s", total},
                   {"cpu_cores", t.cpu_cores},
                   {"mb_per_cpu_s", total / t.cpu_cores}};
  };
  // The machine's loopback limit for the same streams: one plain sender/receiver pair per stream
  // the service runs (each writer's inserts, the sampler's batches), all at once. For context,
  // not the ratio: the same pairs doing what a store must (sending from and keeping in memory
  // the size of the bench's table), and one pair alone (the older reference). CPU per MB on both
  // sides says whether a gap is work per byte or time spent waiting.
  Measurement reference = [&]() -> absl::StatusOr<Figures> {
    MIMIC_ASSIGN_OR_RETURN(RawTcp same_streams, MeasureRawTcp(payload, seconds, streams));
    MIMIC_ASSIGN_OR_RETURN(RawTcp storing, MeasureRawTcp(payload, seconds, streams, kTableSize));
    MIMIC_ASSIGN_OR_RETURN(RawTcp one_pair, MeasureRawTcp(payload, seconds, 1));
    return Figures{{"raw_tcp_same_streams_mb_per_s", same_streams.bytes_per_s / 1e6},
                   {"raw_tcp_cpu_cores", same_streams.cpu_cores},
                   {"raw_tcp_mb_per_cpu_s", same_streams.bytes_per_s / 1e6 / same_streams.cpu_cores},
                   {"raw_tcp_storing_mb_per_s", storing.bytes_per_s / 1e6},
                   {"raw_tcp_one_pair_mb_per_s", one_pair.bytes_per_s / 1e6}};
  };
  auto ratio = [](const Figures& o, const Figures& r) {
    return FigureOf(o, "total_mb_per_s") / FigureOf(r, "raw_tcp_same_streams_mb_per_s");
  };
  RoundsOptions options;
  options.rounds = args->Int("rounds");
  auto result = RunRounds(options, ours, reference, ratio);
  if (!result.ok()) return Fail("bench replay", result.status());
  const Round& median = result->median();
  std::printf("%s\n", JsonLine("replay")
                          .Add("item_bytes", static_cast<int64_t>(payload.size()))
                          .Add("writers", writers)
                          .Add("sample_batch", batch)
                          .Add("streams", streams)
                          .Add("grpc_polling", GrpcPollingEngineName())
                          .Add("ratio_to_one_pair", FigureOf(median.ours, "total_mb_per_s") /
                                                        FigureOf(median.reference, "raw_tcp_one_pair_mb_per_s"))
                          .Add("insert_ratio", FigureOf(median.ours, "insert_mb_per_s") /
                                                   FigureOf(median.reference, "raw_tcp_same_streams_mb_per_s"))
                          .Add("ratio_to_storing", FigureOf(median.ours, "total_mb_per_s") /
                                                       FigureOf(median.reference, "raw_tcp_storing_mb_per_s"))
                          .Add("cpu_per_mb_vs_raw", FigureOf(median.reference, "raw_tcp_mb_per_cpu_s") /
                                                        FigureOf(median.ours, "mb_per_cpu_s"))
                          .Finish(*result)
                          .c_str());
  return 0;
}

}  // namespace mimic::bench
