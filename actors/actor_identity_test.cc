#include "actors/actor_identity.h"

#include <set>

#include "gtest/gtest.h"

namespace mimic {
namespace {

TEST(ParseActorId, TakesANumberOrAStatefulSetPodOrdinal) {
  EXPECT_EQ(*ParseActorId("0"), 0);
  EXPECT_EQ(*ParseActorId("17"), 17);
  EXPECT_EQ(*ParseActorId("mimic-actor-3"), 3);
  EXPECT_EQ(*ParseActorId("run-a-mimic-actor-120"), 120);
}

TEST(ParseActorId, RefusesTextWithoutAnOrdinalNamingIt) {
  for (const char* bad : {"", "-", "mimic-actor-", "mimic-actor", "3a", "mimic-actor-x1", "-1", "99999999999"}) {
    auto id = ParseActorId(bad);
    ASSERT_FALSE(id.ok()) << bad;
    EXPECT_NE(id.status().message().find(std::string("'") + bad + "'"), std::string::npos) << id.status();
  }
}

TEST(DeriveActorSeeds, IsAFunctionOfRunSeedIdAndNonce) {
  const ActorSeeds a = DeriveActorSeeds(1, 3, 42), b = DeriveActorSeeds(1, 3, 42);
  EXPECT_EQ(a.env, b.env);
  EXPECT_EQ(a.policy, b.policy);
  EXPECT_NE(a.env, a.policy);
}

TEST(DeriveActorSeeds, GivesEveryActorIncarnationAndRunSeedItsOwnSeeds) {
  std::set<uint64_t> seen;
  int derived = 0;
  for (uint64_t run : {1ULL, 2ULL}) {
    for (int id = 0; id < 64; ++id) {
      for (uint64_t nonce : {0ULL, 1ULL, 0xffffffffffffffffULL}) {
        const ActorSeeds s = DeriveActorSeeds(run, id, nonce);
        seen.insert(s.env);
        seen.insert(s.policy);
        derived += 2;
      }
    }
  }
  EXPECT_EQ(static_cast<int>(seen.size()), derived);
}

TEST(IncarnationNonce, DiffersBetweenDraws) {
  // what a restarted process gets: a fresh draw (the pid no longer enters; it is 1 in a container)
  std::set<uint64_t> nonces;
  for (int i = 0; i < 16; ++i) nonces.insert(IncarnationNonce());
  EXPECT_EQ(nonces.size(), 16u);
  EXPECT_NE(DeriveActorSeeds(1, 0, IncarnationNonce()).policy, DeriveActorSeeds(1, 0, IncarnationNonce()).policy);
}

}  // namespace
}  // namespace mimic
