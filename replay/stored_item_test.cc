#include "replay/stored_item.h"

#include "common/tensor_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "replay/insert_wire.h"

namespace mimic::replay {
namespace {

Unroll TwoTensors(int first_frame) {
  Unroll u;
  const float obs[6] = {1, 2, 3, 4, 5, 6};
  (*u.mutable_tensors())["observation"] = MakeFloatTensor({3, 2}, obs);
  const float reward[2] = {0.5f, -1.f};
  (*u.mutable_tensors())["reward"] = MakeFloatTensor({2}, reward);
  u.set_policy_version(7);
  u.set_first_frame(first_frame);
  return u;
}

// A cord split into pieces at every `step` bytes, as gRPC's receive buffers split a message.
absl::Cord Fragmented(const std::string& bytes, size_t step) {
  absl::Cord cord;
  for (size_t i = 0; i < bytes.size(); i += step) cord.Append(absl::Cord(bytes.substr(i, step)));
  return cord;
}

TEST(StoredItemTest, ReadsTensorHeadersFromAnyFragmentation) {
  const Unroll u = TwoTensors(3);
  const std::string bytes = u.SerializeAsString();
  for (size_t step : {size_t{1}, size_t{3}, size_t{7}, bytes.size()}) {
    auto item = StoredItem::Parse(Fragmented(bytes, step));
    ASSERT_TRUE(item.ok()) << item.status();
    ASSERT_EQ((*item)->tensors().size(), 2u);
    const TensorHeader* obs = (*item)->FindTensor("observation");
    ASSERT_NE(obs, nullptr);
    EXPECT_EQ(obs->dtype, DTYPE_FLOAT32);
    EXPECT_EQ(obs->shape, (std::vector<int64_t>{3, 2}));
    EXPECT_EQ(obs->data_bytes, 24);
    EXPECT_EQ((*item)->size(), static_cast<int64_t>(bytes.size()));
    auto back = (*item)->ToUnroll();
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*back, u));
  }
}

TEST(StoredItemTest, UnpackedShapesAreReadToo) {
  // proto3 writes repeated int64 packed; parsers must also accept one varint per element
  std::string tensor;
  tensor += '\x08';  // dtype (field 1, varint) = FLOAT32
  tensor += '\x01';
  tensor += '\x10';  // shape (field 2, varint) = 2, unpacked
  tensor += '\x02';
  tensor += '\x1a';  // data (field 3, bytes) of 8
  tensor += '\x08';
  tensor += std::string(8, '\0');
  std::string entry = "\x0a\x01x";  // key "x"
  entry += '\x12';
  entry += static_cast<char>(tensor.size());
  entry += tensor;
  std::string unroll = "\x0a";
  unroll += static_cast<char>(entry.size());
  unroll += entry;
  auto item = StoredItem::Parse(absl::Cord(unroll));
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ((*item)->FindTensor("x")->shape, std::vector<int64_t>{2});
  Unroll parsed;
  ASSERT_TRUE(parsed.ParseFromString(unroll));  // and protobuf agrees it is an Unroll
  EXPECT_EQ(parsed.tensors().at("x").shape(0), 2);
}

TEST(StoredItemTest, MalformedBytesAreRefusedWithAReason) {
  const std::string bytes = TwoTensors(0).SerializeAsString();
  for (size_t cut : {size_t{1}, bytes.size() / 2, bytes.size() - 1}) {
    auto item = StoredItem::Parse(absl::Cord(bytes.substr(0, cut)));
    EXPECT_EQ(item.status().code(), absl::StatusCode::kInvalidArgument) << cut;
    EXPECT_NE(item.status().message().find("malformed"), std::string::npos) << item.status();
  }
  // a tensor whose shape disagrees with its byte length names the tensor
  Unroll ragged = TwoTensors(0);
  (*ragged.mutable_tensors())["reward"].add_shape(5);
  auto item = StoredItem::FromUnroll(ragged);
  EXPECT_EQ(item.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(item.status().message().find("'reward'"), std::string::npos) << item.status();
  // the same tensor twice on the wire
  const std::string twice = bytes + Unroll(TwoTensors(0)).SerializeAsString();
  EXPECT_NE(StoredItem::Parse(absl::Cord(twice)).status().message().find("appears twice"), std::string::npos);
  EXPECT_FALSE(StoredItem::Parse(absl::Cord(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11))).ok());
}

