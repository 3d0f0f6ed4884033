#include "common/h5_file.h"

#include <hdf5.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/read_limits.h"

#define MIMIC_H5_RETURN_IF_ERROR(expr)      \
  do {                                       \
    absl::Status h5_status_ = (expr);        \
    if (!h5_status_.ok()) return h5_status_; \
  } while (0)

namespace mimic {
namespace {

// HDF5 prints its own error stacks by default; errors here travel as absl::Status instead.
void SilenceHdf5Errors() {
  static const bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)silenced;
}

// Closes an HDF5 handle of any kind when it leaves scope.
class Handle {
 public:
  explicit Handle(hid_t id) : id_(id) {}
  ~Handle() {
    if (id_ >= 0) H5Oclose(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
};

// Closes handles that are not objects (dataspaces, types, attributes, property lists).
template <herr_t (*Close)(hid_t)>
class Scoped {
 public:
  explicit Scoped(hid_t id) : id_(id) {}
  ~Scoped() {
    if (id_ >= 0) Close(id_);
  }
  Scoped(const Scoped&) = delete;
  Scoped& operator=(const Scoped&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
};
using Space = Scoped<H5Sclose>;
using Type = Scoped<H5Tclose>;
using Attr = Scoped<H5Aclose>;

int64_t Product(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// A file holds at most this many links (groups and datasets): more is refused as hostile.
constexpr int64_t kMaxLinks = 1'000'000;
// Datasets up to this size may be stored in fewer bytes than they declare (fill values).
constexpr int64_t kSmallDatasetBytes = 1 << 20;
// Compressed datasets may expand this much (gzip's ceiling is about 1030:1).
constexpr int64_t kMaxExpansion = 1024;
// Fixed-length string attributes longer than this are refused.
constexpr size_t kMaxAttributeBytes = 1 << 20;

struct LinkScan {
  int64_t links = 0;
  std::string refused;  // first link that is not a hard or soft link
};

herr_t ScanLink(hid_t, const char* name, const H5L_info_t* info, void* data) {
  auto* scan = static_cast<LinkScan*>(data);
  if (++scan->links > kMaxLinks) return 1;
  if (info->type != H5L_TYPE_HARD && info->type != H5L_TYPE_SOFT) {
    scan->refused = name;
    return 1;
  }
  return 0;
}

// Product of a shape, or RESOURCE_EXHAUSTED when it overflows the per-array ceiling.
absl::StatusOr<int64_t> CheckedProduct(const std::vector<int64_t>& shape, const std::string& what) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return absl::DataLossError(absl::StrCat(what, " has a negative dimension"));
    if (d != 0 && n > kMaxArrayBytes / d) {
      return absl::ResourceExhaustedError(absl::StrCat(what, " declares a shape whose size overflows the limit of ",
                                                       kMaxArrayBytes, " bytes per array"));
    }
    n *= d;
  }
  return n;
}

}  // namespace

H5File::H5File(int64_t file_id, std::string path, std::string temp_path)
    : file_id_(file_id), path_(std::move(path)), temp_path_(std::move(temp_path)) {}

H5File::~H5File() {
  if (file_id_ >= 0) H5Fclose(file_id_);
  if (!temp_path_.empty()) std::remove(temp_path_.c_str());
}

absl::StatusOr<std::unique_ptr<H5File>> H5File::Open(const std::string& path) {
  SilenceHdf5Errors();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(absl::StrCat("HDF5 file not found: ", path));
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an HDF5 file (corrupt or wrong format): ", path));
  }
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    return absl::DataLossError(absl::StrCat("cannot open HDF5 file (truncated or corrupt?): ", path));
  }
  std::unique_ptr<H5File> file(new H5File(id, path, ""));
  // external links (and user-defined ones) would make reads open other files, outside any
  // folder the caller confined this one to; a link count beyond reason is hostile
  LinkScan scan;
  if (H5Lvisit(id, H5_INDEX_NAME, H5_ITER_NATIVE, &ScanLink, &scan) < 0) {
    return absl::DataLossError(absl::StrCat("cannot list the objects of HDF5 file (corrupt?): ", path));
  }
  if (!scan.refused.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(path, ": link '", scan.refused,
                                                    "' points into another file; external links are refused"));
  }
  if (scan.links > kMaxLinks) {
    return absl::ResourceExhaustedError(absl::StrCat(path, " holds more than ", kMaxLinks, " links"));
  }
  return file;
}

