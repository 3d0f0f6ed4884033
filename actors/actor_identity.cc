#include "actors/actor_identity.h"

#include <sys/random.h>

#include <cerrno>
#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mimic {
namespace {

// splitmix64's finaliser: a bijection that spreads every input bit over the output
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr int kMaxActorId = 1000000;

}  // namespace

absl::StatusOr<int> ParseActorId(const std::string& text) {
  const size_t dash = text.rfind('-');
  const std::string digits = dash == std::string::npos ? text : text.substr(dash + 1);
  int id = -1;
  const bool all_digits = !digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos;
  // a leading '-' is a negative number, not a pod name
  if (dash == 0 || !all_digits || !absl::SimpleAtoi(digits, &id) || id > kMaxActorId) {
    return absl::InvalidArgumentError(absl::StrCat("actor id '", text, "': expected a number in [0, ", kMaxActorId,
                                                   "] or a pod name ending in -ORDINAL (mimic-actor-3)"));
  }
  return id;
}

ActorSeeds DeriveActorSeeds(uint64_t run_seed, int actor_id, uint64_t nonce) {
  const uint64_t base = Mix(Mix(run_seed) ^ Mix(0x5eed0000ULL + static_cast<uint64_t>(actor_id)) ^ Mix(~nonce));
  return {Mix(base ^ 0xe4f1ULL), Mix(base ^ 0x901cULL)};
}

uint64_t IncarnationNonce() {
  uint64_t nonce = 0;
  ssize_t got = 0;
  do {
    got = getrandom(&nonce, sizeof(nonce), 0);
  } while (got < 0 && errno == EINTR);
  // getrandom cannot fail on Linux >= 3.17 once the pool is initialised; the clock is a fallback
  if (got != static_cast<ssize_t>(sizeof(nonce))) {
    nonce = static_cast<uint64_t>(std::chrono::high_resolution_clock::now().time_since_epoch().count());
  }
  return nonce;
}

}  // namespace mimic
