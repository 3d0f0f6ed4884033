#include "replay/replay_shards.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace mimic::replay {

absl::StatusOr<std::vector<std::string>> ParseReplayShards(const std::string& list) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (absl::string_view entry : absl::StrSplit(list, ',')) {
    const std::string address(absl::StripAsciiWhitespace(entry));
    const size_t colon = address.rfind(':');
    int port = 0;
    if (address.empty() || colon == std::string::npos || colon == 0 ||
        !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("replay address '", address, "' in '", list, "': expected HOST:PORT[,HOST:PORT...]"));
    }
    if (!seen.insert(address).second) {
      return absl::InvalidArgumentError(absl::StrCat("replay address '", address, "' is listed twice in '", list, "'"));
    }
    out.push_back(address);
  }
  return out;
}

int ShardOfActor(int actor_id, int num_shards) {
  if (num_shards < 1) return 0;
  return ((actor_id % num_shards) + num_shards) % num_shards;
}

absl::StatusOr<std::string> ReplayAddressOfActor(const std::string& list, int actor_id) {
  absl::StatusOr<std::vector<std::string>> shards = ParseReplayShards(list);
  if (!shards.ok()) return shards.status();
  return (*shards)[ShardOfActor(actor_id, static_cast<int>(shards->size()))];
}

}  // namespace mimic::replay
