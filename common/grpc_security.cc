#include "common/grpc_security.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <grpcpp/support/client_interceptor.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace mimic {
namespace {

// Adds `authorization: Bearer <token>` to each call's initial metadata.
class BearerInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BearerInterceptor(std::string header) : header_(std::move(header)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({"authorization", header_});
    }
    methods->Proceed();
  }

 private:
  std::string header_;
};

class BearerInterceptorFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerInterceptorFactory(const std::string& token) : header_("Bearer " + token) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(grpc::experimental::ClientRpcInfo*) override {
    return new BearerInterceptor(header_);
  }

 private:
  std::string header_;
};

std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> Interceptors(
    const std::string& token) {
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  if (!token.empty()) factories.push_back(std::make_unique<BearerInterceptorFactory>(token));
  return factories;
}

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* flag) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(flag, ": cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", path, " is not a PEM file"));
  }
  return text.str();
}

// The token from --token_file, else MIMIC_TOKEN, else none ("").
absl::StatusOr<std::string> TokenOf(const SecurityFiles& files) {
  if (!files.token_file.empty()) return ReadTokenFile(files.token_file);
  if (const char* env = std::getenv("MIMIC_TOKEN"); env != nullptr) return std::string(absl::StripAsciiWhitespace(env));
  return std::string();
}

}  // namespace

std::shared_ptr<grpc::ServerCredentials> ServerSecurity::Credentials() const {
  if (cert_pem.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(client_ca_pem.empty()
                                                ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                                : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = client_ca_pem;
  options.pem_key_cert_pairs.push_back({key_pem, cert_pem});
  return grpc::SslServerCredentials(options);
}

std::string ServerSecurity::Describe() const {
  std::string out = cert_pem.empty() ? "plaintext" : client_ca_pem.empty() ? "TLS" : "TLS with client certificates";
  absl::StrAppend(&out, token.empty() ? ", no token" : ", bearer token");
  return out;
}

std::shared_ptr<grpc::ChannelCredentials> ClientSecurity::Credentials() const {
  if (ca_pem.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca_pem;
  options.pem_private_key = key_pem;
  options.pem_cert_chain = cert_pem;
  return grpc::SslCredentials(options);
}

std::shared_ptr<grpc::Channel> SecureChannel(const std::string& address, const ClientSecurity& security,
                                             grpc::ChannelArguments args) {
  if (!security.server_name.empty()) args.SetSslTargetNameOverride(security.server_name);
  return grpc::experimental::CreateCustomChannelWithInterceptors(address, security.Credentials(), args,
                                                                 Interceptors(security.token));
}

std::shared_ptr<grpc::Channel> InProcessChannelWithToken(grpc::Server* server, const std::string& token,
                                                         grpc::ChannelArguments args) {
  return server->experimental().InProcessChannelWithInterceptors(args, Interceptors(token));
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("--token_file: cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  const std::string token(absl::StripAsciiWhitespace(text.str()));
  if (token.empty()) return absl::InvalidArgumentError(absl::StrCat("--token_file: ", path, " is empty"));
  if (token.find_first_of(" \t\r\n") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("--token_file: ", path, " holds more than one word"));
  }
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    std::fprintf(stderr, "warning: token file %s can be read by other users (chmod 600 it)\n", path.c_str());
  }
  return token;
}

absl::StatusOr<std::string> WriteRandomTokenFile(const std::string& path) {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    const ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError("cannot draw random bytes for a token");
    got += static_cast<size_t>(n);
  }
  const std::string token = absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes)));
  unlink(path.c_str());  // a fresh file: never a link or another user's file
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return absl::PermissionDeniedError(absl::StrCat("cannot write the token file ", path, ": ", std::strerror(errno)));
  const std::string line = token + "\n";
  const bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  close(fd);
  if (!written) return absl::DataLossError(absl::StrCat("cannot write the token file ", path));
  return token;
}

const std::vector<std::pair<std::string, std::string SecurityFiles::*>>& SecurityFileFlags() {
  static const auto* flags = new std::vector<std::pair<std::string, std::string SecurityFiles::*>>{
      {"token_file", &SecurityFiles::token_file},
      {"tls_cert", &SecurityFiles::tls_cert},
      {"tls_key", &SecurityFiles::tls_key},
      {"tls_client_ca", &SecurityFiles::tls_client_ca},
      {"tls_ca", &SecurityFiles::tls_ca},
      {"tls_client_cert", &SecurityFiles::tls_client_cert},
      {"tls_client_key", &SecurityFiles::tls_client_key},
      {"tls_server_name", &SecurityFiles::tls_server_name}};
  return *flags;
}

std::vector<std::string> SecurityFileArgs(const SecurityFiles& files) {
  std::vector<std::string> out;
  for (const auto& [flag, field] : SecurityFileFlags()) {
    if ((files.*field).empty()) continue;
    out.push_back("--" + flag);
    out.push_back(files.*field);
  }
  return out;
}

absl::StatusOr<ServerSecurity> LoadServerSecurity(const SecurityFiles& files) {
  ServerSecurity security;
  MIMIC_ASSIGN_OR_RETURN(security.token, TokenOf(files));
  if (files.tls_cert.empty() != files.tls_key.empty()) {
    return absl::InvalidArgumentError("TLS needs both --tls_cert and --tls_key");
  }
  if (!files.tls_cert.empty()) {
    absl::StatusOr<std::string> cert = ReadPem(files.tls_cert, "--tls_cert");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem(files.tls_key, "--tls_key");
    if (!key.ok()) return key.status();
    security.cert_pem = *cert;
    security.key_pem = *key;
  }
  if (!files.tls_client_ca.empty()) {
    if (security.cert_pem.empty()) return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key");
    absl::StatusOr<std::string> ca = ReadPem(files.tls_client_ca, "--tls_client_ca");
    if (!ca.ok()) return ca.status();
    security.client_ca_pem = *ca;
  }
  return security;
}

absl::StatusOr<ClientSecurity> LoadClientSecurity(const SecurityFiles& files) {
  ClientSecurity security;
  MIMIC_ASSIGN_OR_RETURN(security.token, TokenOf(files));
  if (!files.tls_ca.empty()) {
    absl::StatusOr<std::string> ca = ReadPem(files.tls_ca, "--tls_ca");
    if (!ca.ok()) return ca.status();
    security.ca_pem = *ca;
  }
  if (files.tls_client_cert.empty() != files.tls_client_key.empty()) {
    return absl::InvalidArgumentError("a client certificate needs both --tls_client_cert and --tls_client_key");
  }
  if (!files.tls_client_cert.empty()) {
    if (security.ca_pem.empty()) return absl::InvalidArgumentError("--tls_client_cert needs --tls_ca (TLS)");
    absl::StatusOr<std::string> cert = ReadPem(files.tls_client_cert, "--tls_client_cert");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem(files.tls_client_key, "--tls_client_key");
    if (!key.ok()) return key.status();
    security.cert_pem = *cert;
    security.key_pem = *key;
  }
  security.server_name = files.tls_server_name;
  return security;
}

}  // namespace mimic
