#include "actors/checkpoint_env.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace mimic {
namespace {

namespace fs = std::filesystem;

class CheckpointEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    run_ = fs::path(std::getenv("TEST_TMPDIR")) / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(run_ / "checkpoints");
  }
  void Write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }
  std::string Checkpoints() const { return (run_ / "checkpoints").string(); }

  fs::path run_;
};

TEST_F(CheckpointEnvTest, TheRunsTaskEnvironmentIsUsedWithTheClipsScale) {
  Write(run_ / "train.pbtxt", "task { name: \"rodent\" env { preset: COMIC reference_window: 3 } }\n");
  auto env = EnvForCheckpoint("", Checkpoints() + "/", 0.9);
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->config.preset(), COMIC);
  EXPECT_EQ(env->config.reference_window(), 3);
  EXPECT_DOUBLE_EQ(env->config.model_scale(), 0.9);
  EXPECT_NE(env->source.find("train.pbtxt"), std::string::npos) << env->source;
}

TEST_F(CheckpointEnvTest, AScaleTheRunSetIsKeptAndAGivenConfigWins) {
  Write(run_ / "train.pbtxt", "task { env { preset: COMIC model_scale: 0.8 } }\n");
  auto env = EnvForCheckpoint("", Checkpoints(), 0.9);
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_DOUBLE_EQ(env->config.model_scale(), 0.8);
  Write(run_ / "env.pbtxt", "preset: TRACK_MJX\nmodel_scale: 0.9\n");
  auto given = EnvForCheckpoint((run_ / "env.pbtxt").string(), Checkpoints(), 0.9);
  ASSERT_TRUE(given.ok()) << given.status();
  EXPECT_EQ(given->config.preset(), TRACK_MJX);
  EXPECT_EQ(given->source, (run_ / "env.pbtxt").string());
}

TEST_F(CheckpointEnvTest, WithoutARunConfigTheDefaultsAtTheClipsScale) {
  auto env = EnvForCheckpoint("", Checkpoints(), 0.9);
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->config.preset(), TRACK_MJX);
  EXPECT_DOUBLE_EQ(env->config.model_scale(), 0.9);
  EXPECT_EQ(env->source, "");
}

TEST_F(CheckpointEnvTest, ABrokenRunConfigIsNamed) {
  Write(run_ / "train.pbtxt", "task { env { preset: NOT_A_PRESET } }\n");
  auto env = EnvForCheckpoint("", Checkpoints(), 0.9);
  EXPECT_FALSE(env.ok());
  EXPECT_NE(env.status().message().find("train.pbtxt"), std::string::npos) << env.status();
  EXPECT_NE(env.status().message().find("--config"), std::string::npos) << env.status();
  Write(run_ / "train.pbtxt", "task { env { reference_window: -4 } }\n");
  auto invalid = EnvForCheckpoint("", Checkpoints(), 0.9);
  EXPECT_EQ(invalid.status().code(), absl::StatusCode::kInvalidArgument) << invalid.status();
}

}  // namespace
}  // namespace mimic
