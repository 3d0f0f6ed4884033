#include "common/metrics_server.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "common/http_get.h"

namespace mimic {
namespace {

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

}  // namespace
}  // namespace mimic
