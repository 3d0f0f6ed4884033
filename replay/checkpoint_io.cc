#include "replay/checkpoint_io.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/util/delimited_message_util.h"

namespace mimic::replay {
namespace {

namespace fs = std::filesystem;
constexpr char kPrefix[] = "replay-";
constexpr char kSuffix[] = ".ckpt";

std::vector<fs::path> Checkpoints(const std::string& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kPrefix, 0) == 0 && name.size() > sizeof(kSuffix) &&
        name.compare(name.size() - 5, 5, kSuffix) == 0) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());  // names hold zero-padded times: oldest first
  return out;
}

}  // namespace

absl::StatusOr<std::string> WriteCheckpoint(const std::string& dir, const CheckpointData& data, int keep) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat("cannot create checkpoint dir ", dir, ": ", ec.message()));
  // never reuse a name, even for two checkpoints within one microsecond
  int64_t stamp = absl::ToUnixMicros(absl::Now());
  const auto existing = Checkpoints(dir);
  if (!existing.empty()) {
    const std::string last = existing.back().filename().string();
    int64_t last_stamp = 0;
    if (std::sscanf(last.c_str(), "replay-%ld.ckpt", &last_stamp) == 1) stamp = std::max(stamp, last_stamp + 1);
  }
  const std::string path = (fs::path(dir) / absl::StrFormat("%s%020d%s", kPrefix, stamp, kSuffix)).string();
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", temp));
    using google::protobuf::util::SerializeDelimitedToOstream;
    bool ok = SerializeDelimitedToOstream(data.header, &out);
    // items go out as the bytes they arrived in, framed as delimited CheckpointItems
    for (const auto& [key, item] : data.items) {
      const absl::Cord record = DelimitedCheckpointItem(key, *item);
      for (absl::string_view chunk : record.Chunks()) out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    }
    ok = ok && static_cast<bool>(out);
    for (const auto& table : data.tables) ok = ok && SerializeDelimitedToOstream(table, &out);
    out.flush();
    if (!ok || !out) {
      std::remove(temp.c_str());
      return absl::DataLossError(absl::StrCat("failed writing checkpoint ", temp, " (disk full?)"));
    }
  }
  fs::rename(temp, path, ec);
  if (ec) return absl::DataLossError(absl::StrCat("cannot publish checkpoint ", path, ": ", ec.message()));
  auto all = Checkpoints(dir);
  for (size_t i = 0; i + std::max(1, keep) < all.size(); ++i) fs::remove(all[i], ec);
  return path;
}

absl::StatusOr<std::string> LatestCheckpoint(const std::string& dir) {
  const auto all = Checkpoints(dir);
  if (all.empty()) return absl::NotFoundError(absl::StrCat("no checkpoint in ", dir));
  return all.back().string();
}

absl::StatusOr<CheckpointData> ReadCheckpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open checkpoint ", path));
  google::protobuf::io::IstreamInputStream stream(&in);
  using google::protobuf::util::ParseDelimitedFromZeroCopyStream;
  CheckpointData data;
  bool eof = false;
  auto corrupt = [&path](const std::string& what) {
    return absl::DataLossError(absl::StrCat("checkpoint ", path, " is truncated or corrupt (", what, ")"));
  };
  if (!ParseDelimitedFromZeroCopyStream(&data.header, &stream, &eof)) return corrupt("header");
  if (data.header.version() != 1 || data.header.num_items() < 0 || data.header.num_tables() < 0) {
    return corrupt("unknown version or counts");
  }
  for (int64_t i = 0; i < data.header.num_items(); ++i) {
    std::string record;
    {
      // one coded stream per record, so the file may exceed protobuf's 2 GiB stream limit
      google::protobuf::io::CodedInputStream coded(&stream);
      uint32_t length = 0;
      if (!coded.ReadVarint32(&length) || length > INT32_MAX ||
          !coded.ReadString(&record, static_cast<int>(length))) {
        return corrupt(absl::StrCat("item ", i));
      }
    }
    auto item = ParseCheckpointItem(absl::Cord(std::move(record)));
    if (!item.ok()) return corrupt(absl::StrCat("item ", i, ": ", item.status().message()));
    data.items.push_back(*std::move(item));
  }
  for (int64_t i = 0; i < data.header.num_tables(); ++i) {
    CheckpointTable table;
    if (!ParseDelimitedFromZeroCopyStream(&table, &stream, &eof)) return corrupt(absl::StrCat("table ", i));
    data.tables.push_back(std::move(table));
  }
  return data;
}

}  // namespace mimic::replay
