// `mimic serve preprocess|analysis`: a job service (STAC, or the neural-comparison analyses) with
// Operations, grpc.health.v1 and /metrics, until SIGTERM or Ctrl-C. Files are confined to
// --data_root (required); 127.0.0.1 unless --address says otherwise; a bearer token checked on
// every call (--token_file, or the MIMIC_TOKEN environment variable: never on the command line),
// optional TLS and client certificates; each job's reads bounded by --max_read_mb. A clean stop
// leaves running jobs to run again after a restart (with --job_db).
#include <cstdio>

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "analysis/analysis_service.h"
#include "cli/commands.h"
#include "common/args.h"
#include "cli/security_flags.h"
#include "cli/stop_signals.h"
#include "common/grpc_metrics.h"
#include "common/job_store.h"
#include "common/metrics_server.h"
#include "common/operations_service.h"
#include "preprocess/preprocess_service.h"

namespace mimic::cli {
namespace {

CommandSpec ServeSpec(const std::string& kind) {
  const bool analysis = kind == "analysis";
  return CommandSpec{
      "serve " + kind,
      analysis ? "run the neural-comparison analyses (encoding GLMs, RSA, latent variability) as a gRPC job service "
                 "with Operations, grpc.health.v1 and /metrics, until SIGTERM"
               : "run STAC registration as a gRPC job service with Operations, grpc.health.v1 and /metrics, until "
                 "SIGTERM",
      WithSecurityFlags(
          {
              {"address", FlagType::kString, analysis ? "127.0.0.1:9500" : "127.0.0.1:9200", "HOST:PORT",
               "where to serve (0.0.0.0:PORT to serve other machines)"},
              {"data_root", FlagType::kString, "", "DIR",
               "jobs read and write only beneath this folder (no symbolic links)", /*required=*/true},
              {"metrics_address", FlagType::kString, "", "HOST:PORT", "Prometheus /metrics (empty = none)"},
              {"workers", FlagType::kInt, "1", "jobs", "jobs run at once"},
              {"job_db", FlagType::kString, "", "FILE",
               "a SQLite job store: submitted jobs survive restarts (empty = memory); one server per file"},
              {"max_read_mb", FlagType::kDouble, "8192", "MiB", "what one job's files may make it allocate, together"},
              {"max_cells", FlagType::kDouble, "2e8", "cells", "analysis: largest array a job may load (rows x columns)"},
          },
          /*server=*/true, /*client=*/false),
      {analysis ? "./mimic serve analysis --data_root runs/demo --token_file runs/demo/analysis.token"
                : "./mimic serve preprocess --data_root . --token_file runs/demo/analysis.token"},
  };
}

const CommandSpec& PreprocessSpec() {
  static const auto* spec = new CommandSpec(ServeSpec("preprocess"));
  return *spec;
}

const CommandSpec& AnalysisSpec() {
  static const auto* spec = new CommandSpec(ServeSpec("analysis"));
  return *spec;
}

}  // namespace

int RunServe(const Argv& argv) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h" || (argv[0] != "preprocess" && argv[0] != "analysis")) {
    std::FILE* out = argv.empty() || argv[0][0] != '-' ? stderr : stdout;
    std::fprintf(out, "usage: ./mimic serve preprocess|analysis [flags]   (./mimic serve KIND --help for one)\n\n"
                      "  preprocess  %s\n  analysis    %s\n\nexample:\n  %s\n",
                 PreprocessSpec().summary.c_str(), AnalysisSpec().summary.c_str(), AnalysisSpec().examples[0].c_str());
    if (!argv.empty() && argv[0][0] != '-') {
      const std::string nearest = NearestName(argv[0], {"preprocess", "analysis"});
      std::fprintf(stderr, "mimic serve: unknown service '%s'%s\n", argv[0].c_str(),
                   nearest.empty() ? "" : ("; did you mean " + nearest + "?").c_str());
    }
    return out == stdout ? 0 : 2;
  }
  const std::string kind = argv[0];
  int exit_code;
  auto args = ParseCommandLine(kind == "analysis" ? AnalysisSpec() : PreprocessSpec(), Argv(argv.begin() + 1, argv.end()),
                               &exit_code);
  if (!args) return exit_code;
  StopSignals signals(kind);
  auto guard = PathGuard::Create(args->String("data_root"));
  if (!guard.ok()) return Fail("serve", guard.status());
  const int workers = args->Int("workers");
  if (workers < 1 || !(args->Double("max_cells") >= 1) || !(args->Double("max_read_mb") > 0)) {
    return Fail("serve", absl::InvalidArgumentError("--workers and --max_cells must be at least 1, --max_read_mb above 0"));
  }
  auto security = LoadServerSecurity(SecurityFilesFrom(*args));
  if (!security.ok()) return Fail("serve", security.status());

  // with --job_db, submitted jobs survive a restart (unfinished ones run again); one server per database
  std::unique_ptr<JobStore> store;
  if (args->Has("job_db")) {
    auto opened = JobStore::Open(args->String("job_db"));
    if (!opened.ok()) return Fail("serve", opened.status());
    store = *std::move(opened);
    guard->Protect(args->String("job_db"));  // never a job's output
  }
  analysis::AnalysisLimits limits;
  limits.max_cells = static_cast<int64_t>(args->Double("max_cells"));
  JobRunnerOptions runner_options;
  runner_options.workers = workers;
  runner_options.max_read_bytes_per_job = static_cast<int64_t>(args->Double("max_read_mb") * (1 << 20));
  JobRunner runner(runner_options, store.get(),
                   kind == "analysis" ? analysis::AnalysisJobRestorer(&*guard, limits)
                                      : preprocess::StacJobRestorer(&*guard));
  std::unique_ptr<grpc::Service> service;
  if (kind == "analysis") {
    service = std::make_unique<analysis::AnalysisServiceImpl>(&runner, *guard, limits, security->token);
  } else {
    service = std::make_unique<preprocess::PreprocessServiceImpl>(&runner, *guard, "configs/stac_rodent.pbtxt",
                                                                  security->token);
  }
  OperationsServiceImpl operations(&runner, security->token);
  GrpcMetrics grpc_metrics(kind);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  const std::string address = args->String("address");
  builder.AddListeningPort(address, security->Credentials(), &port);
  builder.RegisterService(service.get());
  builder.RegisterService(&operations);
  grpc_metrics.Install(builder);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) return Fail("serve", absl::UnavailableError(absl::StrCat("cannot listen on ", address)));
  std::unique_ptr<MetricsServer> metrics;
  auto collectable = std::make_shared<JobMetrics>(&runner, kind);
  if (args->Has("metrics_address")) {
    auto started = MetricsServer::Start(args->String("metrics_address"));
    if (!started.ok()) return Fail("serve", started.status());
    metrics = *std::move(started);
    metrics->Register(collectable);
    metrics->Register(grpc_metrics.registry());
  }
  std::printf("%s: serving on %s port %d (data root %s, %d workers, %s)%s\n", kind.c_str(),
              address.substr(0, address.rfind(':')).c_str(), port, guard->root().c_str(), workers,
              security->Describe().c_str(), metrics ? absl::StrCat(", /metrics on port ", metrics->port()).c_str() : "");
  std::fflush(stdout);
  signals.stop().WaitForNotification();
  server->GetHealthCheckService()->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}

}  // namespace mimic::cli