TEST(StoredItemTest, InsertRequestsAreReadWithTheirItemShared) {
  InsertRequest request;
  request.set_writer_id("actor-3");
  for (int i = 0; i < 2; ++i) {
    InsertItem* item = request.add_items();
    item->set_sequence(42 + i);
    *item->mutable_item() = TwoTensors(9 + i);
    TablePriority* tp = item->add_tables();
    tp->set_table("q");
    tp->set_priority(2.5 + i);
  }
  const absl::Cord bytes = Fragmented(request.SerializeAsString(), 64);
  auto message = ParseInsertRequest(bytes);
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->writer_id, "actor-3");
  ASSERT_EQ(message->items.size(), 2u);
  auto second = ParseInsertItem(message->writer_id, message->items[1]);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->sequence, 43);
  EXPECT_EQ(second->item->bytes(), absl::Cord(request.items(1).item().SerializeAsString()));
  auto call = ParseInsertItem(message->writer_id, message->items[0]);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->writer_id, "actor-3");
  EXPECT_EQ(call->sequence, 42);
  ASSERT_EQ(call->tables.size(), 1u);
  EXPECT_EQ(call->tables[0].priority(), 2.5);
  EXPECT_EQ(call->item->bytes(), absl::Cord(request.items(0).item().SerializeAsString()));
  // the item's bytes are views of the request's, not copies
  bool shared = false;
  for (absl::string_view piece : call->item->bytes().Chunks()) {
    for (absl::string_view whole : bytes.Chunks()) {
      shared |= piece.data() >= whole.data() && piece.data() < whole.data() + whole.size();
    }
  }
  EXPECT_TRUE(shared);
}

TEST(StoredItemTest, InsertWireMatchesProtobufAndSharesTheLargePayloads) {
  Unroll unroll = TwoTensors(4);
  std::vector<float> big(5000, 1.5f);
  (*unroll.mutable_tensors())["big"] = MakeFloatTensor({50, 100}, big.data());
  unroll.set_policy_version(-3);  // negative scalars too
  unroll.set_actor_id(6);
  const Unroll original = unroll;
  const char* big_bytes = unroll.tensors().at("big").data().data();
  TablePriority tp;
  tp.set_table("q");
  tp.set_priority(0.5);
  absl::Cord item = InsertItemWire(9, std::move(unroll), {tp, tp});
  InsertItem parsed;
  ASSERT_TRUE(parsed.ParseFromString(std::string(item)));
  EXPECT_EQ(parsed.sequence(), 9);
  EXPECT_EQ(parsed.tables_size(), 2);
  EXPECT_EQ(parsed.tables(1).priority(), 0.5);
  EXPECT_EQ(parsed.item().SerializeAsString().size(), original.SerializeAsString().size());
  EXPECT_EQ(parsed.item().policy_version(), -3);
  EXPECT_EQ(parsed.item().actor_id(), 6);
  ASSERT_EQ(parsed.item().tensors_size(), original.tensors_size());
  for (const auto& [name, tensor] : original.tensors()) {
    EXPECT_EQ(parsed.item().tensors().at(name).SerializeAsString(), tensor.SerializeAsString()) << name;
  }
  // the large payload is referenced, not copied
  bool shared = false;
  for (absl::string_view chunk : item.Chunks()) shared |= chunk.data() == big_bytes;
  EXPECT_TRUE(shared);
  // and a request of such items parses as one
  InsertRequest request;
  ASSERT_TRUE(request.ParseFromString(std::string(InsertRequestWire("w1", {item, item}))));
  EXPECT_EQ(request.writer_id(), "w1");
  ASSERT_EQ(request.items_size(), 2);
  EXPECT_EQ(request.items(1).item().tensors().at("big").data(), original.tensors().at("big").data());
  // and the server's reader sees the same item
  auto message = ParseInsertRequest(InsertRequestWire("w1", {item}));
  ASSERT_TRUE(message.ok()) << message.status();
  auto call = ParseInsertItem(message->writer_id, message->items[0]);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->sequence, 9);
  EXPECT_EQ(call->item->policy_version(), -3);
  EXPECT_EQ(call->item->FindTensor("big")->data_bytes, 20000);
}

TEST(StoredItemTest, ASharedUnrollIsSentFromItsMemoryWithEveryScalarFieldAndKeptAliveByTheWire) {
  auto unroll = std::make_shared<Unroll>(TwoTensors(4));
  std::vector<float> big(5000, 2.5f);
  (*unroll->mutable_tensors())["big"] = MakeFloatTensor({50, 100}, big.data());
  // every field but the tensors set to a distinct non-zero value, found from the descriptor, so a
  // field added to Unroll later and dropped by the wire fails here
  const google::protobuf::Descriptor* descriptor = Unroll::descriptor();
  const google::protobuf::Reflection* reflection = unroll->GetReflection();
  int scalars = 0;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    if (field->is_map()) continue;
    ++scalars;
    switch (field->cpp_type()) {
      case google::protobuf::FieldDescriptor::CPPTYPE_INT64: reflection->SetInt64(unroll.get(), field, -100 - i); break;
      case google::protobuf::FieldDescriptor::CPPTYPE_INT32: reflection->SetInt32(unroll.get(), field, 100 + i); break;
      default: FAIL() << "a field of a type this test does not set: " << field->name();
    }
  }
  ASSERT_GE(scalars, 5);
  const Unroll original = *unroll;
  const char* big_bytes = unroll->tensors().at("big").data().data();
  std::weak_ptr<const Unroll> watch = unroll;
  TablePriority tp;
  tp.set_table("q");
  absl::Cord wire = InsertItemWire(3, std::shared_ptr<const Unroll>(std::move(unroll)), {tp});
  EXPECT_FALSE(watch.expired());  // the wire holds the only reference now
  InsertItem parsed;
  ASSERT_TRUE(parsed.ParseFromString(std::string(wire)));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed.item(), original))
      << parsed.item().ShortDebugString().substr(0, 300);
  EXPECT_EQ(parsed.sequence(), 3);
  bool shared = false;
  for (absl::string_view chunk : wire.Chunks()) shared |= chunk.data() == big_bytes;
  EXPECT_TRUE(shared);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(ScalarFieldsOf(original), [&] {
    Unroll only = original;
    only.clear_tensors();
    return only;
  }()));
  wire = absl::Cord();
  EXPECT_TRUE(watch.expired());  // and lets it go with its last chunk
}

