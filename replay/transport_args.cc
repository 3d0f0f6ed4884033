#include "replay/transport_args.h"

#include <grpc/grpc.h>

namespace mimic::replay {

void ApplyBulkTransportArgs(const std::function<void(const std::string&, int)>& set) {
  // fewer, larger HTTP/2 frames, and a window that keeps several unrolls in flight per stream
  set(GRPC_ARG_HTTP2_MAX_FRAME_SIZE, 1 << 20);
  set(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 8 << 20);
}

}  // namespace mimic::replay
