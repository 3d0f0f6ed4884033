// Protobuf wire format over absl::Cord, so the replay service can read the few small fields of a
// request and pass its tensor payloads on by reference (never copying them).
#ifndef MIMIC_REPLAY_CORD_WIRE_H_
#define MIMIC_REPLAY_CORD_WIRE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/cord.h"

namespace mimic::replay {

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

struct WireTag {
  uint32_t field = 0;
  WireType type = kVarint;
};

// Reads one message's fields in order. `what` names the message in errors. The cord and `what`
// must outlive the reader; length-delimited fields come back as sub-cords that share its memory.
class CordWireReader {
 public:
  CordWireReader(const absl::Cord& cord, absl::string_view what);

  bool done() const { return remaining_ == 0; }
  absl::StatusOr<WireTag> ReadTag();
  absl::StatusOr<uint64_t> ReadVarint();
  absl::StatusOr<uint64_t> ReadFixed64();
  absl::StatusOr<double> ReadDouble();
  absl::StatusOr<absl::Cord> ReadLengthDelimited();
  // A length-delimited field read in place, without a sub-cord: PushLimit reads its length and
  // confines the reader to it (done() then means the field's end), returning what follows it;
  // once done(), PopLimit(that) goes back to the enclosing message.
  absl::StatusOr<size_t> PushLimit();
  void PopLimit(size_t rest_after) { remaining_ = rest_after; }
  // A length-delimited field's length (checked against what is left); its bytes follow.
  absl::StatusOr<uint64_t> ReadLength();
  // Copies the next `n` bytes (at most what is left) into `out`.
  absl::Status ReadBytes(size_t n, std::string* out);
  // Length only, skipping the payload.
  absl::StatusOr<uint64_t> SkipLengthDelimited();
  absl::Status Skip(WireType type);

 private:
  absl::Status Truncated() const;

  absl::Cord::CharIterator it_;
  size_t remaining_;
  absl::string_view what_;
};

// True when `text` is well-formed UTF-8 (what protobuf requires of `string` fields: a name that is
// not would make every later parse of a message holding it fail).
bool IsValidUtf8(absl::string_view text);

// Appends protobuf wire-format pieces to a string (small headers written next to shared payloads).
void AppendVarint(uint64_t value, std::string* out);
void AppendTag(uint32_t field, WireType type, std::string* out);
void AppendFixed64(uint64_t value, std::string* out);
void AppendDouble(double value, std::string* out);
// The header of a length-delimited field whose `length` payload bytes follow separately.
void AppendLengthDelimitedHeader(uint32_t field, uint64_t length, std::string* out);

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_CORD_WIRE_H_
