#include "common/job_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace mimic {
namespace {

absl::Status SqlError(sqlite3* db, const char* what) {
  return absl::InternalError(absl::StrCat("job store: ", what, ": ", sqlite3_errmsg(db)));
}

// Takes `<path>.lock` exclusively for this process's lifetime and writes our pid into it.
absl::StatusOr<int> LockDatabase(const std::string& path) {
  const std::string lock_path = path + ".lock";
  const int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot open ", lock_path, ": ", std::strerror(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {0};
    (void)!pread(fd, pid, sizeof(pid) - 1, 0);
    close(fd);
    return absl::FailedPreconditionError(absl::StrCat("job database ", path, " is in use by another server (pid ",
                                                      absl::StripAsciiWhitespace(pid), "); one server per database"));
  }
  const std::string mine = absl::StrCat(getpid(), "\n");
  if (ftruncate(fd, 0) != 0 || pwrite(fd, mine.data(), mine.size(), 0) < 0) {
    // the lock holds either way; the pid is only for the message above
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<JobStore>> JobStore::Open(const std::string& path) {
  absl::StatusOr<int> lock = LockDatabase(path);
  if (!lock.ok()) return lock.status();
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    absl::Status s = absl::UnavailableError(absl::StrCat("cannot open job store ", path, ": ", db ? sqlite3_errmsg(db) : "?"));
    sqlite3_close(db);
    close(*lock);
    return s;
  }
  sqlite3_busy_timeout(db, 5000);
  const char* schema =
      "PRAGMA journal_mode=WAL;"
      "CREATE TABLE IF NOT EXISTS jobs (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, "
      "spec BLOB NOT NULL, operation BLOB NOT NULL);";
  char* error = nullptr;
  if (sqlite3_exec(db, schema, nullptr, nullptr, &error) != SQLITE_OK) {
    absl::Status s = absl::DataLossError(absl::StrCat("job store ", path, " is not usable: ", error ? error : "?"));
    sqlite3_free(error);
    sqlite3_close(db);
    close(*lock);
    return s;
  }
  return std::unique_ptr<JobStore>(new JobStore(db, *lock));
}

JobStore::~JobStore() {
  absl::MutexLock lock(&mu_);
  sqlite3_close(db_);
  close(lock_fd_);  // releases the flock
}

absl::Status JobStore::Put(const Operation& op, const std::string& spec) {
  absl::MutexLock lock(&mu_);
  sqlite3_stmt* stmt = nullptr;
  // a plain INSERT: a record is never replaced by a new job with the same id
  if (sqlite3_prepare_v2(db_, "INSERT INTO jobs (id, spec, operation) VALUES (?, ?, ?)", -1, &stmt, nullptr) !=
      SQLITE_OK) {
    return SqlError(db_, "prepare insert");
  }
  const std::string blob = op.SerializeAsString();
  sqlite3_bind_text(stmt, 1, op.id().c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_blob(stmt, 2, spec.data(), static_cast<int>(spec.size()), SQLITE_TRANSIENT);
  sqlite3_bind_blob(stmt, 3, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc == SQLITE_CONSTRAINT) return absl::AlreadyExistsError(absl::StrCat("job store: id ", op.id(), " is taken"));
  return rc == SQLITE_DONE ? absl::OkStatus() : SqlError(db_, "insert");
}

absl::Status JobStore::Update(const Operation& op) {
  absl::MutexLock lock(&mu_);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, "UPDATE jobs SET operation = ? WHERE id = ?", -1, &stmt, nullptr) != SQLITE_OK) {
    return SqlError(db_, "prepare update");
  }
  const std::string blob = op.SerializeAsString();
  sqlite3_bind_blob(stmt, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 2, op.id().c_str(), -1, SQLITE_TRANSIENT);
  const int rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  return rc == SQLITE_DONE ? absl::OkStatus() : SqlError(db_, "update");
}

absl::StatusOr<StoredJobs> JobStore::LoadAll() {
  absl::MutexLock lock(&mu_);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT seq, id, spec, operation FROM jobs ORDER BY seq", -1, &stmt, nullptr) !=
      SQLITE_OK) {
    return SqlError(db_, "prepare select");
  }
  StoredJobs out;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const int64_t seq = sqlite3_column_int64(stmt, 0);
    const unsigned char* id_text = sqlite3_column_text(stmt, 1);
    const std::string id = id_text ? reinterpret_cast<const char*>(id_text) : "";
    out.ids.push_back(id);
    StoredJob job;
    const void* spec = sqlite3_column_blob(stmt, 2);
    const int spec_bytes = sqlite3_column_bytes(stmt, 2);
    if (spec != nullptr && spec_bytes > 0) job.spec.assign(static_cast<const char*>(spec), spec_bytes);
    const void* blob = sqlite3_column_blob(stmt, 3);
    const int blob_bytes = sqlite3_column_bytes(stmt, 3);
    // one corrupt row costs that job, not the whole restore
    if ((blob == nullptr && blob_bytes > 0) || !job.operation.ParseFromArray(blob, blob_bytes) ||
        job.operation.id() != id || id.empty()) {
      out.skipped.push_back(absl::StrCat("row ", seq, " (id '", id, "'): its operation record is corrupt; skipped"));
      continue;
    }
    out.jobs.push_back(std::move(job));
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return SqlError(db_, "select");
  return out;
}

}  // namespace mimic