absl::StatusOr<std::unique_ptr<H5File>> H5File::Create(const std::string& path) {
  SilenceHdf5Errors();
  // a fresh name that must not exist yet (EXCL): a link planted at a guessable temporary name
  // is never followed
  thread_local std::mt19937_64 rng(std::random_device{}());
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::string temp = absl::StrFormat("%s.tmp.%d.%016x", path, getpid(), rng());
    hid_t id = H5Fcreate(temp.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    if (id >= 0) return std::unique_ptr<H5File>(new H5File(id, path, temp));
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::symlink_status(temp, ec))) break;
  }
  return absl::PermissionDeniedError(absl::StrCat("cannot create HDF5 file: ", path));
}

absl::Status H5File::Finish() {
  if (file_id_ >= 0) {
    const herr_t closed = H5Fclose(file_id_);
    file_id_ = -1;
    if (closed < 0) return absl::DataLossError(absl::StrCat("failed to close HDF5 file: ", path_));
  }
  if (!temp_path_.empty()) {
    if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
      return absl::PermissionDeniedError(absl::StrCat("cannot move HDF5 file into place: ", path_));
    }
    temp_path_.clear();
  }
  return absl::OkStatus();
}

bool H5File::Exists(const std::string& object) const {
  if (object == "/" || object.empty()) return true;
  // every prefix must exist for H5Lexists to be safe
  std::string prefix;
  for (absl::string_view part : absl::StrSplit(object, '/', absl::SkipEmpty())) {
    absl::StrAppend(&prefix, "/", part);
    if (H5Lexists(file_id_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return true;
}

absl::Status H5File::CreateGroup(const std::string& group) {
  std::string prefix;
  for (absl::string_view part : absl::StrSplit(group, '/', absl::SkipEmpty())) {
    absl::StrAppend(&prefix, "/", part);
    if (H5Lexists(file_id_, prefix.c_str(), H5P_DEFAULT) > 0) continue;
    hid_t g = H5Gcreate2(file_id_, prefix.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return absl::InternalError(absl::StrCat("cannot create group ", prefix, " in ", path_));
    H5Gclose(g);
  }
  return absl::OkStatus();
}

absl::Status H5File::EnsureParentGroups(const std::string& object) {
  const size_t slash = object.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return absl::OkStatus();
  return CreateGroup(object.substr(0, slash));
}

absl::StatusOr<std::vector<std::string>> H5File::List(const std::string& group) const {
  if (!Exists(group)) {
    return absl::NotFoundError(absl::StrCat("no group ", group, " in ", path_));
  }
  Handle g(H5Oopen(file_id_, group.c_str(), H5P_DEFAULT));
  if (!g.ok()) return absl::DataLossError(absl::StrCat("cannot open ", group, " in ", path_));
  H5G_info_t info;
  if (H5Gget_info(g.get(), &info) < 0) {
    return absl::InvalidArgumentError(absl::StrCat(group, " is not a group in ", path_));
  }
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len =
        H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len < 0) return absl::DataLossError(absl::StrCat("cannot list ", group, " in ", path_));
    std::string name(static_cast<size_t>(len), '\0');
    H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), len + 1,
                       H5P_DEFAULT);
    names.push_back(std::move(name));
  }
  return names;
}

