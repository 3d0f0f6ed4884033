// `mimic bench NAME`: dispatches to the named benchmark (bench/).
#include <cstdio>

#include "bench/benchmarks.h"
#include "cli/commands.h"
#include "common/args.h"

namespace mimic::cli {

int RunBench(const Argv& args) {
  const auto& benchmarks = bench::AllBenchmarks();
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::FILE* out = args.empty() ? stderr : stdout;
    std::fprintf(out, "usage: ./mimic bench NAME [flags]   (./mimic bench NAME --help for one)\n\n");
    for (const bench::Benchmark& b : benchmarks) std::fprintf(out, "  %-10s %s\n", b.name, b.what);
    std::fprintf(out, "\nexample:\n  ./mimic bench env --seconds 2\n");
    return args.empty() ? 2 : 0;
  }
  std::vector<std::string> names;
  for (const bench::Benchmark& b : benchmarks) {
    if (args[0] == b.name) return b.run(Argv(args.begin() + 1, args.end()));
    names.push_back(b.name);
  }
  const std::string nearest = NearestName(args[0], names);
  std::fprintf(stderr, "mimic bench: unknown benchmark '%s'%s (see ./mimic bench --help)\n", args[0].c_str(),
               nearest.empty() ? "" : ("; did you mean " + nearest + "?").c_str());
  return 2;
}

}  // namespace mimic::cli
