// Reads a text-format protobuf file (the project's configs), with parse errors as one message
// naming the file, line and column.
#ifndef MIMIC_COMMON_TEXT_PROTO_H_
#define MIMIC_COMMON_TEXT_PROTO_H_

#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace mimic {

absl::Status ReadTextProtoInto(const std::string& path, google::protobuf::Message* message);

template <typename M>
absl::StatusOr<M> ReadTextProto(const std::string& path) {
  M message;
  absl::Status s = ReadTextProtoInto(path, &message);
  if (!s.ok()) return s;
  return message;
}

}  // namespace mimic

#endif  // MIMIC_COMMON_TEXT_PROTO_H_
