// Which polling engine gRPC runs in this process. gRPC reads it once, from GRPC_POLL_STRATEGY,
// at its first use; it has no other public setting.
//
// Why not gRPC's Linux default (epoll1): one thread at a time polls the whole process's sockets
// and hands each event to the thread blocked on that call (a futex wake-up per read or write).
// Our services use gRPC's synchronous API, one thread per stream; with the "poll" engine each
// blocked thread polls its own call's socket, so no hand-off. Measured on `bench replay` (2 cores,
// 3 streams of 100 KB items, quiet, interleaved): ours kept 1.81-1.85 cores busy against 1.51-1.77
// at about the same bytes per CPU-second, 0.50-0.53 of the loopback limit against 0.38-0.52
// (docs/benchmarks.md, replay). poll() scans every socket of its set, which is cheap for the tens
// of connections a replay or learner service holds.
#ifndef MIMIC_COMMON_GRPC_POLLING_H_
#define MIMIC_COMMON_GRPC_POLLING_H_

#include <string>

namespace mimic {

// The engine this process's services and clients use unless the user chose one.
inline constexpr char kPreferredGrpcPollingEngine[] = "poll";

// Sets GRPC_POLL_STRATEGY to kPreferredGrpcPollingEngine unless it is already set (a user's
// choice wins). Only effective before the process's first gRPC call: call it first in main.
// Returns the value in effect.
std::string ChooseGrpcPollingEngine();

// GRPC_POLL_STRATEGY as gRPC will read it; "" means gRPC's own default.
std::string RequestedGrpcPollingEngine();

// For logs and benchmark lines: the requested engine, or "default" (gRPC's: epoll1 on Linux).
std::string GrpcPollingEngineName();

}  // namespace mimic

#endif  // MIMIC_COMMON_GRPC_POLLING_H_
