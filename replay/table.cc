#include "replay/table.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/tensor_util.h"

namespace mimic::replay {
namespace {

// Waits are sliced so cancellation is noticed promptly without a callback from gRPC.
constexpr absl::Duration kCancelPoll = absl::Milliseconds(20);

}  // namespace

Table::Table(TableConfig config, RateLimiter limiter, std::unique_ptr<KeySelector> sampler,
             std::unique_ptr<KeySelector> remover, uint64_t seed)
    : config_(std::move(config)),
      limiter_(limiter),
      sampler_(std::move(sampler)),
      remover_(std::move(remover)),
      rng_(seed),
      capacity_(config_.max_size()) {}

absl::StatusOr<std::unique_ptr<Table>> Table::Create(const TableConfig& given, uint64_t seed) {
  TableConfig config = given;
  if (config.name().empty()) return absl::InvalidArgumentError("a table needs a name");
  if (config.max_size() < 1) {
    return absl::InvalidArgumentError(absl::StrCat("table '", config.name(), "': max_size must be >= 1"));
  }
  if (config.max_size_per_writer() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("table '", config.name(), "': max_size_per_writer must be >= 0"));
  }
  if (config.max_times_sampled() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("table '", config.name(), "': max_times_sampled must be >= 0"));
  }
  if (config.has_queue()) {
    // a queue hands out each item once, oldest first
    if ((config.sampler() != SELECTOR_UNSPECIFIED && config.sampler() != FIFO) ||
        (config.max_times_sampled() != 0 && config.max_times_sampled() != 1)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "table '", config.name(), "': a queue samples FIFO exactly once; leave sampler and max_times_sampled unset"));
    }
    config.set_sampler(FIFO);
    config.set_remover(FIFO);
    config.set_max_times_sampled(1);
  }
  for (const TensorSpec& spec : config.signature()) {
    if (DTypeSize(spec.dtype()) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("table '", config.name(), "': signature '", spec.name(), "' has no dtype"));
    }
  }
  MIMIC_ASSIGN_OR_RETURN(RateLimiter limiter, RateLimiter::FromConfig(config));
  MIMIC_ASSIGN_OR_RETURN(auto sampler, MakeSelector(config.sampler(), config.priority_exponent(), UNIFORM));
  MIMIC_ASSIGN_OR_RETURN(auto remover, MakeSelector(config.remover(), config.priority_exponent(), FIFO));
  return std::unique_ptr<Table>(new Table(std::move(config), limiter, std::move(sampler), std::move(remover), seed));
}

absl::Status Table::CheckSignature(const StoredItem& item) const {
  // each tensor's byte length was checked against its dtype and shape when the item was read
  if (config_.signature().empty()) return absl::OkStatus();
  if (static_cast<int>(item.tensors().size()) != config_.signature_size()) {
    std::vector<std::string> names;
    for (const TensorHeader& t : item.tensors()) names.push_back(t.name);
    std::sort(names.begin(), names.end());
    return absl::InvalidArgumentError(absl::StrCat("table '", name(), "' expects ", config_.signature_size(),
                                                   " tensors, the item has ", item.tensors().size(), " (",
                                                   absl::StrJoin(names, ", "), ")"));
  }
  for (const TensorSpec& spec : config_.signature()) {
    const TensorHeader* t = item.FindTensor(spec.name());
    if (t == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("table '", name(), "': item lacks tensor '", spec.name(), "'"));
    }
    bool shape_ok = static_cast<int>(t->shape.size()) == spec.shape_size();
    for (int i = 0; shape_ok && i < spec.shape_size(); ++i) {
      shape_ok = spec.shape(i) < 0 || spec.shape(i) == t->shape[i];
    }
    if (t->dtype != spec.dtype() || !shape_ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "table '", name(), "': tensor '", spec.name(), "' is ", DTypeName(t->dtype), "[",
          absl::StrJoin(t->shape, ","), "], the signature wants ", DTypeName(spec.dtype()), "[",
          absl::StrJoin(spec.shape(), ","), "]"));
    }
  }
  return absl::OkStatus();
}

bool Table::InsertAllowed() const {
  return closed_ || limiter_.CanInsert(static_cast<int64_t>(items_.size()));
}

