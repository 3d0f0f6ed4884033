// A small, Status-returning wrapper over the HDF5 C API for the project's array files
// (reference clips, rollouts, analysis results).
//
// Files are written atomically: Create() writes to a temporary file beside the target and Finish()
// renames it into place, so readers never see a half-written file.
//
// Reading is bounded: a dataset's declared size is checked against the read limits
// (common/read_limits.h: a per-array ceiling and the calling job's budget) and against the bytes
// the file really stores for it before anything is allocated; files with external links,
// external storage or virtual datasets (data in other files) are refused. Not thread-safe (Debian's
// serial HDF5 is not): use one H5File per thread, and HDF5 from one thread at a time.
#ifndef MIMIC_COMMON_H5_FILE_H_
#define MIMIC_COMMON_H5_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mimic {

// A dense row-major array read from a file.
template <typename T>
struct H5Array {
  std::vector<int64_t> shape;
  std::vector<T> values;  // (product(shape))
};

class H5File {
 public:
  // Opens an existing file read-only. Missing, unreadable or non-HDF5 files give a clear error.
  static absl::StatusOr<std::unique_ptr<H5File>> Open(const std::string& path);
  // Creates `path` (via a temporary file; call Finish() to publish it).
  static absl::StatusOr<std::unique_ptr<H5File>> Create(const std::string& path);

  ~H5File();  // without Finish(), a file being created is discarded
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;

  // Closes the file and, for a created file, renames it into place.
  absl::Status Finish();

  const std::string& path() const { return path_; }

  // Groups are created with their parents ("a/b/c").
  absl::Status CreateGroup(const std::string& group);
  bool Exists(const std::string& object) const;
  // Names of the direct children of a group, sorted.
  absl::StatusOr<std::vector<std::string>> List(const std::string& group) const;

  absl::Status WriteDoubles(const std::string& dataset, const std::vector<int64_t>& shape,
                            const double* data);
  absl::Status WriteFloats(const std::string& dataset, const std::vector<int64_t>& shape,
                           const float* data);
  absl::Status WriteInts(const std::string& dataset, const std::vector<int64_t>& shape,
                         const int32_t* data);
  // Strings are written as a 1-D variable-length string dataset.
  absl::Status WriteStrings(const std::string& dataset, const std::vector<std::string>& values);

  // Reads any numeric dataset, converting to the requested type.
  absl::StatusOr<H5Array<double>> ReadDoubles(const std::string& dataset) const;
  absl::StatusOr<H5Array<float>> ReadFloats(const std::string& dataset) const;
  absl::StatusOr<H5Array<int32_t>> ReadInts(const std::string& dataset) const;
  absl::StatusOr<std::vector<std::string>> ReadStrings(const std::string& dataset) const;
  // Shape of a dataset without reading it.
  absl::StatusOr<std::vector<int64_t>> Shape(const std::string& dataset) const;

  // Attributes on a group or dataset ("/" for the file).
  absl::Status SetAttribute(const std::string& object, const std::string& name, double value);
  absl::Status SetAttribute(const std::string& object, const std::string& name, int64_t value);
  absl::Status SetAttribute(const std::string& object, const std::string& name,
                            const std::string& value);
  bool HasAttribute(const std::string& object, const std::string& name) const;
  absl::StatusOr<double> GetDoubleAttribute(const std::string& object,
                                            const std::string& name) const;
  absl::StatusOr<int64_t> GetIntAttribute(const std::string& object,
                                          const std::string& name) const;
  absl::StatusOr<std::string> GetStringAttribute(const std::string& object,
                                                 const std::string& name) const;

 private:
  H5File(int64_t file_id, std::string path, std::string temp_path);

  // Refuses a dataset whose declared size passes the read limits (common/read_limits) or what
  // the file actually stores, or whose data lives in other files; charges the read otherwise.
  absl::Status CheckDeclaredSize(int64_t dataset_id, int64_t file_type, const std::vector<int64_t>& shape,
                                 size_t element_bytes, const std::string& dataset) const;
  template <typename T>
  absl::StatusOr<H5Array<T>> ReadTyped(const std::string& dataset, int64_t mem_type) const;
  absl::Status WriteTyped(const std::string& dataset, const std::vector<int64_t>& shape,
                          int64_t file_type, int64_t mem_type, const void* data);
  absl::Status EnsureParentGroups(const std::string& object);

  int64_t file_id_;         // hid_t
  std::string path_;        // the file as users name it
  std::string temp_path_;   // non-empty while a created file is unpublished
};

}  // namespace mimic

#endif  // MIMIC_COMMON_H5_FILE_H_