absl::Status H5File::WriteTyped(const std::string& dataset, const std::vector<int64_t>& shape,
                                int64_t file_type, int64_t mem_type, const void* data) {
  if (temp_path_.empty()) return absl::FailedPreconditionError("file is open read-only");
  auto parents = EnsureParentGroups(dataset);
  if (!parents.ok()) return parents;
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Space space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  if (!space.ok()) return absl::InvalidArgumentError(absl::StrCat("bad shape for ", dataset));
  Handle ds(H5Dcreate2(file_id_, dataset.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                       H5P_DEFAULT));
  if (!ds.ok()) return absl::InternalError(absl::StrCat("cannot create dataset ", dataset));
  if (Product(shape) > 0 &&
      H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    return absl::InternalError(absl::StrCat("cannot write dataset ", dataset));
  }
  return absl::OkStatus();
}

absl::Status H5File::WriteDoubles(const std::string& dataset, const std::vector<int64_t>& shape,
                                  const double* data) {
  return WriteTyped(dataset, shape, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data);
}

absl::Status H5File::WriteFloats(const std::string& dataset, const std::vector<int64_t>& shape,
                                 const float* data) {
  return WriteTyped(dataset, shape, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, data);
}

absl::Status H5File::WriteInts(const std::string& dataset, const std::vector<int64_t>& shape,
                               const int32_t* data) {
  return WriteTyped(dataset, shape, H5T_STD_I32LE, H5T_NATIVE_INT32, data);
}

absl::Status H5File::WriteStrings(const std::string& dataset,
                                  const std::vector<std::string>& values) {
  Type type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const auto& v : values) ptrs.push_back(v.c_str());
  return WriteTyped(dataset, {static_cast<int64_t>(values.size())}, type.get(), type.get(),
                    ptrs.data());
}

absl::StatusOr<std::vector<int64_t>> H5File::Shape(const std::string& dataset) const {
  if (!Exists(dataset)) {
    return absl::NotFoundError(absl::StrCat("no dataset ", dataset, " in ", path_));
  }
  Handle ds(H5Dopen2(file_id_, dataset.c_str(), H5P_DEFAULT));
  if (!ds.ok()) return absl::InvalidArgumentError(absl::StrCat(dataset, " is not a dataset in ", path_));
  Space space(H5Dget_space(ds.get()));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > H5S_MAX_RANK) return absl::DataLossError(absl::StrCat("corrupt dataspace for ", dataset));
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return std::vector<int64_t>(dims.begin(), dims.end());
}

absl::Status H5File::CheckDeclaredSize(int64_t dataset_id, int64_t file_type, const std::vector<int64_t>& shape,
                                       size_t element_bytes, const std::string& dataset) const {
  const std::string what = absl::StrCat(dataset, " in ", path_);
  absl::StatusOr<int64_t> elements = CheckedProduct(shape, what);
  if (!elements.ok()) return elements.status();
  // data kept in other files (external storage, virtual datasets) is refused like external links
  Scoped<H5Pclose> dcpl(H5Dget_create_plist(dataset_id));
  if (!dcpl.ok()) return absl::DataLossError(absl::StrCat("cannot read the layout of ", what));
  if (H5Pget_layout(dcpl.get()) == H5D_VIRTUAL || H5Pget_external_count(dcpl.get()) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(what, " keeps its data in other files; refused"));
  }
  // what the file declares must be there (or, compressed, plausibly expand from what is there)
  const size_t stored_element = H5Tget_size(file_type);
  absl::StatusOr<int64_t> declared = CheckedBytes(*elements, static_cast<int64_t>(stored_element), what);
  if (!declared.ok()) return declared.status();
  if (*declared > kSmallDatasetBytes) {
    const int64_t stored = static_cast<int64_t>(H5Dget_storage_size(dataset_id));
    const int64_t expansion = H5Pget_nfilters(dcpl.get()) > 0 ? kMaxExpansion : 1;
    if (stored < *declared / expansion) {
      return absl::DataLossError(absl::StrCat(what, " declares ", *elements, " values (", *declared,
                                              " bytes) but the file stores only ", stored,
                                              " bytes of them (truncated or hostile)"));
    }
  }
  absl::StatusOr<int64_t> bytes = CheckedBytes(*elements, static_cast<int64_t>(element_bytes), what);
  if (!bytes.ok()) return bytes.status();
  return ChargeRead(*bytes, what);
}

