#include "replay/replay_server.h"

#include <cstdio>

#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "replay/transport_args.h"

namespace mimic::replay {

absl::StatusOr<std::unique_ptr<ReplayServer>> ReplayServer::Start(const ReplayConfig& config,
                                                                  const ServerSecurity& security) {
  std::unique_ptr<ReplayServer> s(new ReplayServer());
  MIMIC_ASSIGN_OR_RETURN(s->core_, ReplayCore::Create(config));
  const int64_t max_bytes = config.max_message_bytes() > 0 ? config.max_message_bytes() : kDefaultMaxMessageBytes;
  if (max_bytes > (int64_t{1} << 31) - 1) return absl::InvalidArgumentError("max_message_bytes must be below 2 GiB");
  s->service_ = std::make_unique<ReplayServiceImpl>(s->core_.get(), max_bytes, security.token);
  s->token_ = security.token;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  const std::string address = config.address().empty() ? "127.0.0.1:0" : config.address();
  builder.AddListeningPort(address, security.Credentials(), &s->port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(max_bytes));
  builder.RegisterService(s->service_.get());
  s->grpc_metrics_ = std::make_unique<GrpcMetrics>("replay");
  s->grpc_metrics_->Install(builder);
  ApplyBulkTransportArgs([&builder](const std::string& name, int value) { builder.AddChannelArgument(name, value); });
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || s->port_ == 0) return absl::UnavailableError(absl::StrCat("cannot listen on ", address));
  s->server_->GetHealthCheckService()->SetServingStatus(true);
  if (!config.metrics_address().empty()) {
    MIMIC_ASSIGN_OR_RETURN(s->metrics_, MetricsServer::Start(config.metrics_address()));
    s->metrics_collectable_ = std::make_shared<ReplayMetrics>(s->core_.get());
    s->metrics_->Register(s->metrics_collectable_);
    s->metrics_->Register(s->grpc_metrics_->registry());
  }
  if (!config.checkpoint_dir().empty() && config.checkpoint_interval_s() > 0) {
    s->checkpointer_ = std::thread([server = s.get()] { server->CheckpointLoop(); });
  }
  return s;
}

ReplayServer::~ReplayServer() { Shutdown().IgnoreError(); }

std::shared_ptr<grpc::Channel> ReplayServer::InProcessChannel() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  return InProcessChannelWithToken(server_.get(), token_, args);
}

void ReplayServer::CheckpointLoop() {
  const absl::Duration interval = absl::Seconds(core_->config().checkpoint_interval_s());
  while (!stopping_.WaitForNotificationWithTimeout(interval)) {
    auto result = core_->Checkpoint();
    if (!result.ok()) std::fprintf(stderr, "replay: periodic checkpoint failed: %s\n", result.status().ToString().c_str());
  }
}

absl::Status ReplayServer::Shutdown(absl::Duration deadline) {
  if (shut_down_) return absl::OkStatus();
  shut_down_ = true;
  if (!server_ || !core_) return absl::OkStatus();  // never started
  stopping_.Notify();
  if (checkpointer_.joinable()) checkpointer_.join();
  server_->GetHealthCheckService()->SetServingStatus(false);
  // wake blocked inserts and samples so open streams can finish
  core_->Close();
  service_->CancelOpenStreams();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + deadline));
  server_->Wait();
  if (core_->config().checkpoint_dir().empty()) return absl::OkStatus();
  return core_->Checkpoint().status();
}

}  // namespace mimic::replay
