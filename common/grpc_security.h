// Authentication between MIMIC's processes: every gRPC service can require a bearer token on
// every call (checked by the service with common/bearer_auth.h) and serve over TLS, optionally
// requiring client certificates signed by a given CA (mutual TLS, for the actor-replay-learner
// links); every client can add the token to each call and check the server's certificate, and
// present its own.
//
// Tokens come from a file (--token_file) or the MIMIC_TOKEN environment variable, never from the
// command line, where other users can read them in the process list. Without TLS a token travels
// in clear: use plaintext only on loopback or a private network.
#ifndef MIMIC_COMMON_GRPC_SECURITY_H_
#define MIMIC_COMMON_GRPC_SECURITY_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"

namespace mimic {

struct ServerSecurity {
  std::string token;              // empty: no token needed
  std::string cert_pem, key_pem;  // empty: plaintext
  std::string client_ca_pem;      // non-empty: clients must present a certificate it signed

  std::shared_ptr<grpc::ServerCredentials> Credentials() const;
  // "TLS with client certificates, bearer token" and the like, for start-up lines.
  std::string Describe() const;
};

struct ClientSecurity {
  std::string token;              // added to every call when non-empty
  std::string ca_pem;             // non-empty: TLS, the server's certificate checked against it
  std::string cert_pem, key_pem;  // a client certificate, for servers that require one
  std::string server_name;        // the name to check in the server's certificate (default: the host dialled)

  std::shared_ptr<grpc::ChannelCredentials> Credentials() const;
};

// A channel to `address` whose every call carries the token.
std::shared_ptr<grpc::Channel> SecureChannel(const std::string& address, const ClientSecurity& security,
                                             grpc::ChannelArguments args = grpc::ChannelArguments());

// An in-process channel to `server` whose every call carries `token`.
std::shared_ptr<grpc::Channel> InProcessChannelWithToken(grpc::Server* server, const std::string& token,
                                                         grpc::ChannelArguments args = grpc::ChannelArguments());

// Files (paths; empty = not given) from which a process's security is read.
struct SecurityFiles {
  std::string token_file;                      // else the MIMIC_TOKEN environment variable
  std::string tls_cert, tls_key;               // this server's certificate and key
  std::string tls_client_ca;                   // this server requires client certificates signed by it
  std::string tls_ca;                          // this client checks servers against it (TLS)
  std::string tls_client_cert, tls_client_key; // this client's certificate
  std::string tls_server_name;                 // the name clients check in servers' certificates
};

// The command-line flag naming each file (`token_file`, `tls_cert`, ...), in a fixed order.
const std::vector<std::pair<std::string, std::string SecurityFiles::*>>& SecurityFileFlags();
// `--flag value` for every file given, to hand the same security to a child process.
std::vector<std::string> SecurityFileArgs(const SecurityFiles& files);

absl::StatusOr<ServerSecurity> LoadServerSecurity(const SecurityFiles& files);
absl::StatusOr<ClientSecurity> LoadClientSecurity(const SecurityFiles& files);

// The token in `path` (surrounding whitespace removed); an error when it is empty or unreadable.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);
// A new random token (32 bytes from the kernel, hex), written to `path` readable by its owner only.
absl::StatusOr<std::string> WriteRandomTokenFile(const std::string& path);

}  // namespace mimic

#endif  // MIMIC_COMMON_GRPC_SECURITY_H_
