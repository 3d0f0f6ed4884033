// Small clients for running services: `mimic health` (grpc.health.v1) and `mimic replay-info`.
#include <cstdio>

#include "cli/commands.h"
#include "cli/env_setup.h"
#include "cli/security_flags.h"
#include "common/health_check.h"
#include "replay/replay_client.h"

namespace mimic::cli {

int RunHealth(const Argv& argv) {
  auto args = Args::Parse(argv, WithSecurityFlags({"server", "service", "timeout"}));
  if (!args.ok()) return Fail("health", args.status());
  if (!args->Has("server")) return Fail("health", absl::InvalidArgumentError("--server HOST:PORT is required"));
  const std::string server = args->GetString("server", "");
  auto security = LoadClientSecurity(SecurityFilesFrom(*args));
  if (!security.ok()) return Fail("health", security.status());
  auto serving = CheckHealth(SecureChannel(server, *security),
                             args->GetString("service", ""),
                             absl::Seconds(args->GetDouble("timeout", 5).value_or(5)));
  if (!serving.ok()) return Fail("health", serving.status());
  std::printf("%s: %s\n", server.c_str(), *serving ? "SERVING" : "NOT_SERVING");
  return *serving ? 0 : 1;
}

int RunReplayInfo(const Argv& argv) {
  auto args = Args::Parse(argv, WithSecurityFlags({"server"}));
  if (!args.ok()) return Fail("replay-info", args.status());
  if (!args->Has("server")) return Fail("replay-info", absl::InvalidArgumentError("--server HOST:PORT is required"));
  auto security = LoadClientSecurity(SecurityFilesFrom(*args));
  if (!security.ok()) return Fail("replay-info", security.status());
  replay::ReplaySampler client(replay::ChannelStubFactory(args->GetString("server", ""), 64 << 20, *security), {});
  auto info = client.Info();
  if (!info.ok()) return Fail("replay-info", info.status());
  std::printf("%-16s %10s %10s %10s %10s %12s %s\n", "table", "size", "max_size", "inserts", "samples", "bytes",
              "limiter (insert/sample ok)");
  for (const auto& t : info->tables()) {
    std::printf("%-16s %10ld %10ld %10ld %10ld %12ld %d/%d\n", t.name().c_str(), t.size(), t.max_size(), t.inserts(),
                t.samples(), t.bytes(), t.can_insert(), t.can_sample());
  }
  std::printf("checkpoints: %ld%s%s; writers remembered: %ld\n", info->checkpoints(),
              info->last_checkpoint().empty() ? "" : ", last ", info->last_checkpoint().c_str(), info->writers());
  return 0;
}

}  // namespace mimic::cli
