#include "replay/checkpoint_io.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/atomic_file.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "replay/cord_wire.h"

namespace mimic::replay {
namespace {

namespace fs = std::filesystem;
constexpr char kPrefix[] = "replay-";
constexpr char kSuffix[] = ".ckpt";
constexpr int kVersion = 2;

bool IsCheckpointName(const std::string& name) {
  return absl::StartsWith(name, kPrefix) && absl::EndsWith(name, kSuffix) && name.size() > sizeof(kSuffix);
}

uint32_t Crc(uint32_t crc, absl::string_view bytes) {
  return static_cast<uint32_t>(crc32_z(crc, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

// Writes everything or fails (EINTR and short writes retried).
bool WriteAll(int fd, absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// One framed record: length, payload, CRC-32 of both.
bool WriteRecord(int fd, const absl::Cord& payload) {
  std::string length;
  AppendVarint(payload.size(), &length);
  uint32_t crc = Crc(0, length);
  if (!WriteAll(fd, length)) return false;
  for (absl::string_view chunk : payload.Chunks()) {
    crc = Crc(crc, chunk);
    if (!WriteAll(fd, chunk)) return false;
  }
  char tail[4];
  std::memcpy(tail, &crc, 4);  // little-endian on every platform we build for
  return WriteAll(fd, absl::string_view(tail, 4));
}

}  // namespace

std::vector<std::string> ListCheckpoints(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (IsCheckpointName(entry.path().filename().string())) out.push_back(entry.path().string());
  }
  std::sort(out.rbegin(), out.rend());  // names hold zero-padded times: newest first
  return out;
}

absl::StatusOr<std::string> LatestCheckpoint(const std::string& dir) {
  const auto all = ListCheckpoints(dir);
  if (all.empty()) return absl::NotFoundError(absl::StrCat("no checkpoint in ", dir));
  return all.front();
}

int RemoveTemporaries(const std::string& dir) {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, kPrefix) && IsTemporaryName(name) && fs::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

absl::StatusOr<std::string> WriteCheckpoint(const std::string& dir, const CheckpointData& data, int keep) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat("cannot create checkpoint dir ", dir, ": ", ec.message()));
  RemoveTemporaries(dir);
  // never reuse a name, even for two checkpoints within one microsecond
  int64_t stamp = absl::ToUnixMicros(absl::Now());
  const auto existing = ListCheckpoints(dir);
  if (!existing.empty()) {
    int64_t last_stamp = 0;
    if (std::sscanf(fs::path(existing.front()).filename().c_str(), "replay-%ld.ckpt", &last_stamp) == 1) {
      stamp = std::max(stamp, last_stamp + 1);
    }
  }
  const std::string path = (fs::path(dir) / absl::StrFormat("%s%020d%s", kPrefix, stamp, kSuffix)).string();
  const std::string temp = TemporaryNameFor(path);
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return absl::PermissionDeniedError(absl::StrCat("cannot write ", temp, ": ", std::strerror(errno)));
  CheckpointHeader header = data.header;
  header.set_version(kVersion);
  bool ok = WriteRecord(fd, absl::Cord(header.SerializeAsString()));
  // items go out as the bytes they arrived in, framed as CheckpointItems
  for (const auto& [key, item] : data.items) {
    if (!ok) break;
    absl::Cord record = DelimitedCheckpointItem(key, *item);
    // DelimitedCheckpointItem leads with its own length: WriteRecord frames the rest
    CordWireReader reader(record, "checkpoint item");
    auto length = reader.ReadVarint();
    ok = length.ok() && WriteRecord(fd, record.Subcord(record.size() - *length, *length));
  }
  for (const auto& table : data.tables) ok = ok && WriteRecord(fd, absl::Cord(table.SerializeAsString()));
  // durable before it is published, and published before anything older is deleted
  ok = ok && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok) {
    unlink(temp.c_str());
    return absl::DataLossError(absl::StrCat("failed writing checkpoint ", temp, " (disk full?)"));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    unlink(temp.c_str());
    return absl::DataLossError(absl::StrCat("cannot publish checkpoint ", path, ": ", std::strerror(errno)));
  }
  absl::Status synced = SyncFolder(dir);
  if (!synced.ok()) return synced;
  auto all = ListCheckpoints(dir);
  for (size_t i = std::max(1, keep); i < all.size(); ++i) fs::remove(all[i], ec);
  return path;
}

namespace {

// Reads records from one file: [varint length][bytes] and, from version 2 on, a CRC-32.
class RecordReader {
 public:
  explicit RecordReader(std::istream* in) : stream_(in) {}

