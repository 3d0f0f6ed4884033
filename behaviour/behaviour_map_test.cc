#include "behaviour/behaviour_map.h"

#include <chrono>
#include <cmath>
#include <random>

#include "behaviour/adjusted_rand.h"
#include "behaviour/density_map.h"
#include "behaviour/kinematics.h"
#include "behaviour/placement.h"
#include "behaviour/synthetic_movement.h"
#include "gtest/gtest.h"

namespace mimic::behaviour {
namespace {

TEST(AdjustedRandTest, MatchesTheDefinitionByHand) {
  EXPECT_DOUBLE_EQ(AdjustedRandIndex({0, 0, 1, 1, 2}, {5, 5, 3, 3, 9}), 1.0);  // the same partition, renamed
  // pairs: together in both 1; row sums 2, column sums 1; expected 2 x 1 / 6; max 1.5
  EXPECT_NEAR(AdjustedRandIndex({0, 0, 1, 1}, {0, 0, 1, 2}), (1 - 1.0 / 3) / (1.5 - 1.0 / 3), 1e-12);
  std::mt19937 rng(1);
  std::vector<int> a, b;
  for (int i = 0; i < 20000; ++i) {
    a.push_back(rng() % 4);
    b.push_back(rng() % 4);
  }
  EXPECT_NEAR(AdjustedRandIndex(a, b), 0, 0.01);  // independent labellings
}

TEST(DensityMapTest, WatershedSplitsTwoBlobsAlongTheValley) {
  std::mt19937 rng(2);
  std::normal_distribution<double> normal(0, 1);
  RowMatrix points(2000, 2);
  for (int i = 0; i < 2000; ++i) {
    const double cx = i % 2 ? 10 : -10;
    points.row(i) << cx + normal(rng), normal(rng);
  }
  DensityGrid g = GaussianDensity(points, 64, 0.03);
  EXPECT_NEAR(g.density.sum(), 1, 1e-12);
  Watershed(g, 0.05);
  ASSERT_EQ(g.region_count, 2);
  EXPECT_NE(g.RegionOf(-10, 0), g.RegionOf(10, 0));
  // the border sits in the valley between them
  EXPECT_EQ(g.RegionOf(-3, 0), g.RegionOf(-10, 0));
  EXPECT_EQ(g.RegionOf(3, 0), g.RegionOf(10, 0));
  // a small third blob below the seed threshold joins a neighbour instead of making a region
  RowMatrix with_bump(2010, 2);
  with_bump.topRows(2000) = points;
  for (int i = 0; i < 10; ++i) with_bump.row(2000 + i) << 0.0, 12 + 0.1 * normal(rng);
  DensityGrid h = GaussianDensity(with_bump, 64, 0.03);
  Watershed(h, 0.2);
  EXPECT_EQ(h.region_count, 2);
}

TEST(PlacementTest, NewFramesLandWhereTheirNeighboursAre) {
  RowMatrix train(200, 3), map(200, 2);
  std::mt19937 rng(3);
  std::normal_distribution<double> normal(0, 0.1);
  for (int i = 0; i < 200; ++i) {
    const int c = i % 2;
    train.row(i) << c * 5 + normal(rng), normal(rng), normal(rng);
    map.row(i) << (c ? 30.0 : -30.0) + normal(rng), normal(rng);
  }
  RowMatrix fresh(2, 3);
  fresh << 5.05, 0, 0, -0.02, 0.01, 0;
  RowMatrix placed = PlaceIntoMap(train, map, fresh).value();
  EXPECT_NEAR(placed(0, 0), 30, 1);
  EXPECT_NEAR(placed(1, 0), -30, 1);
  EXPECT_FALSE(PlaceIntoMap(train, map, RowMatrix::Zero(1, 2)).ok());  // wrong width
}

TEST(BehaviourMapTest, RecoversPlantedBehavioursAndNamesThem) {
  SyntheticMovementOptions synth;
  const SyntheticMovement movement = MakeSyntheticMovement(synth);
  BehaviourMapOptions options;
  options.training_frames = 1500;
  options.tsne.iterations = 750;
  const auto start = std::chrono::steady_clock::now();
  BehaviourMap map = BuildBehaviourMap(movement.clips, options).value();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const size_t T = movement.planted.size();
  ASSERT_EQ(map.cluster_of_row.size(), T);
  ASSERT_EQ(map.embedding.rows(), static_cast<Eigen::Index>(T));
  const double ari_clusters = AdjustedRandIndex(map.cluster_of_row, movement.planted);
  const double ari_behaviours = AdjustedRandIndex(map.behaviour_of_row, movement.planted);
  // names: the coarse behaviour of each frame against the planted one
  int named = 0;
  for (size_t r = 0; r < T; ++r) named += map.behaviour_names[map.behaviour_of_row[r]] == CoarseBehaviourNames()[movement.planted[r]];
  std::printf("%zu frames, %d clusters, %zu behaviours in %.1f s: adjusted Rand index %.3f (clusters), %.3f "
              "(coarse behaviours); named correctly %.3f\n",
              T, map.grid.region_count, map.behaviour_names.size(), seconds, ari_clusters, ari_behaviours,
              static_cast<double>(named) / T);
  for (const ClusterSummary& c : map.clusters) {
    std::printf("  %-8s %5d frames  height %+.3f m  speed %.3f m/s  joint speed %.2f rad/s\n", c.name.c_str(), c.frames,
                c.height_above_median, c.root_speed, c.joint_speed);
  }
  EXPECT_GE(ari_clusters, 0.8);
  EXPECT_GE(ari_behaviours, 0.8);
  EXPECT_GE(static_cast<double>(named) / T, 0.9);
  EXPECT_EQ(map.behaviour_names.size(), 4u);
}

TEST(BehaviourMapTest, RefusesMixedClipsAndBadOptions) {
  SyntheticMovementOptions synth;
  synth.clips = 2;
  synth.frames_per_clip = 200;
  SyntheticMovement m = MakeSyntheticMovement(synth);
  m.clips[1].frame_rate = 100;
  EXPECT_EQ(BuildBehaviourMap(m.clips).status().code(), absl::StatusCode::kInvalidArgument);
  m = MakeSyntheticMovement(synth);
  BehaviourMapOptions bad;
  bad.wavelet.max_frequency = 40;  // above Nyquist at 50 Hz
  EXPECT_EQ(BuildBehaviourMap(m.clips, bad).status().code(), absl::StatusCode::kInvalidArgument);
  m.clips[0].qpos[30] = std::nan("");
  EXPECT_EQ(BuildBehaviourMap(m.clips).status().code(), absl::StatusCode::kInvalidArgument);
  // cancellation stops the work
  m = MakeSyntheticMovement(synth);
  auto cancelled = BuildBehaviourMap(m.clips, {}, [](const std::string& stage, int64_t, int64_t) { return stage != "t-SNE"; });
  EXPECT_EQ(cancelled.status().code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace mimic::behaviour
