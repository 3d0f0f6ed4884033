// Tokens and (mutual) TLS between a real server and clients over loopback, with the Operations
// service (which checks the token on every call) as the service under test.
#include "common/grpc_security.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/job_runner.h"
#include "common/operations_service.h"
#include "gtest/gtest.h"

namespace mimic {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SecureServer {
 public:
  explicit SecureServer(const ServerSecurity& security) : runner_(1), service_(&runner_, security.token) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", security.Credentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~SecureServer() { server_->Shutdown(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  grpc::StatusCode List(const ClientSecurity& client) const {
    auto stub = Operations::NewStub(SecureChannel(address(), client));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    ListOperationsResponse response;
    return stub->ListOperations(&context, ListOperationsRequest(), &response).error_code();
  }

 private:
  JobRunner runner_;
  OperationsServiceImpl service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST(GrpcSecurityTest, EveryCallOfASecureChannelCarriesTheToken) {
  ServerSecurity server_security;
  server_security.token = "s3cret";
  SecureServer server(server_security);
  ClientSecurity client;
  EXPECT_EQ(server.List(client), grpc::UNAUTHENTICATED);
  client.token = "wrong";
  EXPECT_EQ(server.List(client), grpc::UNAUTHENTICATED);
  client.token = "s3cret";
  EXPECT_EQ(server.List(client), grpc::OK);
  EXPECT_EQ(server.List(client), grpc::OK);  // and on the next call of a new channel
}

TEST(GrpcSecurityTest, MutualTlsRefusesClientsWithoutATrustedCertificate) {
  const std::string cert = Slurp("common/testdata/tls_cert.pem"), key = Slurp("common/testdata/tls_key.pem");
  const std::string other_cert = Slurp("common/testdata/other_cert.pem");
  const std::string other_key = Slurp("common/testdata/other_key.pem");
  ASSERT_FALSE(cert.empty() || other_cert.empty());
  ServerSecurity server_security{"tok", cert, key, /*client_ca_pem=*/cert};
  SecureServer server(server_security);
  ClientSecurity trusted{"tok", cert, cert, key, "localhost"};
  EXPECT_EQ(server.List(trusted), grpc::OK);
  ClientSecurity no_certificate{"tok", cert, "", "", "localhost"};
  EXPECT_EQ(server.List(no_certificate), grpc::UNAVAILABLE);
  ClientSecurity untrusted{"tok", cert, other_cert, other_key, "localhost"};
  EXPECT_EQ(server.List(untrusted), grpc::UNAVAILABLE);
  EXPECT_EQ(server.List(ClientSecurity{"tok"}), grpc::UNAVAILABLE);  // plaintext
  // and a client checks the server: one it does not trust is refused
  ClientSecurity distrustful{"tok", other_cert, cert, key, "localhost"};
  EXPECT_EQ(server.List(distrustful), grpc::UNAVAILABLE);
  // TLS without a token still needs the token
  ClientSecurity tokenless{"", cert, cert, key, "localhost"};
  EXPECT_EQ(server.List(tokenless), grpc::UNAUTHENTICATED);
}

TEST(GrpcSecurityTest, LoadsTokensFromAFileOrTheEnvironment) {
  const std::string path = ::testing::TempDir() + "/token";
  auto written = WriteRandomTokenFile(path);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->size(), 64u);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  SecurityFiles files;
  files.token_file = path;
  EXPECT_EQ(LoadServerSecurity(files)->token, *written);
  EXPECT_EQ(LoadClientSecurity(files)->token, *written);
  // a second run draws a different token
  EXPECT_NE(*WriteRandomTokenFile(path), *written);
  setenv("MIMIC_TOKEN", "from-env", 1);
  EXPECT_EQ(LoadServerSecurity(SecurityFiles{})->token, "from-env");
  unsetenv("MIMIC_TOKEN");
  EXPECT_TRUE(LoadServerSecurity(SecurityFiles{})->token.empty());
  std::ofstream(::testing::TempDir() + "/empty_token") << "  \n";
  files.token_file = ::testing::TempDir() + "/empty_token";
  EXPECT_EQ(LoadServerSecurity(files).status().code(), absl::StatusCode::kInvalidArgument);
  SecurityFiles half;
  half.tls_cert = "common/testdata/tls_cert.pem";
  EXPECT_EQ(LoadServerSecurity(half).status().code(), absl::StatusCode::kInvalidArgument);
  SecurityFiles not_pem;
  not_pem.tls_ca = path;
  EXPECT_EQ(LoadClientSecurity(not_pem).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mimic
