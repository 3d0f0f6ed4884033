// Writes a fuzz input to a private temporary file with the extension a loader dispatches on, and
// removes it afterwards. Fuzz targets run one input at a time per process.
#ifndef MIMIC_TESTS_FUZZ_FUZZ_INPUT_FILE_H_
#define MIMIC_TESTS_FUZZ_FUZZ_INPUT_FILE_H_

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace mimic::fuzz {

class InputFile {
 public:
  InputFile(const std::string& content, const std::string& extension) {
    const char* dir = std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp";
    path_ = std::string(dir) + "/fuzz_input_" + std::to_string(getpid()) + extension;
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  ~InputFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace mimic::fuzz

#endif  // MIMIC_TESTS_FUZZ_FUZZ_INPUT_FILE_H_
