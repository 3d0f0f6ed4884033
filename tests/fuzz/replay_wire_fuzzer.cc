// Fuzz target for the replay service's hand-written wire parsers (replay/cord_wire,
// replay/stored_item) and its checkpoint reader: every byte they read comes from a client or a
// file. The first byte picks the parser; the rest is split into a cord of several chunks (as
// gRPC delivers it) at positions taken from the input itself.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/cord.h"
#include "replay/checkpoint_io.h"
#include "replay/stored_item.h"
#include "tests/fuzz/fuzz_input_file.h"

namespace {

absl::Cord Chunked(const std::string& bytes, uint8_t cut) {
  absl::Cord cord;
  size_t at = 0;
  const size_t step = 1 + cut % 97;
  while (at < bytes.size()) {
    const size_t n = std::min(step, bytes.size() - at);
    cord.Append(absl::Cord(bytes.substr(at, n)));  // separate chunks
    at += n;
  }
  return cord;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::string content(reinterpret_cast<const char*>(data + 2), size - 2);
  const absl::Cord bytes = Chunked(content, data[1]);
  switch (data[0] % 5) {
    case 0: {
      auto message = mimic::replay::ParseInsertRequest(bytes);
      if (message.ok()) {
        for (const absl::Cord& item : message->items) (void)mimic::replay::ParseInsertItem(message->writer_id, item);
      }
      break;
    }
    case 1: {
      auto item = mimic::replay::StoredItem::Parse(bytes);
      if (item.ok()) (void)(*item)->ToUnroll();
      break;
    }
    case 2: (void)mimic::replay::ParseSampleResponse(bytes); break;
    case 3: (void)mimic::replay::ParseCheckpointItem(bytes); break;
    default: (void)mimic::replay::ReadCheckpoint(mimic::fuzz::InputFile(content, ".ckpt").path());
  }
  return 0;
}
