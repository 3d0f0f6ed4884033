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
  auto cert = ReadWhole(args.String("tls_cert"), "--tls_cert");
  if (!cert.ok()) return cert.status();
  auto key = ReadWhole(args.String("tls_key"), "--tls_key");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(options);
}

CommandSpec ServeSpec(const std::string& kind) {
  const bool analysis = kind == "analysis";
  return CommandSpec{
      "serve " + kind,
      analysis ? "run the neural-comparison analyses (encoding GLMs, RSA, latent variability) as a gRPC job service "
                 "with Operations, grpc.health.v1 and /metrics, until SIGTERM"
               : "run STAC registration as a gRPC job service with Operations, grpc.health.v1 and /metrics, until "
                 "SIGTERM",
      {
          {"address", FlagType::kString, analysis ? "0.0.0.0:9500" : "0.0.0.0:9200", "HOST:PORT", "where to serve"},
          {"data_root", FlagType::kString, ".", "DIR", "every path a job names must lie under this folder"},
          {"metrics_address", FlagType::kString, "", "HOST:PORT", "Prometheus /metrics (empty = none)"},
          {"workers", FlagType::kInt, "1", "jobs", "jobs run at once"},
          {"job_db", FlagType::kString, "", "FILE", "a SQLite job store: submitted jobs survive restarts (empty = memory)"},
          {"token", FlagType::kString, "", "TOKEN", "bearer token every call must carry (default: $MIMIC_TOKEN)"},
          {"tls_cert", FlagType::kString, "", "PEM", "TLS certificate (with --tls_key)"},
          {"tls_key", FlagType::kString, "", "PEM", "TLS private key (with --tls_cert)"},
          {"max_cells", FlagType::kDouble, "2e8", "cells", "analysis: largest array a job may load (rows x columns)"},
      },
      {analysis ? "./mimic serve analysis --data_root runs/demo --address 127.0.0.1:9500"
                : "./mimic serve preprocess --data_root . --address 127.0.0.1:9200"},
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
  if (workers < 1 || !(args->Double("max_cells") >= 1)) {
    return Fail("serve", absl::InvalidArgumentError("--workers and --max_cells must be at least 1"));
  }
  const char* env_token = std::getenv("MIMIC_TOKEN");
  const std::string token = args->Has("token") ? args->String("token") : (env_token ? env_token : "");
  auto credentials = Credentials(*args);
  if (!credentials.ok()) return Fail("serve", credentials.status());

  // with --job_db, submitted jobs survive a restart (unfinished ones run again)
  std::unique_ptr<JobStore> store;
  if (args->Has("job_db")) {
    auto opened = JobStore::Open(args->String("job_db"));
    if (!opened.ok()) return Fail("serve", opened.status());
    store = *std::move(opened);
  }
  analysis::AnalysisLimits limits;
  limits.max_cells = static_cast<int64_t>(args->Double("max_cells"));
  JobRunner runner(workers, 100, store.get(),
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
  const std::string address = args->String("address");
  builder.AddListeningPort(address, *credentials, &port);
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
  std::printf("%s: serving on port %d (data root %s, %d workers%s%s)%s\n", kind.c_str(), port, guard->root().c_str(),
              workers, args->Has("tls_cert") ? ", TLS" : "", token.empty() ? "" : ", bearer token required",
              metrics ? absl::StrCat(", /metrics on port ", metrics->port()).c_str() : "");
  std::fflush(stdout);
  signals.stop().WaitForNotification();
  server->GetHealthCheckService()->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}

}  // namespace mimic::cli
