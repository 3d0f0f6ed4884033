// Runs a fuzz target's entry point over every file in the corpus folders given on the command
// line (seeds, and every input that once crashed a parser or made it exhaust memory). Each input
// runs in a child process of its own, under a memory limit (AddressSanitizer's RSS and
// single-allocation limits when built with it, an address-space limit otherwise) and a time
// limit; every input that crashes, exceeds a limit or hangs is named, and the run fails when
// there is any.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

#if defined(__SANITIZE_ADDRESS__)
#define MIMIC_UNDER_ASAN 1
// an input whose parse asks for more than 1 GB at once, or holds more than 2 GB, fails
extern "C" const char* __asan_default_options() {
  return "hard_rss_limit_mb=2048:max_allocation_size_mb=1024:allocator_may_return_null=0:detect_leaks=0";
}
#else
#define MIMIC_UNDER_ASAN 0
#endif

namespace {

constexpr int kSecondsPerInput = 60;

// Runs one input in a child; an empty string when it passed, else why it failed.
std::string RunOne(const std::vector<char>& bytes) {
  std::fflush(nullptr);
  const pid_t child = fork();
  if (child < 0) return "fork failed";
  if (child == 0) {
    if (!MIMIC_UNDER_ASAN) {
      rlimit memory{rlim_t{2} << 30, rlim_t{2} << 30};  // address space: a runaway allocation throws
      setrlimit(RLIMIT_AS, &memory);
    }
    alarm(kSecondsPerInput);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    _exit(0);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  if (WIFSIGNALED(status)) {
    return WTERMSIG(status) == SIGALRM ? "hung (time limit)" : std::string("killed by ") + strsignal(WTERMSIG(status));
  }
  return "exited with " + std::to_string(WEXITSTATUS(status)) + " (sanitizer report or memory limit above)";
}

}  // namespace

int main(int argc, char** argv) {
  int passed = 0, failed = 0;
  for (int i = 1; i < argc; ++i) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(argv[i])) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
      std::ifstream in(path, std::ios::binary);
      std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const std::string failure = RunOne(bytes);
      if (failure.empty()) {
        ++passed;
      } else {
        ++failed;
        std::printf("FAILED %s: %s\n", path.c_str(), failure.c_str());
      }
    }
  }
  std::printf("%d passed, %d failed%s\n", passed, failed, MIMIC_UNDER_ASAN ? " (AddressSanitizer)" : "");
  return failed == 0 && passed > 0 ? 0 : 1;
}
