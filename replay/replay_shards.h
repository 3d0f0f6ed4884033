// Several replay servers as shards of one replay: each actor writes to one shard, the learner
// samples from all of them (replay/sharded_sampler.h). A run names its shards as one
// comma-separated list of addresses, given in the same order to every process.
#ifndef MIMIC_REPLAY_REPLAY_SHARDS_H_
#define MIMIC_REPLAY_REPLAY_SHARDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mimic::replay {

// "host:port[,host:port...]" → the addresses in order. An empty list, an empty entry, an entry
// without a port or a name listed twice is INVALID_ARGUMENT naming it.
absl::StatusOr<std::vector<std::string>> ParseReplayShards(const std::string& list);

// The shard actor `actor_id` writes to: actor ids round-robin over the shards, so shard k takes
// ids k, k+S, k+2S, ... and every shard's writers differ by at most one.
int ShardOfActor(int actor_id, int num_shards);

// The one address an actor writes to, from the run's list.
absl::StatusOr<std::string> ReplayAddressOfActor(const std::string& list, int actor_id);

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_REPLAY_SHARDS_H_
