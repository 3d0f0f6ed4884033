// `mimic replay --config REPLAY.pbtxt | --train_config TRAIN.pbtxt`: runs the replay service until
// SIGTERM or Ctrl-C, then closes the tables, lets open streams finish and writes a final checkpoint.
// With --train_config the tables are those the run's learner expects (actors/task_factory). The
// security flags (cli/security_flags.h) set its token, TLS and client certificates.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "actors/task_factory.h"
#include "cli/commands.h"
#include "cli/security_flags.h"
#include "common/args.h"
#include "common/grpc_polling.h"
#include "cli/stop_signals.h"
#include "common/text_proto.h"
#include "replay/replay_server.h"

namespace mimic::cli {
namespace {

const CommandSpec& ReplaySpec() {
  static const auto* spec = new CommandSpec{
      "replay",
      "run the replay service (tables, samplers, rate limiters, checkpoints) until SIGTERM, then close the "
      "tables, let open streams finish and write a final checkpoint",
      WithSecurityFlags({
          {"config", FlagType::kString, "", "FILE", "the ReplayConfig (text proto, proto/replay.proto); or:"},
          {"train_config", FlagType::kString, "", "FILE",
           "a run's TrainConfig: its replay tables, completed as the run's learner expects them (one config file "
           "for every pod), checkpoints every replay_checkpoint_interval_s"},
          {"address", FlagType::kString, "", "HOST:PORT", "where to serve (default: the config's address)"},
          {"checkpoint_dir", FlagType::kString, "", "DIR", "checkpoints (default: the config's; restores the newest)"},
          {"metrics_address", FlagType::kString, "", "HOST:PORT", "Prometheus /metrics (default: the config's)"},
          {"check", FlagType::kBool, "", "", "validate the config and exit without serving"},
      }, /*server=*/true, /*client=*/false),
      {"./mimic replay --config configs/replay_example.pbtxt --check",
       "./mimic replay --train_config configs/smoke.pbtxt --address 0.0.0.0:9100 --checkpoint_dir /state/replay"},
  };
  return *spec;
}

absl::StatusOr<ReplayConfig> ReplayConfigOfRun(const std::string& path) {
  auto train = ReadTextProto<TrainConfig>(path);
  if (!train.ok()) return train.status();
  FillReplayTables(*train);
  ReplayConfig replay = train->replay();
  replay.set_checkpoint_interval_s(train->replay_checkpoint_interval_s());  // as the local launcher does
  return replay;
}

}  // namespace

int RunReplay(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(ReplaySpec(), argv, &exit_code);
  if (!args) return exit_code;
  if (args->Has("config") == args->Has("train_config")) {
    return Fail("replay", absl::InvalidArgumentError("give either --config REPLAY.pbtxt or --train_config TRAIN.pbtxt"));
  }
  auto config = args->Has("config") ? ReadTextProto<ReplayConfig>(args->String("config"))
                                    : ReplayConfigOfRun(args->String("train_config"));
  if (!config.ok()) return Fail("replay", config.status());
  if (args->Has("address")) config->set_address(args->String("address"));
  if (args->Has("checkpoint_dir")) config->set_checkpoint_dir(args->String("checkpoint_dir"));
  if (args->Has("metrics_address")) config->set_metrics_address(args->String("metrics_address"));

  if (args->Bool("check")) {
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
  std::printf(", gRPC polling engine %s", mimic::GrpcPollingEngineName().c_str());
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
