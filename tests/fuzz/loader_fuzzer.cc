// Fuzz target for every file loader that takes user input: keypoints (.mat, .h5/.nwb, .csv) and
// reference clips (.h5). The first byte picks the loader; the rest is the file's content.
// Built with libFuzzer by tools/fuzz_loaders.sh; the same entry point runs over the saved corpus
// in the regression test (loader_fuzzer_regression_test), so every finding stays fixed.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "envs/clip_io.h"
#include "preprocess/keypoint_loaders.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const char* kExtensions[] = {".mat", ".h5", ".nwb", ".csv", ".clips.h5"};
  const int which = data[0] % 5;
  const std::string content(reinterpret_cast<const char*>(data + 1), size - 1);
  if (which == 3) {
    (void)mimic::preprocess::ParseKeypointCsv(content, "fuzz.csv");
    return 0;
  }
  const std::string dir = getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp";
  const std::string path = dir + "/fuzz_input_" + std::to_string(getpid()) + kExtensions[which];
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  if (which == 4) {
    (void)mimic::ReadClips(path);
  } else {
    (void)mimic::preprocess::LoadKeypoints(path);
  }
  unlink(path.c_str());
  return 0;
}