template <typename T>
absl::StatusOr<H5Array<T>> H5File::ReadTyped(const std::string& dataset, int64_t mem_type) const {
  auto shape = Shape(dataset);
  if (!shape.ok()) return shape.status();
  Handle ds(H5Dopen2(file_id_, dataset.c_str(), H5P_DEFAULT));
  Type file_type(H5Dget_type(ds.get()));
  const H5T_class_t cls = H5Tget_class(file_type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
    return absl::InvalidArgumentError(absl::StrCat(dataset, " in ", path_, " is not numeric"));
  }
  MIMIC_H5_RETURN_IF_ERROR(CheckDeclaredSize(ds.get(), file_type.get(), *shape, sizeof(T), dataset));
  H5Array<T> out;
  out.shape = *std::move(shape);
  out.values.resize(static_cast<size_t>(Product(out.shape)));
  if (!out.values.empty() &&
      H5Dread(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data()) < 0) {
    return absl::DataLossError(
        absl::StrCat("cannot read ", dataset, " from ", path_, " (truncated or corrupt?)"));
  }
  return out;
}

absl::StatusOr<H5Array<double>> H5File::ReadDoubles(const std::string& dataset) const {
  return ReadTyped<double>(dataset, H5T_NATIVE_DOUBLE);
}
absl::StatusOr<H5Array<float>> H5File::ReadFloats(const std::string& dataset) const {
  return ReadTyped<float>(dataset, H5T_NATIVE_FLOAT);
}
absl::StatusOr<H5Array<int32_t>> H5File::ReadInts(const std::string& dataset) const {
  return ReadTyped<int32_t>(dataset, H5T_NATIVE_INT32);
}

absl::StatusOr<std::vector<std::string>> H5File::ReadStrings(const std::string& dataset) const {
  auto shape = Shape(dataset);
  if (!shape.ok()) return shape.status();
  if (shape->size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(dataset, " is not a 1-D string list"));
  }
  Handle ds(H5Dopen2(file_id_, dataset.c_str(), H5P_DEFAULT));
  Type file_type(H5Dget_type(ds.get()));
  if (H5Tget_class(file_type.get()) != H5T_STRING || !H5Tis_variable_str(file_type.get())) {
    return absl::InvalidArgumentError(absl::StrCat(dataset, " is not a variable-length string list"));
  }
  Type mem_type(H5Tcopy(H5T_C_S1));
  H5Tset_size(mem_type.get(), H5T_VARIABLE);
  H5Tset_cset(mem_type.get(), H5Tget_cset(file_type.get()));  // UTF-8 files (NWB) need a UTF-8 read
  // the pointers, then the strings themselves, against the read limits before HDF5 allocates them
  MIMIC_H5_RETURN_IF_ERROR(CheckDeclaredSize(ds.get(), file_type.get(), *shape, 2 * sizeof(char*), dataset));
  Space space(H5Dget_space(ds.get()));
  hsize_t text_bytes = 0;
  if ((*shape)[0] > 0 && H5Dvlen_get_buf_size(ds.get(), mem_type.get(), space.get(), &text_bytes) < 0) {
    return absl::DataLossError(absl::StrCat("cannot read ", dataset, " from ", path_));
  }
  MIMIC_H5_RETURN_IF_ERROR(ChargeRead(2 * static_cast<int64_t>(std::min<hsize_t>(text_bytes, kMaxArrayBytes)),
                                      absl::StrCat("the strings of ", dataset, " in ", path_)));
  std::vector<char*> ptrs((*shape)[0], nullptr);
  if (!ptrs.empty() &&
      H5Dread(ds.get(), mem_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0) {
    return absl::DataLossError(absl::StrCat("cannot read ", dataset, " from ", path_));
  }
  std::vector<std::string> out;
  out.reserve(ptrs.size());
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return out;
}

