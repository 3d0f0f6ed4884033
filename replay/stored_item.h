// An item as the replay service keeps it: the serialized Unroll bytes exactly as they arrived
// (over gRPC these share the receive buffers, so an insert copies no payload) and the tensor
// headers read from them for signature checks. Samples and checkpoints write the same bytes out.
#ifndef MIMIC_REPLAY_STORED_ITEM_H_
#define MIMIC_REPLAY_STORED_ITEM_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "proto/replay.pb.h"

namespace mimic::replay {

// Bounds a parse of untrusted bytes keeps to: past one, the parse stops with INVALID_ARGUMENT
// (RESOURCE_EXHAUSTED for counts) at that point, so refusing a hostile message costs little and
// accepting one costs time linear in its size.
struct WireLimits {
  int max_tensors_per_item = 256;
  int max_items_per_message = 4096;
  int max_tables_per_item = 64;
  int max_dims = 16;
  int max_name_bytes = 1024;  // tensor names and writer ids
};

struct TensorHeader {
  std::string name;
  DType dtype = DTYPE_INVALID;
  std::vector<int64_t> shape;
  int64_t data_bytes = 0;
  absl::Cord data;  // the payload, sharing the item's memory
};

class StoredItem {
 public:
  // Reads the tensor headers of a serialized Unroll. Refuses malformed wire data, a tensor named
  // twice, tensors whose byte length disagrees with dtype × shape (the error names the tensor),
  // and items over `limits`.
  static absl::StatusOr<std::shared_ptr<const StoredItem>> Parse(absl::Cord bytes, const WireLimits& limits = {});
  static absl::StatusOr<std::shared_ptr<const StoredItem>> FromUnroll(const Unroll& unroll);

  const absl::Cord& bytes() const { return bytes_; }
  int64_t size() const { return static_cast<int64_t>(bytes_.size()); }
  const std::vector<TensorHeader>& tensors() const { return tensors_; }
  const TensorHeader* FindTensor(const std::string& name) const;
  int64_t policy_version() const { return policy_version_; }
  // A full parse (copies the payload): for tests and tools, not the serving path.
  absl::StatusOr<Unroll> ToUnroll() const;

 private:
  absl::Cord bytes_;
  std::vector<TensorHeader> tensors_;  // in wire order
  int64_t policy_version_ = 0;
};

// An InsertRequest split into its items' wire bytes (shared, not copied). The items are parsed
// one at a time, so those before a malformed one can still be inserted and acknowledged.
struct InsertMessage {
  std::string writer_id;
  std::vector<absl::Cord> items;  // InsertItem messages, in order
};
absl::StatusOr<InsertMessage> ParseInsertRequest(const absl::Cord& bytes, const WireLimits& limits = {});

// One InsertItem, read without copying its unroll's payload.
struct InsertCall {
  std::string writer_id;
  int64_t sequence = 0;
  std::vector<TablePriority> tables;
  std::shared_ptr<const StoredItem> item;
};
absl::StatusOr<InsertCall> ParseInsertItem(const std::string& writer_id, const absl::Cord& bytes,
                                           const WireLimits& limits = {});

// The wire bytes of one SampledItem entry of a SampleResponse (`items`, field 1), item included.
absl::Cord SampledItemWireBytes(uint64_t key, double probability, int64_t table_size, int32_t times_sampled,
                                double priority, const StoredItem& item);

// A SampledItem read from a SampleResponse without copying its item (learners stack tensors
// straight from the received buffers).
struct SampledView {
  uint64_t key = 0;
  double probability = 0;
  int64_t table_size = 0;
  int32_t times_sampled = 0;
  double priority = 0;
  std::shared_ptr<const StoredItem> item;
};
absl::StatusOr<std::vector<SampledView>> ParseSampleResponse(const absl::Cord& bytes);

// A CheckpointItem, length-prefixed as SerializeDelimitedTo writes it; and its reverse.
absl::Cord DelimitedCheckpointItem(uint64_t key, const StoredItem& item);
absl::StatusOr<std::pair<uint64_t, std::shared_ptr<const StoredItem>>> ParseCheckpointItem(const absl::Cord& bytes);

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_STORED_ITEM_H_
