#include "common/metrics_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include <prometheus/text_serializer.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mimic {

absl::Status MetricsServerOptions::Validate() const {
  if (threads < 1 || max_connections < 1) {
    return absl::InvalidArgumentError("metrics server: threads and max_connections must be >= 1");
  }
  if (idle_timeout < absl::Seconds(1) || connection_deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("metrics server: idle_timeout must be >= 1 s and connection_deadline > 0");
  }
  if (thread_stack_bytes < (256 << 10)) return absl::InvalidArgumentError("metrics server: thread stack below 256 KB");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& address,
                                                                    const MetricsServerOptions& options) {
  if (absl::Status valid = options.Validate(); !valid.ok()) return valid;
  const size_t colon = address.rfind(':');
  std::string host = colon == std::string::npos ? "" : address.substr(0, colon);
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  int port = 0;
  if (!absl::SimpleAtoi(colon == std::string::npos ? address : address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("metrics address '", address, "' has no valid port"));
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("metrics address '", address, "': '", host, "' is not an IPv4 address"));
  }
  std::unique_ptr<MetricsServer> server(new MetricsServer(options));
  const unsigned idle_seconds = static_cast<unsigned>(absl::ToInt64Seconds(options.idle_timeout));
  server->daemon_ = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, 0, nullptr, nullptr,
      reinterpret_cast<MHD_AccessHandlerCallback>(&MetricsServer::OnRequest), server.get(),
      MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&sa),
      MHD_OPTION_THREAD_POOL_SIZE, static_cast<unsigned>(options.threads),
      MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned>(options.max_connections),
      MHD_OPTION_CONNECTION_TIMEOUT, idle_seconds,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(64 << 10),  // bounds a request's headers
      MHD_OPTION_THREAD_STACK_SIZE, static_cast<size_t>(options.thread_stack_bytes),
      MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<MHD_NotifyConnectionCallback>(&MetricsServer::OnConnection),
      server.get(), MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot serve /metrics on ", address, " (address in use?)"));
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(server->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  server->port_ = info != nullptr ? info->port : port;
  server->reaper_ = std::thread([s = server.get()] { s->EnforceDeadlines(); });
  return server;
}

MetricsServer::~MetricsServer() {
  stopping_.Notify();
  if (reaper_.joinable()) reaper_.join();
  // closes the listening socket and every connection, then joins the pool
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

void MetricsServer::Register(const std::weak_ptr<prometheus::Collectable>& collectable) {
  absl::MutexLock lock(&mu_);
  collectables_.push_back(collectable);
}

std::string MetricsServer::Render() const {
  std::vector<prometheus::MetricFamily> families;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& weak : collectables_) {
      if (auto collectable = weak.lock()) {
        auto collected = collectable->Collect();
        families.insert(families.end(), std::make_move_iterator(collected.begin()),
                        std::make_move_iterator(collected.end()));
      }
    }
  }
  return prometheus::TextSerializer().Serialize(families);
}

void MetricsServer::OnConnection(void* self, MHD_Connection* connection, void**, int event) {
  auto* server = static_cast<MetricsServer*>(self);
  absl::MutexLock lock(&server->connections_mu_);
  if (event == MHD_CONNECTION_NOTIFY_STARTED) {
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info != nullptr) server->connections_[connection] = {info->connect_fd, absl::Now()};
  } else {
    // called before libmicrohttpd closes the socket, so the reaper never touches a reused one
    server->connections_.erase(connection);
  }
}

void MetricsServer::EnforceDeadlines() {
  while (!stopping_.WaitForNotificationWithTimeout(absl::Milliseconds(250))) {
    const absl::Time cutoff = absl::Now() - options_.connection_deadline;
    absl::MutexLock lock(&connections_mu_);
    for (auto& [connection, open] : connections_) {
      // shutdown, not close: the socket stays libmicrohttpd's, which sees it end and cleans up
      if (open.first >= 0 && open.second < cutoff) {
        shutdown(open.first, SHUT_RDWR);
        open.first = -1;
      }
    }
  }
}

int MetricsServer::OnRequest(void* self, MHD_Connection* connection, const char* url, const char* method,
                             const char*, const char*, size_t*, void**) {
  auto* server = static_cast<MetricsServer*>(self);
  unsigned status = MHD_HTTP_OK;
  std::string body;
  if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0) {
    status = MHD_HTTP_METHOD_NOT_ALLOWED;
    body = "only GET is served\n";
  } else if (std::strcmp(url, "/metrics") == 0) {
    body = server->Render();
  } else {
    status = MHD_HTTP_NOT_FOUND;
    body = "see /metrics\n";
  }
  MHD_Response* response = MHD_create_response_from_buffer(body.size(), body.data(), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, "Content-Type", "text/plain; version=0.0.4");
  const MHD_Result queued = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return queued;
}

}  // namespace mimic
