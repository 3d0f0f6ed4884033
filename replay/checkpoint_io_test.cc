// Replay checkpoints on disk: checksums, the fallback to an older checkpoint when the newest is
// damaged, leftover temporaries, pruning, and files of the previous format.
#include "replay/checkpoint_io.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/tensor_util.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "gtest/gtest.h"
#include "replay/replay_core.h"

namespace mimic::replay {
namespace {
namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  const std::string dir = (fs::path(::testing::TempDir()) / name).string();
  fs::remove_all(dir);
  return dir;
}

ReplayConfig Config(const std::string& dir) {
  ReplayConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString("tables { name: 'q' max_size: 100 queue {} }", &config));
  config.set_checkpoint_dir(dir);
  config.set_keep_checkpoints(3);
  return config;
}

void Insert(ReplayCore& core, int sequence) {
  InsertCall call;
  call.writer_id = "w";
  call.sequence = sequence;
  TablePriority tp;
  tp.set_table("q");
  call.tables.push_back(tp);
  Unroll unroll;
  std::vector<float> data(256, static_cast<float>(sequence));
  (*unroll.mutable_tensors())["x"] = MakeFloatTensor({256}, data.data());
  call.item = StoredItem::FromUnroll(unroll).value();
  ASSERT_TRUE(core.Insert(call, absl::Now() + absl::Seconds(5), nullptr).ok());
}

int64_t Size(const ReplayCore& core) { return core.Info().tables(0).size(); }

TEST(CheckpointIoTest, ATruncatedNewestCheckpointFallsBackToTheOlderOne) {
  const std::string dir = TempDir("ckpt_fallback");
  std::string older, newest;
  {
    auto core = ReplayCore::Create(Config(dir));
    ASSERT_TRUE(core.ok()) << core.status();
    for (int i = 1; i <= 3; ++i) Insert(**core, i);
    older = (*core)->Checkpoint()->path();
    for (int i = 4; i <= 5; ++i) Insert(**core, i);
    newest = (*core)->Checkpoint()->path();
  }
  // the case: the newest checkpoint is cut short, a valid older one lies beside it
  fs::resize_file(newest, fs::file_size(newest) / 2);
  auto restored = ReplayCore::Create(Config(dir));
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ((*restored)->restored_from(), older);
  EXPECT_EQ(Size(**restored), 3);
  // the damaged one is set aside, not tried again
  EXPECT_TRUE(fs::exists(newest + ".corrupt"));
  EXPECT_EQ(ListCheckpoints(dir), std::vector<std::string>{older});
}

TEST(CheckpointIoTest, AFlippedPayloadByteFailsTheChecksum) {
  const std::string dir = TempDir("ckpt_flip");
  std::string path;
  {
    auto core = ReplayCore::Create(Config(dir));
    Insert(**core, 1);
    path = (*core)->Checkpoint()->path();
  }
  ASSERT_TRUE(ReadCheckpoint(path).ok());
  {
    // a byte in the middle of the tensor payload: the records still parse
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(fs::file_size(path) / 2));
    char byte;
    file.read(&byte, 1);
    file.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));
    byte ^= 0x10;
    file.write(&byte, 1);
  }
  auto read = ReadCheckpoint(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(read.status().message().find("checksum"), std::string::npos) << read.status();
  // with no valid checkpoint left the server starts empty rather than not at all
  auto core = ReplayCore::Create(Config(dir));
  ASSERT_TRUE(core.ok());
  EXPECT_FALSE((*core)->restored());
}

TEST(CheckpointIoTest, RemovesLeftoverTemporariesAndPrunesOnlyAfterANewCheckpoint) {
  const std::string dir = TempDir("ckpt_prune");
  fs::create_directories(dir);
  const std::string leftover = dir + "/replay-00000000000000000001.ckpt.tmp.123.abcdef";
  std::ofstream(leftover) << "half a checkpoint";
  auto core = ReplayCore::Create(Config(dir));
  ASSERT_TRUE(core.ok());
  EXPECT_FALSE(fs::exists(leftover));
  std::vector<std::string> written;
  for (int i = 1; i <= 5; ++i) {
    Insert(**core, i);
    written.push_back((*core)->Checkpoint()->path());
  }
  // the newest three (keep_checkpoints), newest first
  EXPECT_EQ(ListCheckpoints(dir), (std::vector<std::string>{written[4], written[3], written[2]}));
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) files += entry.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 3);
}

TEST(CheckpointIoTest, ReadsCheckpointsOfTheFirstFormat) {
  // version 1: delimited records without checksums
  const std::string dir = TempDir("ckpt_v1");
  fs::create_directories(dir);
  const std::string path = dir + "/replay-00000000000000000001.ckpt";
  Unroll unroll;
  const float one = 1;
  (*unroll.mutable_tensors())["x"] = MakeFloatTensor({1}, &one);
  {
    std::ofstream out(path, std::ios::binary);
    CheckpointHeader header;
    header.set_version(1);
    header.set_num_items(1);
    header.set_num_tables(1);
    header.set_next_key(8);
    google::protobuf::util::SerializeDelimitedToOstream(header, &out);
    CheckpointItem item;
    item.set_key(7);
    *item.mutable_item() = unroll;
    google::protobuf::util::SerializeDelimitedToOstream(item, &out);
    CheckpointTable table;
    table.set_name("q");
    table.add_entries()->set_key(7);
    google::protobuf::util::SerializeDelimitedToOstream(table, &out);
  }
  auto core = ReplayCore::Create(Config(dir));
  ASSERT_TRUE(core.ok()) << core.status();
  EXPECT_EQ((*core)->restored_from(), path);
  EXPECT_EQ(Size(**core), 1);
}

}  // namespace
}  // namespace mimic::replay
