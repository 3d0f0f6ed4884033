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
#include "cli/env_setup.h"
#include "cli/security_flags.h"
#include "cli/stop_signals.h"
#include "common/grpc_metrics.h"
#include "common/job_store.h"
#include "common/metrics_server.h"
#include "common/operations_service.h"
#include "preprocess/preprocess_service.h"

namespace mimic::cli {

int RunServe(const Argv& argv) {
  const std::string usage = absl::StrCat(
      "usage: ./mimic serve preprocess|analysis --data_root DIR [--address HOST:PORT (default 127.0.0.1:9200 "
      "preprocess, 127.0.0.1:9500 analysis)] [--metrics_address HOST:PORT] [--workers N (1)] [--job_db FILE] "
      "[--max_read_mb MB (8192, per job)] [--max_cells N (2e8, analysis)] ",
      kSecurityUsage);
  if (argv.empty() || (argv[0] != "preprocess" && argv[0] != "analysis")) {
    return Fail("serve", absl::InvalidArgumentError(usage));
  }
  const std::string kind = argv[0];
  auto args = Args::Parse(Argv(argv.begin() + 1, argv.end()),
                          WithSecurityFlags({"address", "data_root", "metrics_address", "workers", "job_db",
                                             "max_cells", "max_read_mb"}));
  if (!args.ok()) return Fail("serve", args.status());
  if (!args->Has("data_root")) {
    return Fail("serve", absl::InvalidArgumentError(absl::StrCat("--data_root DIR is required: jobs read and write only "
                                                                 "under it\n", usage)));
  }
  StopSignals signals(kind);
  auto guard = PathGuard::Create(args->GetString("data_root", ""));
  if (!guard.ok()) return Fail("serve", guard.status());
  auto workers = args->GetInt("workers", 1);
  auto max_cells = args->GetDouble("max_cells", 2e8);
  auto max_read_mb = args->GetDouble("max_read_mb", 8192);
  if (!workers.ok() || !max_cells.ok() || !max_read_mb.ok() || *workers < 1 || *max_read_mb <= 0) {
    return Fail("serve", absl::InvalidArgumentError("--workers (>= 1), --max_cells and --max_read_mb (> 0) take numbers"));
  }
  auto security = LoadServerSecurity(SecurityFilesFrom(*args));
  if (!security.ok()) return Fail("serve", security.status());

  // with --job_db, submitted jobs survive a restart (unfinished ones run again); one server per database
  std::unique_ptr<JobStore> store;
  if (args->Has("job_db")) {
    auto opened = JobStore::Open(args->GetString("job_db", ""));
    if (!opened.ok()) return Fail("serve", opened.status());
    store = *std::move(opened);
    guard->Protect(args->GetString("job_db", ""));  // never a job's output
  }
  analysis::AnalysisLimits limits;
  limits.max_cells = static_cast<int64_t>(*max_cells);
  JobRunnerOptions runner_options;
  runner_options.workers = *workers;
  runner_options.max_read_bytes_per_job = static_cast<int64_t>(*max_read_mb * (1 << 20));
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
  const std::string address =
      args->GetString("address", kind == "analysis" ? "127.0.0.1:9500" : "127.0.0.1:9200");
  builder.AddListeningPort(address, security->Credentials(), &port);
  builder.RegisterService(service.get());
  builder.RegisterService(&operations);
  grpc_metrics.Install(builder);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) return Fail("serve", absl::UnavailableError(absl::StrCat("cannot listen on ", address)));
  std::unique_ptr<MetricsServer> metrics;
  auto collectable = std::make_shared<JobMetrics>(&runner, kind);
  if (args->Has("metrics_address")) {
    auto started = MetricsServer::Start(args->GetString("metrics_address", ""));
    if (!started.ok()) return Fail("serve", started.status());
    metrics = *std::move(started);
    metrics->Register(collectable);
    metrics->Register(grpc_metrics.registry());
  }
  std::printf("%s: serving on %s port %d (data root %s, %d workers, %s)%s\n", kind.c_str(),
              address.substr(0, address.rfind(':')).c_str(), port, guard->root().c_str(), *workers,
              security->Describe().c_str(), metrics ? absl::StrCat(", /metrics on port ", metrics->port()).c_str() : "");
  std::fflush(stdout);
  signals.stop().WaitForNotification();
  server->GetHealthCheckService()->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}

}  // namespace mimic::cli
