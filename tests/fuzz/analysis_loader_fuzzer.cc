// Fuzz target for the analysis loaders that take user files: plain arrays (CSV, HDF5), spike
// trains (NWB /units, HDF5 pairs, CSV) and frame times (CSV, NWB TimeSeries). The first byte picks
// the loader; the rest is the file. Loads run within a read budget, as a service's jobs do.
#include <cstddef>
#include <cstdint>
#include <string>

#include "analysis/array_io.h"
#include "analysis/frame_times.h"
#include "analysis/spikes.h"
#include "common/read_limits.h"
#include "tests/fuzz/fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string content(reinterpret_cast<const char*>(data + 1), size - 1);
  mimic::ScopedReadBudget budget(int64_t{512} << 20);
  switch (data[0] % 7) {
    case 0: (void)mimic::analysis::ReadMatrix(mimic::fuzz::InputFile(content, ".csv").path()); break;
    case 1: (void)mimic::analysis::ReadMatrix(mimic::fuzz::InputFile(content, ".h5").path()); break;
    case 2: (void)mimic::analysis::LoadSpikes(mimic::fuzz::InputFile(content, ".nwb").path()); break;
    case 3: (void)mimic::analysis::LoadSpikes(mimic::fuzz::InputFile(content, ".csv").path()); break;
    case 4: (void)mimic::analysis::LoadSpikes(mimic::fuzz::InputFile(content, ".h5").path()); break;
    case 5: (void)mimic::analysis::LoadFrameTimes("csv:" + mimic::fuzz::InputFile(content, ".csv").path()); break;
    default: {
      mimic::fuzz::InputFile file(content, ".nwb");
      (void)mimic::analysis::LoadFrameTimes("nwb:" + file.path() + ":/acquisition/frames");
    }
  }
  return 0;
}
