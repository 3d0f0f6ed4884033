#include "replay/replay_shards.h"

#include <map>

#include "gtest/gtest.h"

namespace mimic::replay {
namespace {

TEST(ParseReplayShards, KeepsTheListedOrder) {
  auto shards = ParseReplayShards("mimic-replay-0.mimic-replay:9100, mimic-replay-1.mimic-replay:9100,127.0.0.1:7");
  ASSERT_TRUE(shards.ok()) << shards.status();
  EXPECT_EQ(*shards, (std::vector<std::string>{"mimic-replay-0.mimic-replay:9100", "mimic-replay-1.mimic-replay:9100",
                                               "127.0.0.1:7"}));
}

TEST(ParseReplayShards, RefusesMalformedListsNamingTheEntry) {
  for (const char* bad : {"", "a:1,", "a:1,,b:2", "nohost", ":9100", "a:port", "a:70000", "a:1,a:1"}) {
    auto shards = ParseReplayShards(bad);
    EXPECT_FALSE(shards.ok()) << bad;
    EXPECT_NE(shards.status().message().find("replay address"), std::string::npos) << shards.status();
  }
}

TEST(ShardOfActor, SpreadsActorIdsEvenlyOverTheShards) {
  std::map<int, int> writers;
  for (int id = 0; id < 10; ++id) ++writers[ShardOfActor(id, 4)];
  EXPECT_EQ(writers, (std::map<int, int>{{0, 3}, {1, 3}, {2, 2}, {3, 2}}));
  EXPECT_EQ(ShardOfActor(5, 1), 0);
}

TEST(ReplayAddressOfActor, PicksTheActorsShardFromTheList) {
  EXPECT_EQ(*ReplayAddressOfActor("a:1,b:2,c:3", 4), "b:2");
  EXPECT_EQ(*ReplayAddressOfActor("a:1", 9), "a:1");
  EXPECT_FALSE(ReplayAddressOfActor("a:1,", 0).ok());
}

}  // namespace
}  // namespace mimic::replay
