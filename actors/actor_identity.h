// Who an actor process is: its id (a number, or a StatefulSet pod name whose ordinal is the id) and
// the seeds of this incarnation. Seeds mix the run seed, the id and a nonce drawn from the kernel
// at start, so actors never share noise and a restarted actor (same id; in a container also the
// same pid 1) does not replay the episodes and policy noise of the incarnation before it.
#ifndef MIMIC_ACTORS_ACTOR_IDENTITY_H_
#define MIMIC_ACTORS_ACTOR_IDENTITY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace mimic {

// "7" → 7; "mimic-actor-7" (a StatefulSet pod's name: the ordinal follows the last '-') → 7.
// Anything else (empty, negative, no digits after the last '-', over 1e6) is INVALID_ARGUMENT.
absl::StatusOr<int> ParseActorId(const std::string& text);

struct ActorSeeds {
  uint64_t env = 0;     // the environments' reset noise and start frames
  uint64_t policy = 0;  // the policy's action and latent noise
};

// Deterministic in (run_seed, actor_id, nonce); distinct inputs give unrelated seeds.
ActorSeeds DeriveActorSeeds(uint64_t run_seed, int actor_id, uint64_t nonce);

// 64 bits from the kernel's random source (getrandom), different in every process start.
uint64_t IncarnationNonce();

}  // namespace mimic

#endif  // MIMIC_ACTORS_ACTOR_IDENTITY_H_
