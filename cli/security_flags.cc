#include "cli/security_flags.h"

namespace mimic::cli {

std::vector<FlagSpec> SecurityFlagSpecs(bool server, bool client) {
  std::vector<FlagSpec> flags = {
      {"token_file", FlagType::kString, "", "FILE",
       "bearer token (one word) required of callers and sent to servers (default: $MIMIC_TOKEN)"}};
  if (server) {
    flags.push_back({"tls_cert", FlagType::kString, "", "PEM", "serve TLS with this certificate (with --tls_key)"});
    flags.push_back({"tls_key", FlagType::kString, "", "PEM", "TLS private key (with --tls_cert)"});
    flags.push_back({"tls_client_ca", FlagType::kString, "", "PEM", "require client certificates signed by this CA"});
  }
  if (client) {
    flags.push_back({"tls_ca", FlagType::kString, "", "PEM", "connect over TLS, trusting this root certificate"});
    flags.push_back({"tls_client_cert", FlagType::kString, "", "PEM", "present this client certificate (with --tls_client_key)"});
    flags.push_back({"tls_client_key", FlagType::kString, "", "PEM", "the client certificate's key"});
    flags.push_back({"tls_server_name", FlagType::kString, "", "NAME", "the name to check in servers' certificates"});
  }
  return flags;
}

std::vector<FlagSpec> WithSecurityFlags(std::vector<FlagSpec> flags, bool server, bool client) {
  for (FlagSpec& flag : SecurityFlagSpecs(server, client)) flags.push_back(std::move(flag));
  return flags;
}

SecurityFiles SecurityFilesFrom(const Args& args) {
  SecurityFiles files;
  for (const auto& [flag, field] : SecurityFileFlags()) files.*field = args.GetString(flag, "");
  return files;
}

}  // namespace mimic::cli
