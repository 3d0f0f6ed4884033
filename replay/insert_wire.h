// Insert messages built as cords: the small fields are serialized, the tensor payloads are
// referenced where the writer's unroll holds them. gRPC then sends the payload straight from the
// actor's memory (the kernel's copy is the only one).
#ifndef MIMIC_REPLAY_INSERT_WIRE_H_
#define MIMIC_REPLAY_INSERT_WIRE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "proto/replay.pb.h"

namespace mimic::replay {

// The wire bytes of an InsertItem holding `item`. The cord shares ownership of the tensor payloads
// (moved out of `item`), so it may outlive every other reference to them.
absl::Cord InsertItemWire(int64_t sequence, Unroll&& item, const std::vector<TablePriority>& tables);
// The same for an unroll others may hold too: the cord references its payloads and keeps `item`
// alive; nothing of it is copied but the small fields.
absl::Cord InsertItemWire(int64_t sequence, std::shared_ptr<const Unroll> item,
                          const std::vector<TablePriority>& tables);
// `item` without its tensors (every other field as it is).
Unroll ScalarFieldsOf(const Unroll& item);

// The wire bytes of an InsertRequest from InsertItem wire bytes.
absl::Cord InsertRequestWire(const std::string& writer_id, const std::vector<absl::Cord>& items);

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_INSERT_WIRE_H_