  absl::StatusOr<std::string> Next(bool checked) {
    std::string record;
    uint32_t length = 0;
    {
      // one coded stream per record, so the file may exceed protobuf's 2 GiB stream limit
      google::protobuf::io::CodedInputStream coded(&stream_);
      if (!coded.ReadVarint32(&length) || length > INT32_MAX || !coded.ReadString(&record, static_cast<int>(length))) {
        return absl::DataLossError("truncated");
      }
    }
    if (checked) {
      absl::Status verified = Check(record);
      if (!verified.ok()) return verified;
    }
    return record;
  }

  // Reads the CRC-32 that follows `record` and compares it with the record's.
  absl::Status Check(const std::string& record) {
    google::protobuf::io::CodedInputStream coded(&stream_);
    uint32_t stored = 0;
    if (!coded.ReadLittleEndian32(&stored)) return absl::DataLossError("truncated checksum");
    std::string prefix;
    AppendVarint(record.size(), &prefix);
    if (Crc(Crc(0, prefix), record) != stored) return absl::DataLossError("checksum mismatch");
    return absl::OkStatus();
  }

 private:
  google::protobuf::io::IstreamInputStream stream_;
};

}  // namespace

absl::StatusOr<CheckpointData> ReadCheckpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open checkpoint ", path));
  RecordReader records(&in);
  CheckpointData data;
  auto corrupt = [&path](const std::string& what, const absl::Status& why) {
    return absl::DataLossError(absl::StrCat("checkpoint ", path, " is truncated or corrupt (", what, ": ",
                                            why.message(), ")"));
  };
  // the header's own version says whether a checksum follows it (version 1 had none)
  absl::StatusOr<std::string> header = records.Next(/*checked=*/false);
  if (!header.ok()) return corrupt("header", header.status());
  if (!data.header.ParseFromString(*header)) return corrupt("header", absl::DataLossError("does not parse"));
  const int version = data.header.version();
  if ((version != 1 && version != kVersion) || data.header.num_items() < 0 || data.header.num_tables() < 0) {
    return corrupt("header", absl::DataLossError("unknown version or counts"));
  }
  const bool checked = version >= 2;
  if (checked) {
    absl::Status verified = records.Check(*header);
    if (!verified.ok()) return corrupt("header", verified);
  }
  // the header's counts come from the file: nothing is reserved from them
  for (int64_t i = 0; i < data.header.num_items(); ++i) {
    absl::StatusOr<std::string> record = records.Next(checked);
    if (!record.ok()) return corrupt(absl::StrCat("item ", i), record.status());
    auto item = ParseCheckpointItem(absl::Cord(*std::move(record)));
    if (!item.ok()) return corrupt(absl::StrCat("item ", i), item.status());
    data.items.push_back(*std::move(item));
  }
  for (int64_t i = 0; i < data.header.num_tables(); ++i) {
    absl::StatusOr<std::string> record = records.Next(checked);
    if (!record.ok()) return corrupt(absl::StrCat("table ", i), record.status());
    CheckpointTable table;
    if (!table.ParseFromString(*record)) return corrupt(absl::StrCat("table ", i), absl::DataLossError("does not parse"));
    data.tables.push_back(std::move(table));
  }
  return data;
}

}  // namespace mimic::replay
