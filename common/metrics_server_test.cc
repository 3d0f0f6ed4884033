// The /metrics server over loopback, including the attacks: a client trickling a byte at
// a time, idle connections, and a stop while such clients are connected.
#include "common/metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "common/http_get.h"

namespace mimic {
namespace {

// A raw TCP connection to the server (the attacker's side).
int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  return fd;
}

// True once the server has closed `fd` (a read returns 0 or an error), waiting up to `limit`.
bool ClosedByServerWithin(int fd, absl::Duration limit) {
  const absl::Time end = absl::Now() + limit;
  while (absl::Now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) {
      char buffer[256];
      const ssize_t n = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n <= 0) return true;
    }
  }
  return false;
}

std::shared_ptr<prometheus::Registry> CountingRegistry() {
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter().Name("mimic_test_events_total").Help("Events").Register(*registry).Add({}).Increment(3);
  return registry;
}

TEST(MetricsServerTest, ServesRegisteredFamiliesOverHttp) {
  auto server = MetricsServer::Start("127.0.0.1:0");
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->port(), 0);
  auto registry = std::make_shared<prometheus::Registry>();
  auto& counter = prometheus::BuildCounter().Name("mimic_test_events_total").Help("Events").Register(*registry).Add({{"kind", "a"}});
  counter.Increment(3);
  (*server)->Register(registry);
  auto page = HttpGet("127.0.0.1", (*server)->port(), "/metrics");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_NE(page->find("mimic_test_events_total{kind=\"a\"} 3"), std::string::npos) << *page;
  // other paths are 404, and the server keeps serving after them
  EXPECT_FALSE(HttpGet("127.0.0.1", (*server)->port(), "/other").ok());
  counter.Increment();
  page = HttpGet("127.0.0.1", (*server)->port(), "/metrics");
  ASSERT_TRUE(page.ok());
  EXPECT_NE(page->find("} 4"), std::string::npos);
  // a collectable that is gone is skipped
  registry.reset();
  page = HttpGet("127.0.0.1", (*server)->port(), "/metrics");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->find("mimic_test_events_total"), std::string::npos);
}

TEST(MetricsServerTest, BadAddressesAreErrorsNamingThem) {
  auto bad = MetricsServer::Start("nowhere:port");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("nowhere:port"), std::string::npos);
  EXPECT_FALSE(MetricsServer::Start("10.0.0.999:0").ok());
  auto first = MetricsServer::Start("127.0.0.1:0");
  ASSERT_TRUE(first.ok());
  auto taken = MetricsServer::Start("127.0.0.1:" + std::to_string((*first)->port()));
  EXPECT_FALSE(taken.ok());
}

TEST(MetricsServerTest, APortAloneBindsLoopbackOnly) {
  auto server = MetricsServer::Start(":0");
  ASSERT_TRUE(server.ok());
  EXPECT_TRUE(HttpGet("127.0.0.1", (*server)->port(), "/metrics").ok());
  // another loopback address with the same port is free: only 127.0.0.1 was bound, not 0.0.0.0
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in other{};
  other.sin_family = AF_INET;
  other.sin_port = htons(static_cast<uint16_t>((*server)->port()));
  inet_pton(AF_INET, "127.0.0.2", &other.sin_addr);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&other), sizeof(other)), 0) << std::strerror(errno);
  close(fd);
}

