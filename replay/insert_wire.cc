#include "replay/insert_wire.h"

#include <memory>

#include "replay/cord_wire.h"

namespace mimic::replay {
namespace {

// Field numbers from proto/tensor.proto, proto/unroll.proto and proto/replay.proto.
constexpr uint32_t kUnrollTensors = 1;
constexpr uint32_t kMapKey = 1, kMapValue = 2;
constexpr uint32_t kTensorData = 3;
constexpr uint32_t kItemSequence = 1, kItemUnroll = 2, kItemTables = 3;
constexpr uint32_t kRequestWriterId = 1, kRequestItems = 2;

// Below this a payload is copied next to its header: a shared reference costs more than the bytes.
constexpr size_t kReferenceAtLeast = 1024;

using TensorMap = google::protobuf::Map<std::string, Tensor>;

}  // namespace

absl::Cord InsertItemWire(int64_t sequence, Unroll&& item, const std::vector<TablePriority>& tables) {
  // the payloads move into a shared holder that every referencing chunk keeps alive
  auto payloads = std::make_shared<TensorMap>();
  payloads->swap(*item.mutable_tensors());
  absl::Cord unroll;
  for (const auto& [name, tensor] : *payloads) {
    Tensor header_fields;  // dtype and shape, serialized as protobuf does
    header_fields.set_dtype(tensor.dtype());
    *header_fields.mutable_shape() = tensor.shape();
    std::string value_head = header_fields.SerializeAsString();
    const std::string& data = tensor.data();
    const bool reference = data.size() >= kReferenceAtLeast;
    if (!data.empty()) {
      AppendLengthDelimitedHeader(kTensorData, data.size(), &value_head);
      if (!reference) value_head += data;
    }
    const size_t value_size = value_head.size() + (reference ? data.size() : 0);
    std::string entry_head;
    AppendLengthDelimitedHeader(kMapKey, name.size(), &entry_head);
    entry_head += name;
    AppendLengthDelimitedHeader(kMapValue, value_size, &entry_head);
    entry_head += value_head;
    std::string field_head;
    AppendLengthDelimitedHeader(kUnrollTensors, entry_head.size() + (reference ? data.size() : 0), &field_head);
    unroll.Append(field_head + entry_head);
    if (reference) unroll.Append(absl::MakeCordFromExternal(data, [payloads](absl::string_view) {}));
  }
  unroll.Append(item.SerializeAsString());  // the scalar fields (the tensors were moved out)

  std::string head;
  if (sequence != 0) {
    AppendTag(kItemSequence, kVarint, &head);
    AppendVarint(static_cast<uint64_t>(sequence), &head);
  }
  AppendLengthDelimitedHeader(kItemUnroll, unroll.size(), &head);
  absl::Cord out(std::move(head));
  out.Append(std::move(unroll));
  std::string tail;
  for (const TablePriority& tp : tables) {
    const std::string entry = tp.SerializeAsString();
    AppendLengthDelimitedHeader(kItemTables, entry.size(), &tail);
    tail += entry;
  }
  out.Append(std::move(tail));
  return out;
}

absl::Cord InsertRequestWire(const std::string& writer_id, const std::vector<absl::Cord>& items) {
  std::string head;
  if (!writer_id.empty()) {
    AppendLengthDelimitedHeader(kRequestWriterId, writer_id.size(), &head);
    head += writer_id;
  }
  absl::Cord out(std::move(head));
  for (const absl::Cord& item : items) {
    std::string item_head;
    AppendLengthDelimitedHeader(kRequestItems, item.size(), &item_head);
    out.Append(std::move(item_head));
    out.Append(item);
  }
  return out;
}

}  // namespace mimic::replay
