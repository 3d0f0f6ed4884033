#include "actors/task_factory.h"

#include <filesystem>

#include "envs/clip_io.h"
#include "envs/test_util.h"
#include "gtest/gtest.h"

namespace mimic {
namespace {

TaskConfig Task(std::vector<int> train, std::vector<int> held_out, std::vector<int> eval = {}) {
  TaskConfig task;
  task.set_clips("clips.h5");
  for (int id : train) task.add_clip_ids(id);
  for (int id : held_out) task.add_held_out_clip_ids(id);
  for (int id : eval) task.add_eval_clip_ids(id);
  return task;
}

TEST(PlanClipsTest, HeldOutClipsAreNeverTrainedOnAndEvaluatedAfterTheTrainingClips) {
  auto plan = PlanClips(Task({}, {3}), 5);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->train, (std::vector<int>{0, 1, 2, 4}));
  EXPECT_EQ(plan->held_out, (std::vector<int>{3}));
  EXPECT_EQ(plan->eval, (std::vector<int>{0, 1, 2, 4, 3}));
  plan = PlanClips(Task({1, 0}, {2}, {2}), 3);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->train, (std::vector<int>{1, 0}));
  EXPECT_EQ(plan->eval, (std::vector<int>{2}));
}

TEST(PlanClipsTest, ContradictoryOrOutOfRangeListsAreRefusedNamingTheField) {
  auto both = PlanClips(Task({0, 2}, {2}), 4);
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.status().message().find("never trained on"), std::string::npos) << both.status();
  auto range = PlanClips(Task({}, {4}), 4);
  EXPECT_NE(range.status().message().find("held_out_clip_ids"), std::string::npos) << range.status();
  auto twice = PlanClips(Task({1, 1}, {}), 4);
  EXPECT_NE(twice.status().message().find("twice"), std::string::npos) << twice.status();
  auto eval = PlanClips(Task({}, {}, {-1}), 4);
  EXPECT_NE(eval.status().message().find("eval_clip_ids"), std::string::npos) << eval.status();
  auto nothing_left = PlanClips(Task({}, {0, 1}), 2);
  EXPECT_NE(nothing_left.status().message().find("no clip left to train on"), std::string::npos);
}

TEST(MakeTaskEnvsTest, TrainingEnvsNeverSeeAHeldOutClipAndTheEvaluatorKnowsWhichIsWhich) {
  const EnvConfig env = testing::BundledConfig();
  std::vector<ReferenceClip> clips;
  for (uint64_t seed : {1, 2, 3}) clips.push_back(testing::RecordedTestClip(env, 20, seed).clip);
  const std::string path = (std::filesystem::path(::testing::TempDir()) / "three.h5").string();
  ASSERT_TRUE(WriteClips(path, clips).ok());
  TaskConfig task = Task({}, {1});
  task.set_clips(path);
  *task.mutable_env() = env;

  auto train = MakeTaskEnvs(task, TaskRole::kTrain, 4, 1, 0);
  ASSERT_TRUE(train.ok()) << train.status();
  EXPECT_EQ(train->clip_ids, (std::vector<int>{0, 2}));
  ASSERT_EQ(train->context->library().num_clips(), 2);
  for (int c = 0; c < 2; ++c) EXPECT_NE(train->context->library().clip(c).clip.name, clips[1].name);
  EXPECT_TRUE(train->context->task().config().clip_sampling().adaptive());

  auto eval = MakeTaskEnvs(task, TaskRole::kEvaluate, 2, 1, 0, /*from_clip_start=*/true);
  ASSERT_TRUE(eval.ok()) << eval.status();
  EXPECT_EQ(eval->clip_ids, (std::vector<int>{0, 2, 1}));
  EXPECT_EQ(eval->held_out, (std::vector<bool>{false, false, true}));
  EXPECT_EQ(eval->context->library().clip(2).clip.name, clips[1].name);
  EXPECT_FALSE(eval->context->task().config().clip_sampling().adaptive());

  task.add_clip_ids(1);
  EXPECT_EQ(MakeTaskEnvs(task, TaskRole::kTrain, 1, 1, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mimic
