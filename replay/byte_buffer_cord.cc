#include "replay/byte_buffer_cord.h"

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/impl/codegen/proto_utils.h>

#include "absl/strings/str_cat.h"

namespace mimic::replay {
namespace {

// Chunks this small are copied: a copy costs less than a shared reference.
constexpr size_t kCopyBelow = 512;

void ReleaseCord(void* holder) { delete static_cast<std::shared_ptr<const absl::Cord>*>(holder); }

}  // namespace

absl::StatusOr<absl::Cord> CordFromByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  const grpc::Status dumped = buffer.Dump(&slices);
  if (!dumped.ok()) return absl::InternalError(absl::StrCat("cannot read a message: ", dumped.error_message()));
  absl::Cord cord;
  for (grpc::Slice& slice : slices) {
    const absl::string_view bytes(reinterpret_cast<const char*>(slice.begin()), slice.size());
    if (bytes.size() < kCopyBelow) {
      cord.Append(bytes);
    } else {
      cord.Append(absl::MakeCordFromExternal(bytes, [held = std::move(slice)]() {}));
    }
  }
  return cord;
}

grpc::ByteBuffer ByteBufferFromCord(absl::Cord cord) {
  auto shared = std::make_shared<const absl::Cord>(std::move(cord));
  std::vector<grpc::Slice> slices;
  std::string small;  // consecutive small chunks (headers between payloads) copied into one slice
  auto flush_small = [&] {
    if (small.empty()) return;
    slices.emplace_back(small.data(), small.size());
    small.clear();
  };
  for (absl::string_view chunk : shared->Chunks()) {
    if (chunk.size() < kCopyBelow) {
      small.append(chunk.data(), chunk.size());
    } else {
      flush_small();
      slices.emplace_back(const_cast<char*>(chunk.data()), chunk.size(), &ReleaseCord,
                          new std::shared_ptr<const absl::Cord>(shared));
    }
  }
  flush_small();
  return grpc::ByteBuffer(slices.data(), slices.size());
}

bool ParseFromByteBuffer(const grpc::ByteBuffer& buffer, google::protobuf::MessageLite* message) {
  grpc::ByteBuffer shared(buffer);  // a reference, not a copy of the bytes
  return grpc::SerializationTraits<google::protobuf::MessageLite>::Deserialize(&shared, message).ok();
}

}  // namespace mimic::replay