absl::Status Table::Wait(const absl::Condition& ready, absl::Time deadline, const Cancelled& cancelled,
                         double* blocked_seconds) {
  const absl::Time start = absl::Now();
  absl::Status status;
  while (true) {
    if (mu_.AwaitWithDeadline(ready, std::min(deadline, absl::Now() + kCancelPoll))) break;
    if (absl::Now() >= deadline) {
      status = absl::DeadlineExceededError(absl::StrCat("table '", name(), "': rate limiter did not admit the call (",
                                                        limiter_.Describe(), ", size ", items_.size(), ")"));
      break;
    }
    if (cancelled && cancelled()) {
      status = absl::CancelledError(absl::StrCat("table '", name(), "': the call was cancelled"));
      break;
    }
  }
  *blocked_seconds += absl::ToDoubleSeconds(absl::Now() - start);
  if (status.ok() && closed_) status = absl::UnavailableError(absl::StrCat("table '", name(), "' is closed"));
  return status;
}

absl::Status Table::ReserveInsert(absl::Time deadline, const Cancelled& cancelled) {
  absl::MutexLock lock(&mu_);
  MIMIC_RETURN_IF_ERROR(Wait(absl::Condition(this, &Table::InsertAllowed), deadline, cancelled, &insert_blocked_s_));
  limiter_.Reserve();
  return absl::OkStatus();
}

void Table::CancelReservation() {
  absl::MutexLock lock(&mu_);
  limiter_.CancelReservation();
}

void Table::Add(TableItem item) {
  sampler_->Insert(item.key, item.priority);
  remover_->Insert(item.key, item.priority);
  bytes_ += item.bytes;
  ++item_sizes_[item.bytes];
  order_.push_back(item.key);
  const uint64_t key = item.key;
  items_.emplace(key, std::move(item));
}

void Table::CommitInsert(uint64_t key, std::shared_ptr<const StoredItem> item, double priority, int64_t bytes) {
  absl::MutexLock lock(&mu_);
  while (static_cast<int64_t>(items_.size()) >= capacity_) {
    Remove(remover_->Select(rng_).key);
  }
  Add({key, std::move(item), priority, 0, bytes});
  limiter_.CommitInsert();
}

void Table::Remove(uint64_t key) {
  auto it = items_.find(key);
  sampler_->Delete(key);
  remover_->Delete(key);
  bytes_ -= it->second.bytes;
  auto size = item_sizes_.find(it->second.bytes);
  if (--size->second == 0) item_sizes_.erase(size);
  items_.erase(it);
  ++deletes_;
  // drop deleted keys from the insertion order once they dominate it
  if (order_.size() > 64 && order_.size() > 2 * items_.size()) {
    order_.erase(std::remove_if(order_.begin(), order_.end(), [this](uint64_t k) { return !items_.contains(k); }),
                 order_.end());
  }
}

absl::StatusOr<std::vector<Sample>> Table::SampleBatch(int count, absl::Time deadline, const Cancelled& cancelled) {
  return SampleBatch(count, std::numeric_limits<int64_t>::max(), deadline, cancelled);
}

absl::StatusOr<std::vector<Sample>> Table::SampleBatch(int count, int64_t max_bytes, absl::Time deadline,
                                                       const Cancelled& cancelled) {
  if (count < 1) return absl::InvalidArgumentError(absl::StrCat("batch size must be >= 1, got ", count));
  const bool takes_items = config_.max_times_sampled() > 0;
  // a table that grows with its writers may yet hold the batch
  if (takes_items && count > config_.max_size() && config_.max_size_per_writer() == 0) {
    return absl::InvalidArgumentError(absl::StrCat("table '", name(), "' holds at most ", config_.max_size(),
                                                   " items; a batch of ", count, " could never be filled"));
  }
  absl::MutexLock lock(&mu_);
  auto ready = [this, count, takes_items]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const int64_t size = static_cast<int64_t>(items_.size());
    return closed_ || (limiter_.CanSample(size, count) && (!takes_items || size >= count));
  };
  MIMIC_RETURN_IF_ERROR(Wait(absl::Condition(&ready), deadline, cancelled, &sample_blocked_s_));
  // what the response could take, known before anything is drawn (a SampledItem's own fields and
  // framing stay below 64 bytes)
  const int64_t largest = item_sizes_.empty() ? 0 : item_sizes_.rbegin()->first;
  const double worst = static_cast<double>(count) * static_cast<double>(largest + 64);
  if (worst > static_cast<double>(max_bytes)) {
    return absl::ResourceExhaustedError(absl::StrCat("a batch of ", count, " items of up to ", largest,
                                                     " bytes could take ", static_cast<int64_t>(worst),
                                                     " bytes, over the message limit of ", max_bytes,
                                                     " bytes; ask for smaller batches or raise max_message_bytes"));
  }
  std::vector<Sample> batch;
  batch.reserve(count);
  for (int i = 0; i < count; ++i) {
    const SelectedKey selected = sampler_->Select(rng_);
    TableItem& entry = items_[selected.key];
    ++entry.times_sampled;
    batch.push_back({entry, selected.probability, static_cast<int64_t>(items_.size())});
    limiter_.OnSample();
    if (takes_items && entry.times_sampled >= config_.max_times_sampled()) Remove(selected.key);
  }
  return batch;
}

