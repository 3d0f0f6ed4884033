// `mimic jobs`: the client of MIMIC's job services — submit a STAC job, then get, watch (with a
// progress line), list or cancel operations.
#include <cstdio>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "cli/env_setup.h"
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

}  // namespace

int RunJobs(const Argv& argv) {
  if (argv.empty()) {
    return Fail("jobs", absl::InvalidArgumentError(
                            "usage: ./mimic jobs stac|get|watch|list|cancel --server HOST:PORT [--id ID] "
                            "[--keypoints F --out F --config F --wait]"));
  }
  const std::string verb = argv[0];
  auto args = Args::Parse(Argv(argv.begin() + 1, argv.end()), {"server", "id", "keypoints", "out", "config", "instance"},
                          {"wait"});
  if (!args.ok()) return Fail("jobs", args.status());
  if (!args->Has("server")) return Fail("jobs", absl::InvalidArgumentError("--server HOST:PORT is required"));
  auto channel = grpc::CreateChannel(args->GetString("server", ""), grpc::InsecureChannelCredentials());
  auto operations = Operations::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  OperationRequest by_id;
  by_id.set_id(args->GetString("id", ""));
  Operation op;
  grpc::Status status;
  if (verb == "stac") {
    SubmitStacRequest request;
    request.mutable_spec()->set_keypoints(args->GetString("keypoints", ""));
    request.mutable_spec()->set_out(args->GetString("out", ""));
    request.mutable_spec()->set_config(args->GetString("config", ""));
    request.mutable_spec()->set_instance(args->GetInt("instance", 0).value_or(0));
    status = PreprocessService::NewStub(channel)->SubmitStac(&context, request, &op);
    if (!status.ok()) return Fail("jobs stac", FromGrpcStatus(status));
    std::printf("submitted %s\n", op.id().c_str());
    return args->Has("wait") ? Watch(*operations, op.id()) : 0;
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
