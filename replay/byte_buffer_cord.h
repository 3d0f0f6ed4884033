// Zero-copy conversions between gRPC byte buffers and absl::Cord: received slices become cord
// chunks that hold a reference to them, and cord chunks go out as slices that keep the cord alive.
#ifndef MIMIC_REPLAY_BYTE_BUFFER_CORD_H_
#define MIMIC_REPLAY_BYTE_BUFFER_CORD_H_

#include <grpcpp/support/byte_buffer.h>

#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "google/protobuf/message_lite.h"

namespace mimic::replay {

absl::StatusOr<absl::Cord> CordFromByteBuffer(const grpc::ByteBuffer& buffer);
grpc::ByteBuffer ByteBufferFromCord(absl::Cord cord);

// A small message (a request, a grant) read from a call registered on raw bytes, where a typed
// read could not tell a malformed message from the end of the stream.
bool ParseFromByteBuffer(const grpc::ByteBuffer& buffer, google::protobuf::MessageLite* message);

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_BYTE_BUFFER_CORD_H_
