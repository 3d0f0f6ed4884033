// Small clients for running services: `mimic health` (grpc.health.v1) and `mimic replay-info`.
#include <cstdio>

#include "cli/commands.h"
#include "cli/security_flags.h"
#include "common/args.h"
#include "common/health_check.h"
#include "replay/replay_client.h"

namespace mimic::cli {
namespace {

const CommandSpec& HealthSpec() {
  static const auto* spec = new CommandSpec{
      "health",
      "ask a MIMIC service whether it is serving (grpc.health.v1); exit 0 if so",
      WithSecurityFlags(
          {
              {"server", FlagType::kString, "", "HOST:PORT", "the service", true},
              {"service", FlagType::kString, "", "NAME", "a service name (default: the server as a whole)"},
              {"timeout", FlagType::kDouble, "5", "s", "how long to wait for the answer"},
          },
          /*server=*/false, /*client=*/true),
      {"./mimic health --server 127.0.0.1:9100"},
  };
  return *spec;
}

const CommandSpec& ReplayInfoSpec() {
  static const auto* spec = new CommandSpec{
      "replay-info",
      "print a running replay service's tables (size, inserts, samples, bytes, rate limiter) and checkpoints",
      WithSecurityFlags({{"server", FlagType::kString, "", "HOST:PORT", "the replay service", true}},
                        /*server=*/false, /*client=*/true),
      {"./mimic replay-info --server 127.0.0.1:9100 --token_file runs/train-smoke/token"},
  };
  return *spec;
}

}  // namespace

int RunHealth(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(HealthSpec(), argv, &exit_code);
  if (!args) return exit_code;
  const std::string server = args->String("server");
  auto security = LoadClientSecurity(SecurityFilesFrom(*args));
  if (!security.ok()) return Fail("health", security.status());
  auto serving = CheckHealth(SecureChannel(server, *security), args->String("service"),
                             absl::Seconds(args->Double("timeout")));
  if (!serving.ok()) return Fail("health", serving.status());
  std::printf("%s: %s\n", server.c_str(), *serving ? "SERVING" : "NOT_SERVING");
  return *serving ? 0 : 1;
}

int RunReplayInfo(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(ReplayInfoSpec(), argv, &exit_code);
  if (!args) return exit_code;
  auto security = LoadClientSecurity(SecurityFilesFrom(*args));
  if (!security.ok()) return Fail("replay-info", security.status());
  replay::ReplaySampler client(replay::ChannelStubFactory(args->String("server"), 64 << 20, *security), {});
  auto info = client.Info();
  if (!info.ok()) return Fail("replay-info", info.status());
  std::printf("%-16s %10s %10s %10s %10s %12s %s\n", "table", "size", "max_size", "inserts", "samples", "bytes",
              "limiter (insert/sample ok)");
  for (const auto& t : info->tables()) {
    std::printf("%-16s %10ld %10ld %10ld %10ld %12ld %d/%d\n", t.name().c_str(), t.size(), t.max_size(), t.inserts(),
                t.samples(), t.bytes(), t.can_insert(), t.can_sample());
  }
  std::printf("checkpoints: %ld%s%s; writers: %d streaming, %ld remembered\n", info->checkpoints(),
              info->last_checkpoint().empty() ? "" : ", last ", info->last_checkpoint().c_str(), info->writers(),
              info->remembered_writers());
  return 0;
}

}  // namespace mimic::cli
