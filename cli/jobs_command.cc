// `mimic jobs`: the client of MIMIC's job services — submit a STAC or an encoding-analysis job,
// then get, watch (with a progress line), list or cancel operations. --token_file (or MIMIC_TOKEN)
// adds a bearer token to every call; --tls_ca PEM (or --ca) switches to TLS with that root
// certificate, and --tls_client_cert/--tls_client_key present a client certificate.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "cli/env_setup.h"
#include "cli/security_flags.h"
#include "absl/strings/str_split.h"
#include "common/bearer_auth.h"
#include "common/grpc_status.h"
#include "proto/jobs.grpc.pb.h"

namespace mimic::cli {
namespace {

std::string StateName(JobState s) {
  std::string name = JobState_Name(s);
  for (char& c : name) c = static_cast<char>(std::tolower(c));
  return name;
}

void PrintOperation(const Operation& op) {
  std::printf("%s  %-9s %-24s %5.1f%%  %s\n", op.id().c_str(), StateName(op.state()).c_str(), op.stage().c_str(),
              100 * op.progress(), op.message().c_str());
  for (const auto& o : op.outputs()) std::printf("    output: %s\n", o.c_str());
}

// Follows an operation to its end, redrawing one progress line; exit code 0 only on success.
int Watch(Operations::Stub& stub, const std::string& id) {
  grpc::ClientContext context;
  OperationRequest request;
  request.set_id(id);
  auto reader = stub.WatchOperation(&context, request);
  Operation op;
  const int64_t start = absl::ToUnixMillis(absl::Now());
  bool got = false;
  while (reader->Read(&op)) {
    got = true;
    const double elapsed = (absl::ToUnixMillis(absl::Now()) - start) / 1000.0;
    const double eta = op.progress() > 0.01 ? elapsed * (1 - op.progress()) / op.progress() : 0;
    std::fprintf(stderr, "%s: %s %s %.0f%% (%.1f s, stage ETA %.1f s)\n", id.c_str(), StateName(op.state()).c_str(),
                 op.stage().c_str(), 100 * op.progress(), elapsed, eta);
  }
  const grpc::Status status = reader->Finish();
  if (!status.ok()) return Fail("jobs watch", FromGrpcStatus(status));
  if (!got) return Fail("jobs watch", absl::InternalError("no update received"));
  PrintOperation(op);
  if (!op.result_json().empty()) std::printf("%s\n", op.result_json().c_str());
  return op.state() == SUCCEEDED ? 0 : 1;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(const Args& args) {
  SecurityFiles files = SecurityFilesFrom(args);
  if (files.tls_ca.empty()) files.tls_ca = args.GetString("ca", "");  // the older name of --tls_ca
  auto security = LoadClientSecurity(files);
  if (!security.ok()) return security.status();
  return SecureChannel(args.GetString("server", ""), *security);
}

// --lags A:B[:S] into the spec's lag range.
absl::Status SetLags(const std::string& text, EncodingJobSpec* spec) {
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  std::vector<int> values;
  for (const std::string& p : parts) {
    int v = 0;
    if (!absl::SimpleAtoi(p, &v)) return absl::InvalidArgumentError(absl::StrCat("--lags '", text, "' is not A:B[:STEP]"));
    values.push_back(v);
  }
  if (values.size() < 2 || values.size() > 3) return absl::InvalidArgumentError(absl::StrCat("--lags '", text, "' is not A:B[:STEP]"));
  spec->set_lag_min(values[0]);
  spec->set_lag_max(values[1]);
  if (values.size() == 3) spec->set_lag_step(values[2]);
  return absl::OkStatus();
}

}  // namespace

int RunJobs(const Argv& argv) {
  if (argv.empty()) {
    return Fail("jobs", absl::InvalidArgumentError(
                            "usage: ./mimic jobs [submit] stac|encoding|variability|rsa, or get|watch|list|cancel --server HOST:PORT [--id ID] "
                            "[--wait] [--token_file F (or MIMIC_TOKEN)] [--tls_ca PEM [--tls_client_cert PEM "
                            "--tls_client_key PEM] [--tls_server_name NAME]]\n"
                            "  stac:     --keypoints F --out F [--config F --instance N]\n"
                            "  encoding: --counts F | --spikes F --frame_times nwb:F:/series|csv:F|rollouts:F, --out F.h5 "
                            "[--rollouts F --classes A,B] [--features NAME=F,...] "
                            "[--pca FRACTION --lags A:B[:S] --folds K --ridge R --fdr Q]\n"
                            "  variability: --rollouts F (with --latent_samples) --out F.h5 [--labels F.csv "
                            "--permutations N --folds K --min_frames N]\n"
                            "  rsa: --rollouts F --out F.h5 [--classes A,B --labels F.csv --neural_rdms F.csv "
                            "--min_frames N --metric correlation|euclidean|crossnobis --folds K]"));
  }
  // `jobs submit KIND ...` is the same as `jobs KIND ...`
  const bool submit = argv[0] == "submit" && argv.size() > 1;
  const std::string verb = submit ? argv[1] : argv[0];
  auto args = Args::Parse(Argv(argv.begin() + (submit ? 2 : 1), argv.end()),
                          WithSecurityFlags({"server", "id", "keypoints", "out", "config", "instance", "ca", "rollouts", "classes",
                           "features", "counts", "pca", "lags", "folds", "ridge", "fdr", "spikes", "frame_times",
                           "labels", "permutations", "min_frames", "neural_rdms", "metric", "location"}),
                          {"wait", "drop_spikes_outside"});
  if (!args.ok()) return Fail("jobs", args.status());
  if (!args->Has("server")) return Fail("jobs", absl::InvalidArgumentError("--server HOST:PORT is required"));
  auto channel_or = Channel(*args);
  if (!channel_or.ok()) return Fail("jobs", channel_or.status());
  auto channel = *channel_or;
  auto operations = Operations::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  OperationRequest by_id;
  by_id.set_id(args->GetString("id", ""));
  Operation op;
  grpc::Status status;
  // every submit: report a refusal, else print the id and, with --wait, watch it finish
  auto submitted = [&](const char* what, const grpc::Status& submit) {
    if (!submit.ok()) return Fail(what, FromGrpcStatus(submit));
    std::printf("submitted %s\n", op.id().c_str());
    return args->Has("wait") ? Watch(*operations, op.id()) : 0;
  };
  if (verb == "stac") {
    SubmitStacRequest request;
    request.mutable_spec()->set_keypoints(args->GetString("keypoints", ""));
    request.mutable_spec()->set_out(args->GetString("out", ""));
    request.mutable_spec()->set_config(args->GetString("config", ""));
    request.mutable_spec()->set_instance(args->GetInt("instance", 0).value_or(0));
    return submitted("jobs stac", PreprocessService::NewStub(channel)->SubmitStac(&context, request, &op));
  }
  if (verb == "encoding") {
    SubmitEncodingRequest request;
    EncodingJobSpec* spec = request.mutable_spec();
    spec->set_rollouts(args->GetString("rollouts", ""));
    for (const auto& c : absl::StrSplit(args->GetString("classes", ""), ',', absl::SkipEmpty())) spec->add_classes(std::string(c));
    for (const auto& item : absl::StrSplit(args->GetString("features", ""), ',', absl::SkipEmpty())) {
      std::vector<std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
      if (kv.size() != 2) return Fail("jobs encoding", absl::InvalidArgumentError(absl::StrCat("'", item, "' is not NAME=FILE")));
      (*spec->mutable_features())[kv[0]] = kv[1];
    }
    spec->set_counts(args->GetString("counts", ""));
    spec->set_spikes(args->GetString("spikes", ""));
    spec->set_frame_times(args->GetString("frame_times", ""));
    spec->set_drop_spikes_outside(args->Has("drop_spikes_outside"));
    spec->set_units_location(args->GetString("location", ""));
    spec->set_out(args->GetString("out", ""));
    auto pca = args->GetDouble("pca", 0);
    auto folds = args->GetInt("folds", 0);
    auto ridge = args->GetDouble("ridge", 0);
    auto fdr = args->GetDouble("fdr", 0);
    for (const absl::Status& s : {pca.status(), folds.status(), ridge.status(), fdr.status()}) {
      if (!s.ok()) return Fail("jobs encoding", s);
    }
    spec->set_pca_fraction(*pca);
    spec->set_folds(*folds);
    spec->set_ridge(*ridge);
    spec->set_fdr(*fdr);
    if (args->Has("lags")) {
      if (absl::Status s = SetLags(args->GetString("lags", ""), spec); !s.ok()) return Fail("jobs encoding", s);
    }
    return submitted("jobs encoding", AnalysisService::NewStub(channel)->SubmitEncoding(&context, request, &op));
  }
  if (verb == "variability") {
    SubmitVariabilityRequest request;
    VariabilityJobSpec* spec = request.mutable_spec();
    spec->set_rollouts(args->GetString("rollouts", ""));
    spec->set_labels(args->GetString("labels", ""));
    spec->set_out(args->GetString("out", ""));
    auto permutations = args->GetInt("permutations", 0);
    auto folds = args->GetInt("folds", 0);
    auto min_frames = args->GetInt("min_frames", 0);
    for (const absl::Status& s : {permutations.status(), folds.status(), min_frames.status()}) {
      if (!s.ok()) return Fail("jobs variability", s);
    }
    spec->set_permutations(*permutations);
    spec->set_folds(*folds);
    spec->set_min_frames(*min_frames);
    return submitted("jobs variability", AnalysisService::NewStub(channel)->SubmitVariability(&context, request, &op));
  }
  if (verb == "rsa") {
    SubmitRsaRequest request;
    RsaJobSpec* spec = request.mutable_spec();
    spec->set_rollouts(args->GetString("rollouts", ""));
    for (const auto& c : absl::StrSplit(args->GetString("classes", ""), ',', absl::SkipEmpty())) spec->add_classes(std::string(c));
    spec->set_labels(args->GetString("labels", ""));
    spec->set_neural_rdms(args->GetString("neural_rdms", ""));
    spec->set_metric(args->GetString("metric", ""));
    auto rsa_folds = args->GetInt("folds", 0);
    if (!rsa_folds.ok()) return Fail("jobs rsa", rsa_folds.status());
    spec->set_folds(*rsa_folds);
    spec->set_out(args->GetString("out", ""));
    auto min_frames = args->GetInt("min_frames", 0);
    if (!min_frames.ok()) return Fail("jobs rsa", min_frames.status());
    spec->set_min_frames(*min_frames);
    return submitted("jobs rsa", AnalysisService::NewStub(channel)->SubmitRsa(&context, request, &op));
  }
  if (verb == "watch") return Watch(*operations, by_id.id());
  if (verb == "get") {
    status = operations->GetOperation(&context, by_id, &op);
  } else if (verb == "cancel") {
    status = operations->CancelOperation(&context, by_id, &op);
  } else if (verb == "list") {
    ListOperationsResponse list;
    status = operations->ListOperations(&context, ListOperationsRequest(), &list);
    if (!status.ok()) return Fail("jobs list", FromGrpcStatus(status));
    for (const Operation& o : list.operations()) PrintOperation(o);
    return 0;
  } else {
    return Fail("jobs", absl::InvalidArgumentError(absl::StrCat("unknown verb '", verb, "'")));
  }
  if (!status.ok()) return Fail("jobs", FromGrpcStatus(status));
  PrintOperation(op);
  return 0;
}

}  // namespace mimic::cli
