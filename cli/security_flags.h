// The flags every networked command takes for its security (common/grpc_security.h): a token
// from --token_file or MIMIC_TOKEN (never the command line), TLS for servers (--tls_cert,
// --tls_key, --tls_client_ca to require client certificates) and for clients (--tls_ca,
// --tls_client_cert, --tls_client_key, --tls_server_name).
#ifndef MIMIC_CLI_SECURITY_FLAGS_H_
#define MIMIC_CLI_SECURITY_FLAGS_H_

#include <vector>

#include "common/args.h"
#include "common/grpc_security.h"

namespace mimic::cli {

// The flags of a server (token, its certificate, the clients' CA) and/or of a client (token, the
// servers' CA, its own certificate).
std::vector<FlagSpec> SecurityFlagSpecs(bool server, bool client);
// `flags` followed by those.
std::vector<FlagSpec> WithSecurityFlags(std::vector<FlagSpec> flags, bool server, bool client);
SecurityFiles SecurityFilesFrom(const Args& args);

}  // namespace mimic::cli

#endif  // MIMIC_CLI_SECURITY_FLAGS_H_