TEST(MetricsServerTest, ASlowClientNeitherDelaysScrapesNorOutstaysTheDeadline) {
  MetricsServerOptions options;
  options.connection_deadline = absl::Seconds(2);
  auto server = MetricsServer::Start("127.0.0.1:0", options);
  ASSERT_TRUE(server.ok());
  auto registry = CountingRegistry();
  (*server)->Register(registry);
  // the attack: a byte every 1.5 s (here every 0.3 s) of a request that never ends
  const int slow = Connect((*server)->port());
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    const char* request = "GET /metrics HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    for (size_t i = 0; !stop && request[i] != '\0'; ++i) {
      if (send(slow, request + i, 1, MSG_NOSIGNAL) != 1) return;
      absl::SleepFor(absl::Milliseconds(300));
    }
  });
  // other scrapes are served meanwhile (the hand-written server blocked them for 18 s)
  for (int i = 0; i < 3; ++i) {
    auto page = HttpGet("127.0.0.1", (*server)->port(), "/metrics", absl::Seconds(1));
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      EXPECT_NE(page->find("mimic_test_events_total 3"), std::string::npos);
    }
  }
  // and the trickling connection is cut off at its deadline although it never went idle
  EXPECT_TRUE(ClosedByServerWithin(slow, absl::Seconds(6)));
  stop = true;
  trickle.join();
  close(slow);
}

TEST(MetricsServerTest, IdleConnectionsDoNotDelayAScrapeAndAreClosed) {
  auto server = MetricsServer::Start("127.0.0.1:0");
  ASSERT_TRUE(server.ok());
  (*server)->Register(CountingRegistry());
  // the attack: 10 idle connections delayed a scrape by 20 s
  std::vector<int> idle;
  for (int i = 0; i < 10; ++i) idle.push_back(Connect((*server)->port()));
  auto page = HttpGet("127.0.0.1", (*server)->port(), "/metrics", absl::Seconds(1));
  ASSERT_TRUE(page.ok()) << page.status();
  for (int fd : idle) {
    EXPECT_TRUE(ClosedByServerWithin(fd, absl::Seconds(4)));  // idle timeout 2 s, before the 5 s deadline
    close(fd);
  }
}

TEST(MetricsServerTest, NoMoreThanTheConnectionLimitAreServedAtOnce) {
  MetricsServerOptions options;
  options.max_connections = 4;
  auto server = MetricsServer::Start("127.0.0.1:0", options);
  ASSERT_TRUE(server.ok());
  (*server)->Register(CountingRegistry());
  std::vector<int> held;
  for (int i = 0; i < 4; ++i) held.push_back(Connect((*server)->port()));
  // at the limit, a fifth connection waits in the kernel's queue instead of being served
  EXPECT_FALSE(HttpGet("127.0.0.1", (*server)->port(), "/metrics", absl::Milliseconds(300)).ok());
  for (int fd : held) close(fd);
  // once the held ones are gone, scrapes are served again
  absl::StatusOr<std::string> page;
  for (int attempt = 0; attempt < 20 && !page.ok(); ++attempt) {
    page = HttpGet("127.0.0.1", (*server)->port(), "/metrics", absl::Milliseconds(500));
  }
  ASSERT_TRUE(page.ok()) << page.status();
}

TEST(MetricsServerTest, StopsAtOnceWithSlowClientsConnected) {
  auto server = MetricsServer::Start("127.0.0.1:0");
  ASSERT_TRUE(server.ok());
  // clients trickling a byte every 100 ms (the attack delayed a shutdown by 32 s)
  std::atomic<bool> stop{false};
  std::vector<int> clients;
  std::vector<std::thread> tricklers;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(Connect((*server)->port()));
    tricklers.emplace_back([&stop, fd = clients.back()] {
      const std::string request = "GET /metrics HTTP/1.1\r\nX-Slow: " + std::string(200, 'a');
      for (size_t k = 0; !stop && k < request.size(); ++k) {
        if (send(fd, &request[k], 1, MSG_NOSIGNAL) != 1) return;
        absl::SleepFor(absl::Milliseconds(100));
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(300));  // the attack under way
  const absl::Time start = absl::Now();
  server->reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  for (int fd : clients) EXPECT_TRUE(ClosedByServerWithin(fd, absl::Seconds(1)));
  stop = true;
  for (auto& t : tricklers) t.join();
  for (int fd : clients) close(fd);
}

}  // namespace
}  // namespace mimic
