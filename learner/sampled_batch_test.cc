#include "learner/sampled_batch.h"

#include <gtest/gtest.h>

#include "learner/test_batches.h"
#include "learner/wire_codec.h"

namespace mimic {
namespace {

constexpr int kObs = 6, kActions = 2;

// `bytes` cut into separately owned pieces of `piece` bytes, as gRPC's receive buffers may cut a
// message (external pieces are never merged, so tensors really straddle them).
absl::Cord Fragmented(const std::string& bytes, size_t piece) {
  absl::Cord cord;
  for (size_t i = 0; i < bytes.size(); i += piece) {
    auto* owned = new std::string(bytes.substr(i, piece));
    cord.Append(absl::MakeCordFromExternal(*owned, [owned](absl::string_view) { delete owned; }));
  }
  return cord;
}

std::vector<replay::SampledView> Views(const std::vector<Unroll>& unrolls, size_t piece) {
  std::vector<replay::SampledView> views;
  for (const Unroll& u : unrolls) {
    const std::string bytes = u.SerializeAsString();
    replay::SampledView view;
    view.item = piece == 0 ? replay::StoredItem::Parse(absl::Cord(bytes)).value()
                           : replay::StoredItem::Parse(Fragmented(bytes, piece)).value();
    views.push_back(std::move(view));
  }
  return views;
}

TEST(SampledBatchTest, StacksTheSameBatchAsParsedUnrollsWhetherOrNotTensorsAreContiguous) {
  auto learner = Learner::Create(TinyConfig("vmpo", "lstm"), kObs, kActions).value();
  Batch batch = RandomBatch(*learner, 5, 3, kObs, kActions, 1);
  batch.initial_state.h[0] = torch::randn_like(batch.initial_state.h[0]);
  const std::vector<Unroll> unrolls = SplitBatch(batch, {});
  const Batch expected = StackUnrolls({&unrolls[0], &unrolls[1], &unrolls[2]}, 2).value();
  for (size_t piece : {0, 7, 64}) {  // one flat buffer, then tensors straddling buffers
    const std::vector<replay::SampledView> views = Views(unrolls, piece);
    EXPECT_EQ(views[0].item->FindTensor("observation")->data.TryFlat().has_value(), piece == 0) << piece;
    const Batch stacked = StackSampled(views, 2).value();
    EXPECT_TRUE(torch::equal(stacked.observations, expected.observations)) << piece;
    EXPECT_TRUE(torch::equal(stacked.actions, expected.actions)) << piece;
    EXPECT_TRUE(torch::equal(stacked.rewards, expected.rewards)) << piece;
    EXPECT_TRUE(torch::equal(stacked.initial_state.h[0], expected.initial_state.h[0])) << piece;
    EXPECT_TRUE(torch::equal(stacked.initial_state.has_prev, expected.initial_state.has_prev)) << piece;
  }
  EXPECT_TRUE(learner->Update(StackSampled(Views(unrolls, 7), 2).value()).ok());
}

TEST(SampledBatchTest, RefusesMissingTensorsAndWrongDtypesByName) {
  auto learner = Learner::Create(TinyConfig("vmpo", "lstm"), kObs, kActions).value();
  std::vector<Unroll> unrolls = SplitBatch(RandomBatch(*learner, 4, 2, kObs, kActions, 2), {});
  unrolls[1].mutable_tensors()->erase("reward");
  auto result = StackSampled(Views(unrolls, 0), 2);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("unroll 1 has no tensor 'reward'"), std::string::npos) << result.status();

  unrolls = SplitBatch(RandomBatch(*learner, 4, 1, kObs, kActions, 3), {});
  Tensor& reward = (*unrolls[0].mutable_tensors())["reward"];
  reward.set_dtype(DTYPE_INT32);  // same byte length, wrong type
  result = StackSampled(Views(unrolls, 0), 2);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("'reward': dtype"), std::string::npos) << result.status();
}

}  // namespace
}  // namespace mimic
