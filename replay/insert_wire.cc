#include "replay/insert_wire.h"

#include <memory>
#include <vector>

#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/field_mask_util.h"
#include "replay/cord_wire.h"

namespace mimic::replay {
namespace {

// Field numbers from proto/tensor.proto, proto/unroll.proto and proto/replay.proto.
constexpr uint32_t kUnrollTensors = 1;
constexpr uint32_t kMapKey = 1, kMapValue = 2;
constexpr uint32_t kTensorDtype = 1, kTensorShape = 2, kTensorData = 3;
constexpr uint32_t kItemSequence = 1, kItemUnroll = 2, kItemTables = 3;
constexpr uint32_t kRequestWriterId = 1, kRequestItems = 2;

// Below this a payload is copied next to its header: a shared reference costs more than the bytes.
constexpr size_t kReferenceAtLeast = 1024;

using TensorMap = google::protobuf::Map<std::string, Tensor>;

size_t VarintSize(uint64_t value) {
  size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

// The Unroll's wire bytes: each tensor's small fields serialized, payloads of at least
// kReferenceAtLeast bytes referenced where `tensors` holds them (each such chunk keeps `owner`
// alive), then `scalars`' bytes (an Unroll holding no tensors).
absl::Cord UnrollWire(const TensorMap& tensors, const std::shared_ptr<const void>& owner, const Unroll& scalars) {
  absl::Cord unroll;
  std::string heads;  // small bytes gathered until the next referenced payload (one chunk, not many)
  std::string value_head, dims;
  for (const auto& [name, tensor] : tensors) {
    // the Tensor's small fields, in field order as protobuf writes them (proto3: a zero dtype is left out)
    value_head.clear();
    if (tensor.dtype() != 0) {
      AppendTag(kTensorDtype, kVarint, &value_head);
      AppendVarint(static_cast<uint64_t>(static_cast<int64_t>(tensor.dtype())), &value_head);
    }
    if (!tensor.shape().empty()) {
      dims.clear();
      for (int64_t d : tensor.shape()) AppendVarint(static_cast<uint64_t>(d), &dims);
      AppendLengthDelimitedHeader(kTensorShape, dims.size(), &value_head);  // packed, as proto3 packs it
      value_head += dims;
    }
    const std::string& data = tensor.data();
    const bool reference = data.size() >= kReferenceAtLeast;
    if (!data.empty()) {
      AppendLengthDelimitedHeader(kTensorData, data.size(), &value_head);
      if (!reference) value_head += data;
    }
    const size_t value_size = value_head.size() + (reference ? data.size() : 0);
    const size_t entry_size = 1 + VarintSize(name.size()) + name.size() + 1 + VarintSize(value_size) + value_size;
    AppendLengthDelimitedHeader(kUnrollTensors, entry_size, &heads);
    AppendLengthDelimitedHeader(kMapKey, name.size(), &heads);
    heads += name;
    AppendLengthDelimitedHeader(kMapValue, value_size, &heads);
    heads += value_head;
    if (reference) {
      unroll.Append(std::move(heads));
      heads.clear();
      unroll.Append(absl::MakeCordFromExternal(data, [owner](absl::string_view) {}));
    }
  }
  heads += scalars.SerializeAsString();
  unroll.Append(std::move(heads));
  return unroll;
}

absl::Cord ItemWire(int64_t sequence, absl::Cord unroll, const std::vector<TablePriority>& tables) {
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

}  // namespace

Unroll ScalarFieldsOf(const Unroll& item) {
  // every field but the tensors, found through reflection so a field added later is kept too;
  // numbers (all of Unroll's today) are copied directly: this runs once per insert
  Unroll scalars;
  const google::protobuf::Reflection* reflection = item.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(item, &fields);  // the fields that are set
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->number() == kUnrollTensors) continue;
    using F = google::protobuf::FieldDescriptor;
    switch (field->is_repeated() ? F::MAX_CPPTYPE : field->cpp_type()) {
      case F::CPPTYPE_INT32: reflection->SetInt32(&scalars, field, reflection->GetInt32(item, field)); break;
      case F::CPPTYPE_INT64: reflection->SetInt64(&scalars, field, reflection->GetInt64(item, field)); break;
      case F::CPPTYPE_UINT32: reflection->SetUInt32(&scalars, field, reflection->GetUInt32(item, field)); break;
      case F::CPPTYPE_UINT64: reflection->SetUInt64(&scalars, field, reflection->GetUInt64(item, field)); break;
      default: {  // anything else, through a one-path field mask
        google::protobuf::FieldMask mask;
        mask.add_paths(field->name());
        google::protobuf::util::FieldMaskUtil::MergeMessageTo(item, mask, {}, &scalars);
      }
    }
  }
  return scalars;
}

absl::Cord InsertItemWire(int64_t sequence, Unroll&& item, const std::vector<TablePriority>& tables) {
  // the payloads move into a shared holder that every referencing chunk keeps alive
  auto payloads = std::make_shared<TensorMap>();
  payloads->swap(*item.mutable_tensors());
  return ItemWire(sequence, UnrollWire(*payloads, payloads, item), tables);  // `item` keeps only its scalars
}

absl::Cord InsertItemWire(int64_t sequence, std::shared_ptr<const Unroll> item,
                          const std::vector<TablePriority>& tables) {
  return ItemWire(sequence, UnrollWire(item->tensors(), item, ScalarFieldsOf(*item)), tables);
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