TEST(StoredItemTest, SampleResponsesAreReadWithoutCopyingTheirItems) {
  SampleResponse response;
  for (int i = 0; i < 2; ++i) {
    SampledItem* s = response.add_items();
    s->set_key(10 + i);
    s->set_probability(0.5);
    s->set_table_size(7);
    s->set_times_sampled(3 + i);
    s->set_priority(i == 0 ? 0.0 : 2.0);  // a zero field is simply absent
    *s->mutable_item() = TwoTensors(i);
    s->mutable_item()->set_policy_version(55 + i);
  }
  const absl::Cord bytes = Fragmented(response.SerializeAsString(), 100);
  auto views = ParseSampleResponse(bytes);
  ASSERT_TRUE(views.ok()) << views.status();
  ASSERT_EQ(views->size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const SampledView& v = (*views)[i];
    EXPECT_EQ(v.key, 10u + i);
    EXPECT_EQ(v.probability, 0.5);
    EXPECT_EQ(v.table_size, 7);
    EXPECT_EQ(v.times_sampled, 3 + i);
    EXPECT_EQ(v.priority, i == 0 ? 0.0 : 2.0);
    EXPECT_EQ(v.item->policy_version(), 55 + i);
    EXPECT_EQ(v.item->bytes(), absl::Cord(response.items(i).item().SerializeAsString()));
  }
  // a tensor's payload is readable in place
  const TensorHeader* first = (*views)[1].item->FindTensor((*views)[1].item->tensors()[0].name);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(static_cast<int64_t>(first->data.size()), first->data_bytes);
  // a truncated response is refused
  EXPECT_FALSE(ParseSampleResponse(bytes.Subcord(0, bytes.size() - 3)).ok());
}

TEST(StoredItemTest, SampledItemBytesParseAsASampleResponse) {
  auto a = StoredItem::FromUnroll(TwoTensors(1));
  auto b = StoredItem::FromUnroll(TwoTensors(2));
  ASSERT_TRUE(a.ok() && b.ok());
  absl::Cord wire = SampledItemWireBytes(5, 0.25, 10, 3, 1.5, **a);
  wire.Append(SampledItemWireBytes(6, 0, 0, 0, 0, **b));  // zero fields are left out, as proto3 does
  SampleResponse response;
  ASSERT_TRUE(response.ParseFromString(std::string(wire)));
  ASSERT_EQ(response.items_size(), 2);
  EXPECT_EQ(response.items(0).key(), 5u);
  EXPECT_EQ(response.items(0).probability(), 0.25);
  EXPECT_EQ(response.items(0).table_size(), 10);
  EXPECT_EQ(response.items(0).times_sampled(), 3);
  EXPECT_EQ(response.items(0).priority(), 1.5);
  EXPECT_EQ(response.items(0).item().first_frame(), 1);
  EXPECT_EQ(response.items(1).key(), 6u);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(response.items(1).item(), TwoTensors(2)));
}

TEST(StoredItemTest, CheckpointItemsRoundTrip) {
  auto item = StoredItem::FromUnroll(TwoTensors(4));
  ASSERT_TRUE(item.ok());
  const absl::Cord record = DelimitedCheckpointItem(77, **item);
  // the record is a varint length, then a CheckpointItem protobuf can parse
  const std::string flat(record);
  size_t prefix = 0;
  uint64_t length = 0;
  for (int shift = 0; prefix < flat.size(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(flat[prefix++]);
    length |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) break;
  }
  EXPECT_EQ(length, flat.size() - prefix);
  CheckpointItem parsed;
  ASSERT_TRUE(parsed.ParseFromString(flat.substr(prefix)));
  EXPECT_EQ(parsed.key(), 77u);
  EXPECT_EQ(parsed.item().first_frame(), 4);
  auto back = ParseCheckpointItem(absl::Cord(flat.substr(prefix)));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->first, 77u);
  EXPECT_EQ(back->second->bytes(), (*item)->bytes());
}

}  // namespace
}  // namespace mimic::replay
