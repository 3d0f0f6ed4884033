#include "common/grpc_polling.h"

#include <cstdlib>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "common/health_check.h"
#include "gtest/gtest.h"

// gRPC 1.51's name of the engine it initialised (exported by libgrpc, not in its public headers).
const char* grpc_get_poll_strategy_name();

namespace mimic {
namespace {

// One test: gRPC reads the setting once per process, so the order below is the point.
TEST(GrpcPollingTest, UserChoiceWinsOtherwiseOursIsWhatGrpcRuns) {
  setenv("GRPC_POLL_STRATEGY", "epoll1", 1);
  EXPECT_EQ(ChooseGrpcPollingEngine(), "epoll1");
  EXPECT_EQ(RequestedGrpcPollingEngine(), "epoll1");

  unsetenv("GRPC_POLL_STRATEGY");
  EXPECT_EQ(RequestedGrpcPollingEngine(), "");
  EXPECT_EQ(ChooseGrpcPollingEngine(), kPreferredGrpcPollingEngine);
  EXPECT_EQ(RequestedGrpcPollingEngine(), kPreferredGrpcPollingEngine);

  // the first gRPC use in this process: a server and a call to it over loopback
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto serving = CheckHealth(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                 grpc::InsecureChannelCredentials()));
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_TRUE(*serving);
  EXPECT_EQ(std::string(grpc_get_poll_strategy_name()), kPreferredGrpcPollingEngine);
  server->Shutdown();
}

}  // namespace
}  // namespace mimic
