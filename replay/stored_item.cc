#include "replay/stored_item.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/tensor_util.h"
#include "replay/cord_wire.h"

namespace mimic::replay {
namespace {

// Field numbers from proto/tensor.proto, proto/unroll.proto and proto/replay.proto.
constexpr uint32_t kUnrollTensors = 1, kUnrollPolicyVersion = 2;
constexpr uint32_t kMapKey = 1, kMapValue = 2;
constexpr uint32_t kTensorDtype = 1, kTensorShape = 2, kTensorData = 3;
constexpr uint32_t kInsertWriterId = 1, kInsertItems = 2;
constexpr uint32_t kItemSequence = 1, kItemUnroll = 2, kItemTables = 3;
constexpr uint32_t kTablePriorityTable = 1, kTablePriorityPriority = 2;
constexpr uint32_t kSampledKey = 1, kSampledProbability = 2, kSampledTableSize = 3, kSampledTimesSampled = 4,
                   kSampledPriority = 5, kSampledItem = 6;
constexpr uint32_t kResponseItems = 1;
constexpr uint32_t kCheckpointKey = 1, kCheckpointItem = 2;

absl::Status WrongType(const std::string& what, uint32_t field) {
  return absl::InvalidArgumentError(absl::StrCat("malformed ", what, ": field ", field, " has the wrong wire type"));
}

// Shape: packed (one length-delimited run of varints) or one varint per element; both are valid.
absl::Status ReadShape(CordWireReader& reader, WireType type, const WireLimits& limits, std::vector<int64_t>* shape) {
  auto add = [&](uint64_t d) {
    if (static_cast<int>(shape->size()) >= limits.max_dims) {
      return absl::InvalidArgumentError(absl::StrCat("malformed tensor: more than ", limits.max_dims, " dimensions"));
    }
    shape->push_back(static_cast<int64_t>(d));
    return absl::OkStatus();
  };
  if (type == kVarint) {
    MIMIC_ASSIGN_OR_RETURN(uint64_t d, reader.ReadVarint());
    return add(d);
  }
  if (type != kLengthDelimited) return WrongType("tensor", kTensorShape);
  MIMIC_ASSIGN_OR_RETURN(size_t rest, reader.PushLimit());
  while (!reader.done()) {
    MIMIC_ASSIGN_OR_RETURN(uint64_t d, reader.ReadVarint());
    MIMIC_RETURN_IF_ERROR(add(d));
  }
  reader.PopLimit(rest);
  return absl::OkStatus();
}

// A Tensor message, read in place up to the reader's limit. A second occurrence of the value
// merges into the first, as a protobuf parse does (dimensions add up, the last payload wins).
absl::Status ReadTensor(CordWireReader& reader, const WireLimits& limits, TensorHeader* header) {
  while (!reader.done()) {
    MIMIC_ASSIGN_OR_RETURN(WireTag tag, reader.ReadTag());
    if (tag.field == kTensorDtype) {
      if (tag.type != kVarint) return WrongType("tensor", tag.field);
      MIMIC_ASSIGN_OR_RETURN(uint64_t dtype, reader.ReadVarint());
      header->dtype = static_cast<DType>(static_cast<int32_t>(dtype));
    } else if (tag.field == kTensorShape) {
      MIMIC_RETURN_IF_ERROR(ReadShape(reader, tag.type, limits, &header->shape));
    } else if (tag.field == kTensorData) {
      if (tag.type != kLengthDelimited) return WrongType("tensor", tag.field);
      MIMIC_ASSIGN_OR_RETURN(header->data, reader.ReadLengthDelimited());
      header->data_bytes = static_cast<int64_t>(header->data.size());  // the last occurrence wins, as in a parse
    } else {
      MIMIC_RETURN_IF_ERROR(reader.Skip(tag.type));
    }
  }
  return absl::OkStatus();
}

// One entry of the Unroll's tensor map (key: the name, value: the Tensor), read in place.
absl::Status ReadMapEntry(CordWireReader& reader, const WireLimits& limits, TensorHeader* header) {
  while (!reader.done()) {
    MIMIC_ASSIGN_OR_RETURN(WireTag tag, reader.ReadTag());
    if ((tag.field == kMapKey || tag.field == kMapValue) && tag.type != kLengthDelimited) {
      return WrongType("unroll tensor entry", tag.field);
    }
    if (tag.field == kMapKey) {
      MIMIC_ASSIGN_OR_RETURN(uint64_t length, reader.ReadLength());
      if (static_cast<int64_t>(length) > limits.max_name_bytes) {
        return absl::InvalidArgumentError(absl::StrCat("malformed unroll: a tensor name of ", length,
                                                       " bytes (at most ", limits.max_name_bytes, ")"));
      }
      MIMIC_RETURN_IF_ERROR(reader.ReadBytes(length, &header->name));
      if (!IsValidUtf8(header->name)) {
        return absl::InvalidArgumentError("malformed unroll: a tensor name is not UTF-8");
      }
    } else if (tag.field == kMapValue) {
      MIMIC_ASSIGN_OR_RETURN(size_t rest, reader.PushLimit());
      MIMIC_RETURN_IF_ERROR(ReadTensor(reader, limits, header));
      reader.PopLimit(rest);
    } else {
      MIMIC_RETURN_IF_ERROR(reader.Skip(tag.type));
    }
  }
  return CheckTensorLayout(header->name, header->dtype, header->shape, header->data_bytes);
}

// Names the tensor an error was found in, where its name was read.
absl::Status InTensor(const absl::Status& status, const std::string& name) {
  if (name.empty() || absl::StrContains(status.message(), absl::StrCat("'", name, "'"))) return status;
  return absl::Status(status.code(), absl::StrCat(status.message(), " (tensor '", name, "')"));
}

absl::Cord ConcatCords(std::string head, const absl::Cord& tail) {
  absl::Cord out(std::move(head));
  out.Append(tail);
  return out;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const StoredItem>> StoredItem::Parse(absl::Cord bytes, const WireLimits& limits) {
  auto item = std::make_shared<StoredItem>();
  item->tensors_.reserve(16);
  CordWireReader reader(bytes, "unroll");
  while (!reader.done()) {
    MIMIC_ASSIGN_OR_RETURN(WireTag tag, reader.ReadTag());
    if (tag.field == kUnrollPolicyVersion && tag.type == kVarint) {
      MIMIC_ASSIGN_OR_RETURN(uint64_t version, reader.ReadVarint());
      item->policy_version_ = static_cast<int64_t>(version);
      continue;
    }
    if (tag.field != kUnrollTensors) {
      MIMIC_RETURN_IF_ERROR(reader.Skip(tag.type));
      continue;
    }
    if (tag.type != kLengthDelimited) return WrongType("unroll", tag.field);
    if (static_cast<int>(item->tensors_.size()) >= limits.max_tensors_per_item) {
      return absl::ResourceExhaustedError(absl::StrCat("the unroll has more than ", limits.max_tensors_per_item,
                                                       " tensors (this server's max_tensors_per_item)"));
    }
    MIMIC_ASSIGN_OR_RETURN(size_t rest, reader.PushLimit());
    TensorHeader header;
    absl::Status entry = ReadMapEntry(reader, limits, &header);
    if (!entry.ok()) return InTensor(entry, header.name);
    reader.PopLimit(rest);
    item->tensors_.push_back(std::move(header));
  }
  // duplicates, found by sorting views of the names (no copies; linear-logarithmic in their number)
  std::vector<absl::string_view> names;
  names.reserve(item->tensors_.size());
  for (const TensorHeader& t : item->tensors_) names.push_back(t.name);
  std::sort(names.begin(), names.end());
  const auto twice = std::adjacent_find(names.begin(), names.end());
  if (twice != names.end()) {
    return absl::InvalidArgumentError(absl::StrCat("malformed unroll: tensor '", *twice, "' appears twice"));
  }
  item->bytes_ = std::move(bytes);
  return std::shared_ptr<const StoredItem>(std::move(item));
}

absl::StatusOr<std::shared_ptr<const StoredItem>> StoredItem::FromUnroll(const Unroll& unroll) {
  return Parse(absl::Cord(unroll.SerializeAsString()));
}

const TensorHeader* StoredItem::FindTensor(const std::string& name) const {
  for (const TensorHeader& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

absl::StatusOr<Unroll> StoredItem::ToUnroll() const {
  Unroll unroll;
  if (!unroll.ParseFromString(std::string(bytes_))) return absl::DataLossError("stored unroll does not parse");
  return unroll;
}

absl::StatusOr<InsertMessage> ParseInsertRequest(const absl::Cord& bytes, const WireLimits& limits) {
  InsertMessage message;
  CordWireReader reader(bytes, "InsertRequest");
  while (!reader.done()) {
    MIMIC_ASSIGN_OR_RETURN(WireTag tag, reader.ReadTag());
    if ((tag.field == kInsertWriterId || tag.field == kInsertItems) && tag.type != kLengthDelimited) {
      return WrongType("InsertRequest", tag.field);
    }
    if (tag.field == kInsertWriterId) {
      MIMIC_ASSIGN_OR_RETURN(absl::Cord id, reader.ReadLengthDelimited());
      if (static_cast<int64_t>(id.size()) > limits.max_name_bytes) {
        return absl::InvalidArgumentError(absl::StrCat("malformed InsertRequest: a writer id of ", id.size(), " bytes"));
      }
      message.writer_id = std::string(id);
      // the id is kept in checkpoints as a protobuf string: one that is not UTF-8 would make them unreadable
      if (!IsValidUtf8(message.writer_id)) return absl::InvalidArgumentError("malformed InsertRequest: the writer id is not UTF-8");
    } else if (tag.field == kInsertItems) {
      if (static_cast<int>(message.items.size()) >= limits.max_items_per_message) {
        return absl::ResourceExhaustedError(absl::StrCat("the InsertRequest carries more than ",
                                                         limits.max_items_per_message,
                                                         " items (this server's max_items_per_message)"));
      }
      MIMIC_ASSIGN_OR_RETURN(absl::Cord item, reader.ReadLengthDelimited());
      message.items.push_back(std::move(item));
    } else {
      MIMIC_RETURN_IF_ERROR(reader.Skip(tag.type));
    }
  }
  return message;
}

absl::StatusOr<InsertCall> ParseInsertItem(const std::string& writer_id, const absl::Cord& bytes,
                                           const WireLimits& limits) {
  InsertCall call;
  call.writer_id = writer_id;
  CordWireReader reader(bytes, "InsertItem");
  absl::Cord item;
  while (!reader.done()) {
    MIMIC_ASSIGN_OR_RETURN(WireTag tag, reader.ReadTag());
    switch (tag.field) {
      case kItemSequence: {
        if (tag.type != kVarint) return WrongType("InsertItem", tag.field);
        MIMIC_ASSIGN_OR_RETURN(uint64_t sequence, reader.ReadVarint());
        call.sequence = static_cast<int64_t>(sequence);
        break;
      }
      case kItemUnroll: {
        if (tag.type != kLengthDelimited) return WrongType("InsertItem", tag.field);
        // a repeated message field merges; senders write it once
        MIMIC_ASSIGN_OR_RETURN(absl::Cord part, reader.ReadLengthDelimited());
        item.Append(std::move(part));
        break;
      }
      case kItemTables: {
        if (tag.type != kLengthDelimited) return WrongType("InsertItem", tag.field);
        if (static_cast<int>(call.tables.size()) >= limits.max_tables_per_item) {
          return absl::InvalidArgumentError(absl::StrCat("an InsertItem names more than ", limits.max_tables_per_item,
                                                         " tables"));
        }
        MIMIC_ASSIGN_OR_RETURN(absl::Cord entry, reader.ReadLengthDelimited());
        TablePriority tp;
        if (!tp.ParseFromString(std::string(entry))) {
          return absl::InvalidArgumentError("malformed InsertItem: a table entry does not parse");
        }
        call.tables.push_back(std::move(tp));
        break;
      }
      default:
        MIMIC_RETURN_IF_ERROR(reader.Skip(tag.type));
    }
  }
  MIMIC_ASSIGN_OR_RETURN(call.item, StoredItem::Parse(std::move(item), limits));
  return call;
}

absl::Cord SampledItemWireBytes(uint64_t key, double probability, int64_t table_size, int32_t times_sampled,
                                double priority, const StoredItem& item) {
  // proto3 leaves zero values out; a parser reads them back as zero either way
  std::string fields;
  if (key != 0) {
    AppendTag(kSampledKey, kVarint, &fields);
    AppendVarint(key, &fields);
  }
  if (probability != 0) {
    AppendTag(kSampledProbability, kFixed64, &fields);
    AppendDouble(probability, &fields);
  }
  if (table_size != 0) {
    AppendTag(kSampledTableSize, kVarint, &fields);
    AppendVarint(static_cast<uint64_t>(table_size), &fields);
  }
  if (times_sampled != 0) {
    AppendTag(kSampledTimesSampled, kVarint, &fields);
    AppendVarint(static_cast<uint64_t>(static_cast<int64_t>(times_sampled)), &fields);
  }
  if (priority != 0) {
    AppendTag(kSampledPriority, kFixed64, &fields);
    AppendDouble(priority, &fields);
  }
  AppendLengthDelimitedHeader(kSampledItem, item.bytes().size(), &fields);
  std::string head;
  AppendLengthDelimitedHeader(kResponseItems, fields.size() + item.bytes().size(), &head);
  head += fields;
  return ConcatCords(std::move(head), item.bytes());
}

absl::StatusOr<std::vector<SampledView>> ParseSampleResponse(const absl::Cord& bytes) {
  std::vector<SampledView> out;
  CordWireReader response(bytes, "SampleResponse");
  while (!response.done()) {
    MIMIC_ASSIGN_OR_RETURN(WireTag tag, response.ReadTag());
    if (tag.field != kResponseItems) {
      MIMIC_RETURN_IF_ERROR(response.Skip(tag.type));
      continue;
    }
    if (tag.type != kLengthDelimited) return WrongType("SampleResponse", tag.field);
    MIMIC_ASSIGN_OR_RETURN(size_t rest, response.PushLimit());
    SampledView view;
    absl::Cord item;
    CordWireReader& reader = response;  // the SampledItem, read in place
    while (!reader.done()) {
      MIMIC_ASSIGN_OR_RETURN(WireTag field, reader.ReadTag());
      const bool varint = field.type == kVarint, fixed64 = field.type == kFixed64;
      if (field.field == kSampledKey && varint) {
        MIMIC_ASSIGN_OR_RETURN(view.key, reader.ReadVarint());
      } else if (field.field == kSampledProbability && fixed64) {
        MIMIC_ASSIGN_OR_RETURN(view.probability, reader.ReadDouble());
      } else if (field.field == kSampledTableSize && varint) {
        MIMIC_ASSIGN_OR_RETURN(uint64_t size, reader.ReadVarint());
        view.table_size = static_cast<int64_t>(size);
      } else if (field.field == kSampledTimesSampled && varint) {
        MIMIC_ASSIGN_OR_RETURN(uint64_t times, reader.ReadVarint());
        view.times_sampled = static_cast<int32_t>(times);
      } else if (field.field == kSampledPriority && fixed64) {
        MIMIC_ASSIGN_OR_RETURN(view.priority, reader.ReadDouble());
      } else if (field.field == kSampledItem && field.type == kLengthDelimited) {
        MIMIC_ASSIGN_OR_RETURN(absl::Cord part, reader.ReadLengthDelimited());
        item.Append(std::move(part));
      } else {
        MIMIC_RETURN_IF_ERROR(reader.Skip(field.type));
      }
    }
    response.PopLimit(rest);
    MIMIC_ASSIGN_OR_RETURN(view.item, StoredItem::Parse(std::move(item)));
    out.push_back(std::move(view));
  }
  return out;
}

absl::Cord DelimitedCheckpointItem(uint64_t key, const StoredItem& item) {
  std::string fields;
  AppendTag(kCheckpointKey, kVarint, &fields);
  AppendVarint(key, &fields);
  AppendLengthDelimitedHeader(kCheckpointItem, item.bytes().size(), &fields);
  std::string head;
  AppendVarint(fields.size() + item.bytes().size(), &head);
  head += fields;
  return ConcatCords(std::move(head), item.bytes());
}

absl::StatusOr<std::pair<uint64_t, std::shared_ptr<const StoredItem>>> ParseCheckpointItem(const absl::Cord& bytes) {
  CordWireReader reader(bytes, "checkpoint item");
  uint64_t key = 0;
  absl::Cord item;
  while (!reader.done()) {
    MIMIC_ASSIGN_OR_RETURN(WireTag tag, reader.ReadTag());
    if (tag.field == kCheckpointKey && tag.type == kVarint) {
      MIMIC_ASSIGN_OR_RETURN(key, reader.ReadVarint());
    } else if (tag.field == kCheckpointItem && tag.type == kLengthDelimited) {
      MIMIC_ASSIGN_OR_RETURN(absl::Cord part, reader.ReadLengthDelimited());
      item.Append(std::move(part));
    } else {
      MIMIC_RETURN_IF_ERROR(reader.Skip(tag.type));
    }
  }
  MIMIC_ASSIGN_OR_RETURN(auto stored, StoredItem::Parse(std::move(item)));
  return std::make_pair(key, std::move(stored));
}

}  // namespace mimic::replay
