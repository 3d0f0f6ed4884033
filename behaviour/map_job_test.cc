#include "behaviour/map_job.h"

#include <filesystem>
#include <fstream>

#include "behaviour/synthetic_movement.h"
#include "common/h5_file.h"
#include "envs/clip_io.h"
#include "gtest/gtest.h"

namespace mimic::behaviour {
namespace {

TEST(MapJobTest, WritesTheMapItsFigureAndPerFrameLabels) {
  SyntheticMovementOptions synth;
  synth.clips = 2;
  synth.frames_per_clip = 600;
  const SyntheticMovement movement = MakeSyntheticMovement(synth);
  const std::string dir = ::testing::TempDir() + "/map_job";
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(WriteClips(dir + "/clips.h5", movement.clips).ok());
  MapJobInputs inputs;
  inputs.clips = dir + "/clips.h5";
  inputs.out = dir + "/map.h5";
  inputs.options.training_frames = 600;
  inputs.options.tsne.iterations = 300;
  std::vector<std::string> stages;
  MapJobOutcome outcome = RunBehaviourMapJob(inputs, [&](const std::string& stage, int64_t, int64_t) {
                            if (stages.empty() || stages.back() != stage) stages.push_back(stage);
                            return true;
                          }).value();
  EXPECT_EQ(outcome.frames, 1200);
  EXPECT_EQ(stages.front(), "reading clips");
  EXPECT_NE(std::find(stages.begin(), stages.end(), "t-SNE"), stages.end());
  EXPECT_NE(std::find(stages.begin(), stages.end(), "placing frames"), stages.end());
  auto file = H5File::Open(inputs.out).value();
  EXPECT_EQ(file->GetStringAttribute("/", "format").value(), "mimic.behaviour_map");
  EXPECT_EQ(file->Shape("/clips/synth_1/behaviour").value(), (std::vector<int64_t>{600}));
  EXPECT_EQ(file->Shape("/clips/synth_0/embedding").value(), (std::vector<int64_t>{600, 2}));
  EXPECT_EQ(file->ReadStrings("/behaviour_names").value(), outcome.behaviours);
  const auto clusters = file->ReadInts("/clips/synth_0/cluster").value();
  const auto names = file->ReadStrings("/cluster_names").value();
  for (int32_t c : clusters.values) EXPECT_LT(c, static_cast<int32_t>(names.size()));
  // the CSV has one line per frame
  std::ifstream csv(outcome.labels);
  std::string line;
  int lines = 0;
  std::getline(csv, line);
  EXPECT_EQ(line, "clip,frame,cluster,behaviour");
  while (std::getline(csv, line)) ++lines;
  EXPECT_EQ(lines, 1200);
  std::ifstream svg(outcome.figure);
  std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("data:image/png;base64,"), std::string::npos);
  for (const std::string& b : outcome.behaviours) EXPECT_NE(text.find(b), std::string::npos) << b;
  // a missing clips file is an error naming it
  inputs.clips = dir + "/none.h5";
  EXPECT_FALSE(RunBehaviourMapJob(inputs).ok());
}

}  // namespace
}  // namespace mimic::behaviour