namespace {

absl::Status WriteAttr(hid_t file, const std::string& object, const std::string& name, hid_t type,
                       const void* value) {
  if (H5Aexists_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT) > 0) {
    H5Adelete_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT);
  }
  Space space(H5Screate(H5S_SCALAR));
  Attr attr(H5Acreate_by_name(file, object.c_str(), name.c_str(), type, space.get(), H5P_DEFAULT,
                              H5P_DEFAULT, H5P_DEFAULT));
  if (!attr.ok() || H5Awrite(attr.get(), type, value) < 0) {
    return absl::InternalError(absl::StrCat("cannot write attribute ", name, " on ", object));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status H5File::SetAttribute(const std::string& object, const std::string& name,
                                  double value) {
  return WriteAttr(file_id_, object, name, H5T_NATIVE_DOUBLE, &value);
}

absl::Status H5File::SetAttribute(const std::string& object, const std::string& name,
                                  int64_t value) {
  return WriteAttr(file_id_, object, name, H5T_NATIVE_INT64, &value);
}

absl::Status H5File::SetAttribute(const std::string& object, const std::string& name,
                                  const std::string& value) {
  Type type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  const char* ptr = value.c_str();
  return WriteAttr(file_id_, object, name, type.get(), &ptr);
}

bool H5File::HasAttribute(const std::string& object, const std::string& name) const {
  return Exists(object) &&
         H5Aexists_by_name(file_id_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

absl::StatusOr<double> H5File::GetDoubleAttribute(const std::string& object,
                                                  const std::string& name) const {
  if (!HasAttribute(object, name)) {
    return absl::NotFoundError(absl::StrCat("attribute ", name, " missing on ", object, " in ", path_));
  }
  Attr attr(H5Aopen_by_name(file_id_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  double value = 0;
  if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0) {
    return absl::InvalidArgumentError(absl::StrCat("attribute ", name, " on ", object, " is not numeric"));
  }
  return value;
}

absl::StatusOr<int64_t> H5File::GetIntAttribute(const std::string& object,
                                                const std::string& name) const {
  if (!HasAttribute(object, name)) {
    return absl::NotFoundError(absl::StrCat("attribute ", name, " missing on ", object, " in ", path_));
  }
  Attr attr(H5Aopen_by_name(file_id_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  int64_t value = 0;
  if (H5Aread(attr.get(), H5T_NATIVE_INT64, &value) < 0) {
    return absl::InvalidArgumentError(absl::StrCat("attribute ", name, " on ", object, " is not an integer"));
  }
  return value;
}

absl::StatusOr<std::string> H5File::GetStringAttribute(const std::string& object,
                                                       const std::string& name) const {
  if (!HasAttribute(object, name)) {
    return absl::NotFoundError(absl::StrCat("attribute ", name, " missing on ", object, " in ", path_));
  }
  Attr attr(H5Aopen_by_name(file_id_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  Type type(H5Aget_type(attr.get()));
  if (H5Tget_class(type.get()) != H5T_STRING) {
    return absl::InvalidArgumentError(absl::StrCat("attribute ", name, " on ", object, " is not a string"));
  }
  if (H5Tis_variable_str(type.get())) {
    char* ptr = nullptr;
    Type mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    if (H5Aread(attr.get(), mem.get(), &ptr) < 0) {
      return absl::DataLossError(absl::StrCat("cannot read attribute ", name));
    }
    std::string out = ptr ? ptr : "";
    H5free_memory(ptr);
    return out;
  }
  // fixed-length strings (as written by h5py for numpy bytes)
  const size_t size = H5Tget_size(type.get());
  if (size > kMaxAttributeBytes) {
    return absl::ResourceExhaustedError(absl::StrCat("attribute ", name, " on ", object, " in ", path_, " declares ",
                                                     size, " bytes"));
  }
  std::string out(size, '\0');
  if (H5Aread(attr.get(), type.get(), out.data()) < 0) {
    return absl::DataLossError(absl::StrCat("cannot read attribute ", name));
  }
  out.resize(out.find('\0') == std::string::npos ? size : out.find('\0'));
  return out;
}

}  // namespace mimic
