// Hostile HDF5 files for tests, written with the HDF5 C API directly (H5File refuses to make
// them): a tiny file that declares a huge array, an external link, data stored in another file.
#ifndef MIMIC_COMMON_H5_TEST_FILES_H_
#define MIMIC_COMMON_H5_TEST_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

namespace mimic::h5_testing {

// A file whose `dataset` (groups created as needed) declares `dims` doubles and stores none of
// them (late allocation): a few KB on disk. Other datasets given in `small` hold real values.
void WriteDeclaredOnlyDataset(const std::string& path, const std::string& dataset, const std::vector<uint64_t>& dims,
                              const std::vector<std::pair<std::string, std::vector<double>>>& small = {});

// A file whose link `link` points to `object` in the file `target` (an HDF5 external link).
void WriteExternalLink(const std::string& path, const std::string& link, const std::string& target,
                       const std::string& object);

// A file whose 1-D dataset `dataset` of `count` doubles keeps its values in the raw file `raw`.
void WriteExternalStorage(const std::string& path, const std::string& dataset, const std::string& raw, uint64_t count);

}  // namespace mimic::h5_testing

#endif  // MIMIC_COMMON_H5_TEST_FILES_H_
