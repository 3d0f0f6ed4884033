#include "actors/evaluation_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace mimic {
namespace {

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return absl::StrSplit(text.str(), '\n', absl::SkipEmpty());
}

std::vector<std::string> Cells(const std::string& line) { return absl::StrSplit(line, ','); }

PolicyEvaluation OneClip() {
  PolicyEvaluation result;
  ClipEpisode e;
  e.clip = "walk";
  e.clip_id = 4;
  e.horizon = 10;
  e.completion = 0.5;
  e.keypoint_errors_mm = {3, 5};
  e.keypoint_errors_mm_by_part["head"] = {3};
  e.keypoint_errors_mm_by_part["arm_L"] = {5};
  e.keypoint_height_bias_mm = -2.5;
  e.keypoint_horizontal_error_mm = 1.25;
  e.reward_terms = {{"com", 0.125}, {"tracking", 0.75}};
  result.episodes.push_back(e);
  return result;
}

TEST(EvaluationFilesTest, RowsCarryTheKeypointSplitRewardTermsAndPartsUnderTheirHeader) {
  const std::string path = ::testing::TempDir() + "/clips_rows.csv";
  std::filesystem::remove(path);
  const PolicyEvaluation result = OneClip();
  ASSERT_TRUE(AppendClipRows(path, 1.5, 7, {{"deterministic", &result, 1}}).ok());
  ASSERT_TRUE(AppendClipRows(path, 2.5, 8, {{"deterministic", &result, 1}}).ok());
  const std::vector<std::string> lines = Lines(path);
  ASSERT_EQ(lines.size(), 3u);
  const std::vector<std::string> header = Cells(lines[0]);
  for (size_t row = 1; row < lines.size(); ++row) {
    const std::vector<std::string> cells = Cells(lines[row]);
    ASSERT_EQ(cells.size(), header.size()) << lines[row];
    std::map<std::string, std::string> value;
    for (size_t i = 0; i < header.size(); ++i) value[header[i]] = cells[i];
    EXPECT_EQ(value["clip"], "walk");
    EXPECT_EQ(std::stod(value["keypoint_height_bias_mm"]), -2.5);
    EXPECT_EQ(std::stod(value["keypoint_horizontal_error_mm"]), 1.25);
    EXPECT_EQ(std::stod(value["reward_com"]), 0.125);
    EXPECT_EQ(std::stod(value["reward_tracking"]), 0.75);
    EXPECT_EQ(std::stod(value["keypoint_error_median_mm_head"]), 3);
    EXPECT_EQ(std::stod(value["keypoint_error_median_mm_arm_L"]), 5);
  }
}

TEST(EvaluationFilesTest, AFileWithAnotherVersionsColumnsIsRefusedAndLeftAlone) {
  const std::string path = ::testing::TempDir() + "/old_rows.csv";
  const std::string old_header =
      "wall_s,version,clip,clip_id,split,policy,episodes,completion,resets,reward_per_step,keypoint_error_mm,"
      "keypoint_error_median_mm,body_error_mm,end_effector_error_mm,com_error_mm,joint_error_rad,"
      "keypoint_error_median_mm_head\n";
  std::ofstream(path) << old_header;
  const PolicyEvaluation result = OneClip();
  const absl::Status appended = AppendClipRows(path, 1, 1, {{"deterministic", &result, 1}});
  EXPECT_EQ(appended.code(), absl::StatusCode::kFailedPrecondition) << appended;
  EXPECT_NE(appended.message().find("move it aside"), std::string::npos) << appended;
  ASSERT_EQ(Lines(path).size(), 1u);
  EXPECT_EQ(Lines(path)[0] + "\n", old_header);
}

}  // namespace
}  // namespace mimic
