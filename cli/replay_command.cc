// `mimic replay --config FILE`: runs the replay service until SIGTERM or Ctrl-C, then closes the
// tables, lets open streams finish and writes a final checkpoint. The security flags
// (cli/security_flags.h) set its token, TLS and client certificates.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/env_setup.h"
#include "cli/security_flags.h"
#include "cli/stop_signals.h"
#include "common/text_proto.h"
#include "replay/replay_server.h"

namespace mimic::cli {

int RunReplay(const Argv& argv) {
  auto args = Args::Parse(argv, WithSecurityFlags({"config", "address", "checkpoint_dir", "metrics_address"}), {"check"});
  if (!args.ok()) return Fail("replay", args.status());
  if (!args->Has("config")) return Fail("replay", absl::InvalidArgumentError("--config FILE is required"));
  auto config = ReadTextProto<ReplayConfig>(args->GetString("config", ""));
  if (!config.ok()) return Fail("replay", config.status());
  if (args->Has("address")) config->set_address(args->GetString("address", ""));
  if (args->Has("checkpoint_dir")) config->set_checkpoint_dir(args->GetString("checkpoint_dir", ""));
  if (args->Has("metrics_address")) config->set_metrics_address(args->GetString("metrics_address", ""));

  if (args->Has("check")) {
    // validate tables and limiters without serving or touching checkpoints
    ReplayConfig dry = *config;
    dry.clear_checkpoint_dir();
    auto core = replay::ReplayCore::Create(dry);
    if (!core.ok()) return Fail("replay", core.status());
    std::printf("replay: config OK (%d tables)\n", dry.tables_size());
    return 0;
  }

  auto security = LoadServerSecurity(SecurityFilesFrom(*args));
  if (!security.ok()) return Fail("replay", security.status());
  StopSignals signals("replay");
  auto server = replay::ReplayServer::Start(*config, *security);
  if (!server.ok()) return Fail("replay", server.status());
  const auto info = (*server)->core().Info();
  std::printf("replay: serving %d tables on port %d (%s)", info.tables_size(), (*server)->port(),
              security->Describe().c_str());
  if ((*server)->metrics_port() > 0) std::printf(", /metrics on port %d", (*server)->metrics_port());
  if ((*server)->core().restored()) std::printf(", restored from %s", (*server)->core().restored_from().c_str());
  std::printf("\n");
  for (const auto& t : info.tables()) {
    std::printf("  table %-16s %6ld / %ld items, %ld inserts\n", t.name().c_str(), t.size(), t.max_size(), t.inserts());
  }
  std::fflush(stdout);

  signals.stop().WaitForNotification();
  absl::Status final_checkpoint = (*server)->Shutdown(absl::Seconds(5));
  if (!final_checkpoint.ok()) return Fail("replay", final_checkpoint);
  const auto done = (*server)->core().Info();
  std::printf("replay: stopped%s%s\n", done.last_checkpoint().empty() ? "" : "; final checkpoint ",
              done.last_checkpoint().c_str());
  return 0;
}

}  // namespace mimic::cli
