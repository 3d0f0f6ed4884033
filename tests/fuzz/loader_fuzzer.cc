// Fuzz target for every file loader that takes user input: keypoints (.mat, .h5/.nwb, .csv) and
// reference clips (.h5). The first byte picks the loader; the rest is the file's content.
// Built with libFuzzer by tools/fuzz_loaders.sh; the same entry point runs over the saved corpus
// in the regression test (loader_fuzzer_regression_test), so every finding stays fixed.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/read_limits.h"
#include "envs/clip_io.h"
#include "preprocess/keypoint_loaders.h"
#include "tests/fuzz/fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const char* kExtensions[] = {".mat", ".h5", ".nwb", ".csv", ".clips.h5"};
  const int which = data[0] % 5;
  const std::string content(reinterpret_cast<const char*>(data + 1), size - 1);
  // within a read budget, as a service's jobs load
  mimic::ScopedReadBudget budget(int64_t{512} << 20);
  if (which == 3) {
    (void)mimic::preprocess::ParseKeypointCsv(content, "fuzz.csv");
    return 0;
  }
  const mimic::fuzz::InputFile file(content, kExtensions[which]);
  if (which == 4) {
    (void)mimic::ReadClips(file.path());
  } else {
    (void)mimic::preprocess::LoadKeypoints(file.path());
  }
  return 0;
}
