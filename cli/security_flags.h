// The flags every networked command takes for its security (common/grpc_security.h): a token
// from --token_file or MIMIC_TOKEN, TLS for servers (--tls_cert, --tls_key, --tls_client_ca to
// require client certificates) and for clients (--tls_ca, --tls_client_cert, --tls_client_key,
// --tls_server_name).
#ifndef MIMIC_CLI_SECURITY_FLAGS_H_
#define MIMIC_CLI_SECURITY_FLAGS_H_

#include <set>
#include <string>
#include <vector>

#include "common/args.h"
#include "common/grpc_security.h"

namespace mimic::cli {

constexpr char kSecurityUsage[] =
    "[--token_file F (or MIMIC_TOKEN)] [--tls_cert PEM --tls_key PEM [--tls_client_ca PEM]] "
    "[--tls_ca PEM [--tls_client_cert PEM --tls_client_key PEM] [--tls_server_name NAME]]";

// `known` plus the security flags.
std::set<std::string> WithSecurityFlags(std::set<std::string> known);
SecurityFiles SecurityFilesFrom(const Args& args);
// The security flags given, as arguments to hand on to a child process.
std::vector<std::string> SecurityArgs(const SecurityFiles& files);

}  // namespace mimic::cli

#endif  // MIMIC_CLI_SECURITY_FLAGS_H_
