#include "replay/replay_core.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "replay/checkpoint_io.h"

namespace mimic::replay {

ReplayCore::ReplayCore(ReplayConfig config) : config_(std::move(config)) {
  auto or_default = [](int value, int fallback) { return value > 0 ? value : fallback; };
  wire_limits_.max_tensors_per_item = or_default(config_.max_tensors_per_item(), 256);
  wire_limits_.max_items_per_message = or_default(config_.max_items_per_message(), 4096);
  wire_limits_.max_tables_per_item = std::max<int>(1, config_.tables_size());
  max_batch_size_ = or_default(config_.max_batch_size(), 4096);
  max_writers_ = or_default(config_.max_writers(), 10000);
}

absl::StatusOr<std::unique_ptr<ReplayCore>> ReplayCore::Create(const ReplayConfig& config) {
  if (config.tables().empty()) return absl::InvalidArgumentError("the replay config names no tables");
  for (int limit : {config.max_tensors_per_item(), config.max_items_per_message(), config.max_batch_size(),
                    config.max_writers()}) {
    if (limit < 0) return absl::InvalidArgumentError("replay limits (max_tensors_per_item, ...) must be >= 0");
  }
  std::unique_ptr<ReplayCore> core(new ReplayCore(config));
  uint64_t seed = 1;
  for (const TableConfig& tc : config.tables()) {
    if (core->tables_.count(tc.name())) {
      return absl::InvalidArgumentError(absl::StrCat("table '", tc.name(), "' is configured twice"));
    }
    MIMIC_ASSIGN_OR_RETURN(auto table, Table::Create(tc, seed++));
    core->tables_[tc.name()] = std::move(table);
  }
  if (!config.checkpoint_dir().empty()) {
    const int removed = RemoveTemporaries(config.checkpoint_dir());
    if (removed > 0) std::fprintf(stderr, "replay: removed %d unfinished checkpoint files\n", removed);
    // the newest checkpoint that reads back whole; corrupt ones are set aside, not retried
    for (const std::string& path : ListCheckpoints(config.checkpoint_dir())) {
      absl::StatusOr<CheckpointData> data = ReadCheckpoint(path);
      if (absl::IsDataLoss(data.status())) {
        std::fprintf(stderr, "replay: %s; trying an older checkpoint\n", std::string(data.status().message()).c_str());
        std::rename(path.c_str(), (path + ".corrupt").c_str());
        continue;
      }
      if (!data.ok()) return data.status();
      MIMIC_RETURN_IF_ERROR(core->Restore(path, *std::move(data)));
      break;
    }
  }
  return core;
}

absl::StatusOr<Table*> ReplayCore::FindTable(const std::string& name) const {
  auto it = tables_.find(name);
  if (it == tables_.end()) {
    std::vector<std::string> names;
    for (const auto& [n, t] : tables_) names.push_back(n);
    return absl::NotFoundError(absl::StrCat("no table named '", name, "' (tables: ", absl::StrJoin(names, ", "), ")"));
  }
  return it->second.get();
}

absl::StatusOr<InsertResult> ReplayCore::Insert(const InsertCall& request, absl::Time deadline,
                                                const Cancelled& cancelled) {
  if (request.tables.empty()) return absl::InvalidArgumentError("an insert must name at least one table");
  // validate everything before waiting for anything
  std::vector<std::pair<Table*, double>> targets;
  for (const TablePriority& tp : request.tables) {
    MIMIC_ASSIGN_OR_RETURN(Table * table, FindTable(tp.table()));
    if (!std::isfinite(tp.priority()) || tp.priority() < 0) {
      return absl::InvalidArgumentError(absl::StrCat("priority for table '", tp.table(), "' must be finite and >= 0"));
    }
    for (const auto& [t, p] : targets) {
      if (t == table) return absl::InvalidArgumentError(absl::StrCat("table '", tp.table(), "' named twice"));
    }
    MIMIC_RETURN_IF_ERROR(table->CheckSignature(*request.item));
    targets.emplace_back(table, tp.priority());
  }
  if (!request.writer_id.empty()) {
    absl::MutexLock lock(&key_mu_);
    auto it = writer_states_.find(request.writer_id);
    if (it != writer_states_.end() && request.sequence <= it->second.sequence) return InsertResult{0, true};
  }
  // reserve room in every table, in order; undo on failure
  for (size_t i = 0; i < targets.size(); ++i) {
    absl::Status reserved = targets[i].first->ReserveInsert(deadline, cancelled);
    if (!reserved.ok()) {
      for (size_t j = 0; j < i; ++j) targets[j].first->CancelReservation();
      return reserved;
    }
  }
  const int64_t bytes = request.item->size();
  absl::ReaderMutexLock commit(&commit_mu_);
  uint64_t key;
  {
    absl::MutexLock lock(&key_mu_);
    key = next_key_++;
    if (!request.writer_id.empty()) RememberWriter(request.writer_id, request.sequence);
  }
  for (const auto& [table, priority] : targets) table->CommitInsert(key, request.item, priority, bytes);
  return InsertResult{key, false};
}

void ReplayCore::RememberWriter(const std::string& writer, int64_t sequence) {
  WriterState& state = writer_states_[writer];
  state.sequence = sequence;
  state.last_active = ++writer_clock_;
  if (static_cast<int>(writer_states_.size()) <= max_writers_) return;
  // forget the least recently active eighth at once, so the cost stays constant per insert
  std::vector<uint64_t> ticks;
  ticks.reserve(writer_states_.size());
  for (const auto& [id, s] : writer_states_) ticks.push_back(s.last_active);
  const size_t drop = std::max<size_t>(1, writer_states_.size() / 8);
  std::nth_element(ticks.begin(), ticks.begin() + (drop - 1), ticks.end());
  const uint64_t cutoff = ticks[drop - 1];
  absl::erase_if(writer_states_, [cutoff](const auto& entry) { return entry.second.last_active <= cutoff; });
}

absl::StatusOr<std::vector<Sample>> ReplayCore::SampleBatch(const std::string& name, int batch_size,
                                                            absl::Time deadline, const Cancelled& cancelled,
                                                            int64_t max_bytes) {
  if (batch_size > max_batch_size_) {
    return absl::ResourceExhaustedError(absl::StrCat("a batch of ", batch_size, " items is over this server's limit of ",
                                                     max_batch_size_, " (max_batch_size)"));
  }
  MIMIC_ASSIGN_OR_RETURN(Table * table, FindTable(name));
  return table->SampleBatch(batch_size, max_bytes, deadline, cancelled);
}

absl::StatusOr<UpdatePrioritiesResponse> ReplayCore::UpdatePriorities(const UpdatePrioritiesRequest& request) {
  MIMIC_ASSIGN_OR_RETURN(Table * table, FindTable(request.table()));
  std::vector<std::pair<uint64_t, double>> updates;
  for (const KeyPriority& kp : request.updates()) updates.emplace_back(kp.key(), kp.priority());
  MIMIC_ASSIGN_OR_RETURN(auto counts, table->UpdatePriorities(updates));
  UpdatePrioritiesResponse response;
  response.set_updated(counts.first);
  response.set_missing(counts.second);
  return response;
}

void ReplayCore::WriterStreamOpened(const std::string& writer_id) {
  absl::MutexLock lock(&writers_mu_);
  ++open_streams_[writer_id];
  for (const auto& [name, table] : tables_) table->SetWriters(static_cast<int>(open_streams_.size()));
}

void ReplayCore::WriterStreamClosed(const std::string& writer_id) {
  absl::MutexLock lock(&writers_mu_);
  auto it = open_streams_.find(writer_id);
  if (it == open_streams_.end()) return;
  if (--it->second == 0) open_streams_.erase(it);
  for (const auto& [name, table] : tables_) table->SetWriters(static_cast<int>(open_streams_.size()));
}

int ReplayCore::writers() const {
  absl::MutexLock lock(&writers_mu_);
  return static_cast<int>(open_streams_.size());
}

InfoResponse ReplayCore::Info() const {
  InfoResponse info;
  for (const auto& [name, table] : tables_) *info.add_tables() = table->Info();
  info.set_writers(writers());
  {
    absl::MutexLock lock(&key_mu_);
    info.set_remembered_writers(static_cast<int64_t>(writer_states_.size()));
  }
  absl::MutexLock lock(&stats_mu_);
  info.set_checkpoints(checkpoints_);
  info.set_last_checkpoint(last_checkpoint_);
  return info;
}

absl::StatusOr<CheckpointResponse> ReplayCore::Checkpoint() {
  if (config_.checkpoint_dir().empty()) {
    return absl::FailedPreconditionError("no checkpoint_dir is configured");
  }
  absl::MutexLock one_at_a_time(&checkpoint_mu_);
  CheckpointData data;
  {
    // a consistent cut: no insert commits while the tables are copied (copies share the items)
    absl::WriterMutexLock commit(&commit_mu_);
    absl::MutexLock keys(&key_mu_);
    data.header.set_version(1);
    data.header.set_next_key(next_key_);
    for (const auto& [writer, state] : writer_states_) (*data.header.mutable_writer_sequences())[writer] = state.sequence;
    absl::flat_hash_map<uint64_t, std::shared_ptr<const StoredItem>> unique;
    for (const auto& [name, table] : tables_) {
      std::vector<TableItem> items;
      data.tables.push_back(table->Snapshot(&items));
      for (TableItem& it : items) unique.emplace(it.key, std::move(it.item));
    }
    data.items.assign(unique.begin(), unique.end());
  }
  // payloads are serialised outside the commit lock: inserts carry on meanwhile
  data.header.set_num_items(static_cast<int64_t>(data.items.size()));
  data.header.set_num_tables(static_cast<int64_t>(data.tables.size()));
  const int keep = config_.keep_checkpoints() > 0 ? config_.keep_checkpoints() : 2;
  MIMIC_ASSIGN_OR_RETURN(std::string path, WriteCheckpoint(config_.checkpoint_dir(), data, keep));
  {
    absl::MutexLock stats(&stats_mu_);
    ++checkpoints_;
    last_checkpoint_ = path;
  }
  CheckpointResponse response;
  response.set_path(path);
  response.set_items(data.header.num_items());
  return response;
}

absl::Status ReplayCore::Restore(const std::string& path, CheckpointData data) {
  absl::flat_hash_map<uint64_t, std::shared_ptr<const StoredItem>> items(data.items.begin(), data.items.end());
  for (const CheckpointTable& state : data.tables) {
    auto table = FindTable(state.name());
    if (!table.ok()) {
      return absl::FailedPreconditionError(absl::StrCat("checkpoint ", path, " holds table '", state.name(),
                                                        "', which the config no longer has"));
    }
    MIMIC_RETURN_IF_ERROR((*table)->Restore(state, items));
  }
  absl::MutexLock lock(&key_mu_);
  next_key_ = data.header.next_key();
  for (const auto& [writer, seq] : data.header.writer_sequences()) RememberWriter(writer, seq);
  restored_ = true;
  restored_from_ = path;
  return absl::OkStatus();
}

void ReplayCore::Close() {
  for (auto& [name, table] : tables_) table->Close();
}

}  // namespace mimic::replay
