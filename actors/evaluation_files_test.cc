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

TEST(EvaluationFilesTest, AFileWithAnotherVersionsColumnsIsKeptAsideAndANewOneBegun) {
  const std::string dir = ::testing::TempDir() + "/old_rows";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/eval_clips.csv";
  const std::string old_text =
      "wall_s,version,clip,clip_id,split,policy,episodes,completion,resets,reward_per_step,keypoint_error_mm,"
      "keypoint_error_median_mm,body_error_mm,end_effector_error_mm,com_error_mm,joint_error_rad,"
      "keypoint_error_median_mm_head\n1.0,3,walk,4,train,deterministic,1,1.0000,0.00,0.5,20,19,18,17,16,0.1,15\n";
  const PolicyEvaluation result = OneClip();
  for (int attempt = 0; attempt < 2; ++attempt) {  // a second old file goes to .old.1
    std::ofstream(path) << old_text;
    ASSERT_TRUE(AppendClipRows(path, 1, 1, {{"deterministic", &result, 1}}).ok());
    const std::string aside = attempt == 0 ? path + ".old" : path + ".old.1";
    std::ifstream kept(aside);
    std::stringstream text;
    text << kept.rdbuf();
    EXPECT_EQ(text.str(), old_text) << aside;
    const std::vector<std::string> lines = Lines(path);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_NE(lines[0].find("keypoint_height_bias_mm"), std::string::npos) << lines[0];
    EXPECT_EQ(Cells(lines[1]).size(), Cells(lines[0]).size());
  }
}

TEST(EvaluationFilesTest, ColumnsOutOfOrderOrUnknownAreAnotherVersionsButCrlfIsNot) {
  const PolicyEvaluation result = OneClip();
  const std::string dir = ::testing::TempDir() + "/headers";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/eval_clips.csv";
  ASSERT_TRUE(AppendClipRows(path, 1, 1, {{"deterministic", &result, 1}}).ok());
  const std::string header = Lines(path)[0];
  const std::string fixed = header.substr(0, header.find(",reward_com"));  // reward_per_step is a fixed column
  struct Case {
    std::string header;
    bool kept;  // appended to (true) or moved aside (false)
  };
  for (const Case& c : std::vector<Case>{{header + "\r", true},
                                         {fixed + ",keypoint_error_median_mm_head,reward_com", false},
                                         {fixed + ",reward_com,mystery", false},
                                         {fixed + ",reward_com,keypoint_error_median_mm_head", true}}) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(path) << c.header << "\n";
    ASSERT_TRUE(AppendClipRows(path, 1, 1, {{"deterministic", &result, 1}}).ok());
    EXPECT_EQ(std::filesystem::exists(path + ".old"), !c.kept) << c.header;
    const std::vector<std::string> lines = Lines(path);
    ASSERT_EQ(lines.size(), 2u) << c.header;
    std::string first = lines[0];
    if (!first.empty() && first.back() == '\r') first.pop_back();
    EXPECT_EQ(Cells(lines[1]).size(), Cells(first).size()) << c.header;
  }
}

}  // namespace
}  // namespace mimic
