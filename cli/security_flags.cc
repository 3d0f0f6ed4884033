#include "cli/security_flags.h"

namespace mimic::cli {
namespace {

// flag name -> field
const std::vector<std::pair<const char*, std::string SecurityFiles::*>>& Fields() {
  static const auto* fields = new std::vector<std::pair<const char*, std::string SecurityFiles::*>>{
      {"token_file", &SecurityFiles::token_file},
      {"tls_cert", &SecurityFiles::tls_cert},
      {"tls_key", &SecurityFiles::tls_key},
      {"tls_client_ca", &SecurityFiles::tls_client_ca},
      {"tls_ca", &SecurityFiles::tls_ca},
      {"tls_client_cert", &SecurityFiles::tls_client_cert},
      {"tls_client_key", &SecurityFiles::tls_client_key},
      {"tls_server_name", &SecurityFiles::tls_server_name}};
  return *fields;
}

}  // namespace

std::set<std::string> WithSecurityFlags(std::set<std::string> known) {
  for (const auto& [flag, field] : Fields()) known.insert(flag);
  return known;
}

SecurityFiles SecurityFilesFrom(const Args& args) {
  SecurityFiles files;
  for (const auto& [flag, field] : Fields()) files.*field = args.GetString(flag, "");
  return files;
}

std::vector<std::string> SecurityArgs(const SecurityFiles& files) {
  std::vector<std::string> out;
  for (const auto& [flag, field] : Fields()) {
    if ((files.*field).empty()) continue;
    out.push_back(std::string("--") + flag);
    out.push_back(files.*field);
  }
  return out;
}

}  // namespace mimic::cli
