// `mimic serve preprocess|analysis`: a job service (STAC, or the neural-comparison analyses) with
// Operations, grpc.health.v1 and /metrics, until SIGTERM or Ctrl-C. Optional TLS (--tls_cert,
// --tls_key) and a bearer token checked on every call (--token, or the MIMIC_TOKEN environment
// variable so it stays out of process listings).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "analysis/analysis_service.h"
#include "cli/commands.h"
#include "common/args.h"
#include "cli/stop_signals.h"
#include "common/grpc_metrics.h"
#include "common/job_store.h"
#include "common/metrics_server.h"
#include "common/operations_service.h"
#include "preprocess/preprocess_service.h"

namespace mimic::cli {
namespace {

absl::StatusOr<std::string> ReadWhole(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(what, ": cannot read ", path));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const Args& args) {
  if (!args.Has("tls_cert") && !args.Has("tls_key")) return grpc::InsecureServerCredentials();
  if (!args.Has("tls_cert") || !args.Has("tls_key")) {
    return absl::InvalidArgumentError("TLS needs both --tls_cert and --tls_key");
  }
  auto cert = ReadWhole(args.GetString("tls_cert", ""), "--tls_cert");
  if (!cert.ok()) return cert.status();
  auto key = ReadWhole(args.GetString("tls_key", ""), "--tls_key");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(options);
}

}  // namespace

int RunServe(const Argv& argv) {
  const std::string usage =
      "usage: ./mimic serve preprocess|analysis [--address HOST:PORT] [--data_root DIR] [--metrics_address HOST:PORT] "
      "[--workers N] [--job_db FILE] [--token T] [--tls_cert PEM --tls_key PEM] [--max_cells N]";
  if (argv.empty() || (argv[0] != "preprocess" && argv[0] != "analysis")) {
    return Fail("serve", absl::InvalidArgumentError(usage));
  }
  const std::string kind = argv[0];
  auto args = Args::Parse(Argv(argv.begin() + 1, argv.end()),
                          {"address", "data_root", "metrics_address", "workers", "job_db", "token", "tls_cert",
                           "tls_key", "max_cells"});
  if (!args.ok()) return Fail("serve", args.status());
  StopSignals signals(kind);
  auto guard = PathGuard::Create(args->GetString("data_root", "."));
  if (!guard.ok()) return Fail("serve", guard.status());
  auto workers = args->GetInt("workers", 1);
  auto max_cells = args->GetDouble("max_cells", 2e8);
  if (!workers.ok() || !max_cells.ok() || *workers < 1) {
    return Fail("serve", absl::InvalidArgumentError("--workers (>= 1) and --max_cells take numbers"));
  }
  const char* env_token = std::getenv("MIMIC_TOKEN");
  const std::string token = args->GetString("token", env_token ? env_token : "");
  auto credentials = Credentials(*args);
  if (!credentials.ok()) return Fail("serve", credentials.status());

  // with --job_db, submitted jobs survive a restart (unfinished ones run again)
  std::unique_ptr<JobStore> store;
  if (args->Has("job_db")) {
    auto opened = JobStore::Open(args->GetString("job_db", ""));
    if (!opened.ok()) return Fail("serve", opened.status());
    store = *std::move(opened);
  }
  analysis::AnalysisLimits limits;
  limits.max_cells = static_cast<int64_t>(*max_cells);
  JobRunner runner(*workers, 100, store.get(),
                   kind == "analysis" ? analysis::AnalysisJobRestorer(&*guard, limits)
                                      : preprocess::StacJobRestorer(&*guard));
  std::unique_ptr<grpc::Service> service;
  if (kind == "analysis") {
    service = std::make_unique<analysis::AnalysisServiceImpl>(&runner, *guard, limits, token);
  } else {
    if (!token.empty()) return Fail("serve", absl::UnimplementedError("--token is supported by the analysis service"));
    service = std::make_unique<preprocess::PreprocessServiceImpl>(&runner, *guard);
  }
  OperationsServiceImpl operations(&runner, token);
  GrpcMetrics grpc_metrics(kind);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  const std::string address = args->GetString("address", kind == "analysis" ? "0.0.0.0:9500" : "0.0.0.0:9200");
  builder.AddListeningPort(address, *credentials, &port);
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
  std::printf("%s: serving on port %d (data root %s, %d workers%s%s)%s\n", kind.c_str(), port, guard->root().c_str(),
              *workers, args->Has("tls_cert") ? ", TLS" : "", token.empty() ? "" : ", bearer token required",
              metrics ? absl::StrCat(", /metrics on port ", metrics->port()).c_str() : "");
  std::fflush(stdout);
  signals.stop().WaitForNotification();
  server->GetHealthCheckService()->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}

}  // namespace mimic::cli
