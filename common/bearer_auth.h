// Bearer-token checks at service edges: when a server is configured with a token, every call must
// carry `authorization: Bearer <token>` metadata. Compared in constant time. Use with TLS: over a
// plain channel the token travels in clear.
#ifndef MIMIC_COMMON_BEARER_AUTH_H_
#define MIMIC_COMMON_BEARER_AUTH_H_

#include <string>

#include <grpcpp/grpcpp.h>

namespace mimic {

// OK when `token` is empty (no authentication configured) or the call carries it.
inline grpc::Status CheckBearer(const grpc::ServerContext* context, const std::string& token) {
  if (token.empty()) return grpc::Status::OK;
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return grpc::Status(grpc::UNAUTHENTICATED, "this server needs a bearer token (--token_file FILE or MIMIC_TOKEN)");
  const std::string given(it->second.data(), it->second.size());
  const std::string expected = "Bearer " + token;
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < given.size() && i < expected.size(); ++i) diff |= given[i] ^ expected[i];
  if (diff != 0) return grpc::Status(grpc::UNAUTHENTICATED, "wrong bearer token");
  return grpc::Status::OK;
}

// Client side: adds the token to a call's metadata (nothing when empty).
inline void AddBearer(grpc::ClientContext* context, const std::string& token) {
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
}

}  // namespace mimic

#endif  // MIMIC_COMMON_BEARER_AUTH_H_
