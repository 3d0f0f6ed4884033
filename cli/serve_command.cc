// `mimic serve preprocess`: the preprocessing job service (STAC) with Operations, health and
// /metrics, until SIGTERM or Ctrl-C.
#include <csignal>
#include <cstdio>

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/env_setup.h"
#include "common/job_store.h"
#include "common/metrics_server.h"
#include "common/operations_service.h"
#include "preprocess/preprocess_service.h"

namespace mimic::cli {

int RunServe(const Argv& argv) {
  if (argv.empty() || argv[0] != "preprocess") {
    return Fail("serve", absl::InvalidArgumentError("usage: ./mimic serve preprocess [--address HOST:PORT] "
                                                    "[--data_root DIR] [--metrics_address HOST:PORT] [--workers N] [--job_db FILE]"));
  }
  auto args = Args::Parse(Argv(argv.begin() + 1, argv.end()), {"address", "data_root", "metrics_address", "workers", "job_db"});
  if (!args.ok()) return Fail("serve", args.status());
  auto guard = PathGuard::Create(args->GetString("data_root", "."));
  if (!guard.ok()) return Fail("serve", guard.status());
  const int workers = args->GetInt("workers", 1).value_or(1);

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  // with --job_db, submitted jobs survive a restart (unfinished ones run again)
  std::unique_ptr<JobStore> store;
  if (args->Has("job_db")) {
    auto opened = JobStore::Open(args->GetString("job_db", ""));
    if (!opened.ok()) return Fail("serve", opened.status());
    store = *std::move(opened);
  }
  JobRunner runner(workers, 100, store.get(), preprocess::StacJobRestorer(&*guard));
  preprocess::PreprocessServiceImpl preprocess(&runner, *guard);
  OperationsServiceImpl operations(&runner);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  const std::string address = args->GetString("address", "0.0.0.0:9200");
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&preprocess);
  builder.RegisterService(&operations);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) return Fail("serve", absl::UnavailableError(absl::StrCat("cannot listen on ", address)));
  std::unique_ptr<MetricsServer> metrics;
  auto collectable = std::make_shared<JobMetrics>(&runner, "preprocess");
  if (args->Has("metrics_address")) {
    auto started = MetricsServer::Start(args->GetString("metrics_address", ""));
    if (!started.ok()) return Fail("serve", started.status());
    metrics = *std::move(started);
    metrics->Register(collectable);
  }
  std::printf("preprocess: serving on port %d (data root %s, %d workers)%s\n", port, guard->root().c_str(), workers,
              metrics ? absl::StrCat(", /metrics on port ", metrics->port()).c_str() : "");
  int signal = 0;
  sigwait(&stop, &signal);
  std::printf("preprocess: %s received, shutting down\n", signal == SIGTERM ? "SIGTERM" : "SIGINT");
  server->GetHealthCheckService()->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}

}  // namespace mimic::cli
