#include "common/job_store.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"

namespace mimic {
namespace {

absl::Status SqlError(sqlite3* db, const char* what) {
  return absl::InternalError(absl::StrCat("job store: ", what, ": ", sqlite3_errmsg(db)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<JobStore>> JobStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    absl::Status s = absl::UnavailableError(absl::StrCat("cannot open job store ", path, ": ", db ? sqlite3_errmsg(db) : "?"));
    sqlite3_close(db);
    return s;
  }
  const char* schema =
      "PRAGMA journal_mode=WAL;"
      "CREATE TABLE IF NOT EXISTS jobs (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, "
      "spec BLOB NOT NULL, operation BLOB NOT NULL);";
  char* error = nullptr;
  if (sqlite3_exec(db, schema, nullptr, nullptr, &error) != SQLITE_OK) {
    absl::Status s = absl::DataLossError(absl::StrCat("job store ", path, " is not usable: ", error ? error : "?"));
    sqlite3_free(error);
    sqlite3_close(db);
    return s;
  }
  return std::unique_ptr<JobStore>(new JobStore(db));
}

JobStore::~JobStore() {
  absl::MutexLock lock(&mu_);
  sqlite3_close(db_);
}

absl::Status JobStore::Put(const Operation& op, const std::string& spec) {
  absl::MutexLock lock(&mu_);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO jobs (id, spec, operation) VALUES (?, ?, ?)", -1, &stmt, nullptr) !=
      SQLITE_OK) {
    return SqlError(db_, "prepare insert");
  }
  const std::string blob = op.SerializeAsString();
  sqlite3_bind_text(stmt, 1, op.id().c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_blob(stmt, 2, spec.data(), static_cast<int>(spec.size()), SQLITE_TRANSIENT);
  sqlite3_bind_blob(stmt, 3, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
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

absl::StatusOr<std::vector<StoredJob>> JobStore::LoadAll() {
  absl::MutexLock lock(&mu_);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT spec, operation FROM jobs ORDER BY seq", -1, &stmt, nullptr) != SQLITE_OK) {
    return SqlError(db_, "prepare select");
  }
  std::vector<StoredJob> jobs;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    StoredJob job;
    job.spec.assign(static_cast<const char*>(sqlite3_column_blob(stmt, 0)), sqlite3_column_bytes(stmt, 0));
    if (!job.operation.ParseFromArray(sqlite3_column_blob(stmt, 1), sqlite3_column_bytes(stmt, 1))) {
      sqlite3_finalize(stmt);
      return absl::DataLossError("job store: a stored operation is corrupt");
    }
    jobs.push_back(std::move(job));
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return SqlError(db_, "select");
  return jobs;
}

}  // namespace mimic
