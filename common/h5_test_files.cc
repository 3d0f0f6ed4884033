#include "common/h5_test_files.h"

#include <hdf5.h>

#include "absl/strings/str_split.h"

namespace mimic::h5_testing {
namespace {

// Creates the groups leading to `object`.
void MakeParents(hid_t file, const std::string& object) {
  std::string prefix;
  std::vector<std::string> parts = absl::StrSplit(object, '/', absl::SkipEmpty());
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    prefix += "/" + parts[i];
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) > 0) continue;
    H5Gclose(H5Gcreate2(file, prefix.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  }
}

void WriteSmall(hid_t file, const std::string& name, const std::vector<double>& values) {
  MakeParents(file, name);
  const hsize_t n = values.size();
  hid_t space = H5Screate_simple(1, &n, nullptr);
  hid_t ds = H5Dcreate2(file, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (n > 0) H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Dclose(ds);
  H5Sclose(space);
}

}  // namespace

void WriteDeclaredOnlyDataset(const std::string& path, const std::string& dataset, const std::vector<uint64_t>& dims,
                              const std::vector<std::pair<std::string, std::vector<double>>>& small) {
  hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  MakeParents(file, dataset);
  std::vector<hsize_t> d(dims.begin(), dims.end());
  hid_t space = H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_LATE);
  hid_t ds = H5Dcreate2(file, dataset.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Dclose(ds);
  H5Pclose(dcpl);
  H5Sclose(space);
  for (const auto& [name, values] : small) WriteSmall(file, name, values);
  H5Fclose(file);
}

void WriteExternalLink(const std::string& path, const std::string& link, const std::string& target,
                       const std::string& object) {
  hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  MakeParents(file, link);
  H5Lcreate_external(target.c_str(), object.c_str(), file, link.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(file);
}

void WriteExternalStorage(const std::string& path, const std::string& dataset, const std::string& raw, uint64_t count) {
  hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  MakeParents(file, dataset);
  const hsize_t n = count;
  hid_t space = H5Screate_simple(1, &n, nullptr);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_external(dcpl, raw.c_str(), 0, count * sizeof(double));
  hid_t ds = H5Dcreate2(file, dataset.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Dclose(ds);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Fclose(file);
}

}  // namespace mimic::h5_testing