absl::StatusOr<Sample> Table::SampleOne(absl::Time deadline, const Cancelled& cancelled) {
  MIMIC_ASSIGN_OR_RETURN(std::vector<Sample> batch, SampleBatch(1, deadline, cancelled));
  return std::move(batch.front());
}

absl::StatusOr<std::pair<int, int>> Table::UpdatePriorities(
    const std::vector<std::pair<uint64_t, double>>& updates) {
  for (const auto& [key, priority] : updates) {
    if (!std::isfinite(priority) || priority < 0) {
      return absl::InvalidArgumentError(absl::StrCat("priority for key ", key, " must be finite and >= 0, got ", priority));
    }
  }
  absl::MutexLock lock(&mu_);
  int updated = 0, missing = 0;
  for (const auto& [key, priority] : updates) {
    auto it = items_.find(key);
    if (it == items_.end()) {
      ++missing;
      continue;
    }
    it->second.priority = priority;
    sampler_->Update(key, priority);
    remover_->Update(key, priority);
    ++updated;
  }
  return std::make_pair(updated, missing);
}

TableInfo Table::Info() const {
  absl::MutexLock lock(&mu_);
  TableInfo info;
  info.set_name(name());
  info.set_size(static_cast<int64_t>(items_.size()));
  info.set_max_size(capacity_);
  info.set_inserts(limiter_.inserts());
  info.set_samples(limiter_.samples());
  info.set_deletes(deletes_);
  info.set_bytes(bytes_);
  info.set_can_sample(limiter_.CanSample(static_cast<int64_t>(items_.size())));
  info.set_can_insert(limiter_.CanInsert(static_cast<int64_t>(items_.size())));
  info.set_insert_blocked_seconds(insert_blocked_s_);
  info.set_sample_blocked_seconds(sample_blocked_s_);
  return info;
}

void Table::SetWriters(int writers) {
  if (config_.max_size_per_writer() <= 0) return;
  absl::MutexLock lock(&mu_);
  capacity_ = std::max<int64_t>(config_.max_size(), config_.max_size_per_writer() * std::max(0, writers));
  limiter_.set_max_size(capacity_);
  // waiters re-check their conditions when the lock is released
}

int64_t Table::capacity() const {
  absl::MutexLock lock(&mu_);
  return capacity_;
}

void Table::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

CheckpointTable Table::Snapshot(std::vector<TableItem>* items) const {
  absl::MutexLock lock(&mu_);
  CheckpointTable state;
  state.set_name(name());
  state.set_inserts(limiter_.inserts());
  state.set_samples(limiter_.samples());
  state.set_deletes(deletes_);
  for (uint64_t key : order_) {
    auto it = items_.find(key);
    if (it == items_.end()) continue;
    CheckpointEntry* e = state.add_entries();
    e->set_key(key);
    e->set_priority(it->second.priority);
    e->set_times_sampled(it->second.times_sampled);
    items->push_back(it->second);
  }
  return state;
}

absl::Status Table::Restore(const CheckpointTable& state,
                            const absl::flat_hash_map<uint64_t, std::shared_ptr<const StoredItem>>& items) {
  absl::MutexLock lock(&mu_);
  if (!items_.empty()) return absl::FailedPreconditionError(absl::StrCat("table '", name(), "' is not empty"));
  for (const CheckpointEntry& e : state.entries()) {
    auto it = items.find(e.key());
    if (it == items.end()) {
      return absl::DataLossError(absl::StrCat("checkpoint of table '", name(), "' names missing item ", e.key()));
    }
    Add({e.key(), it->second, e.priority(), e.times_sampled(), static_cast<int64_t>(it->second->size())});
  }
  limiter_.Restore(state.inserts(), state.samples());
  deletes_ = state.deletes();
  return absl::OkStatus();
}

}  // namespace mimic::replay
