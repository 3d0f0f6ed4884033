// `mimic record-clip` and `mimic env-info`.
#include <cstdio>

#include "cli/commands.h"
#include "common/args.h"
#include "envs/clip_io.h"
#include "envs/clip_recorder.h"
#include "envs/env_context.h"

namespace mimic::cli {
namespace {

const CommandSpec& RecordClipSpec() {
  static const auto* spec = new CommandSpec{
      "record-clip",
      "record a physically consistent reference clip from the model under smooth random actions",
      {
          {"out", FlagType::kString, "", "FILE", "the clips file to write (HDF5)", true},
          {"frames", FlagType::kInt, "250", "frames", "clip length (at the environment's control rate)"},
          {"seed", FlagType::kInt, "0", "seed", "random actions' seed"},
          {"name", FlagType::kString, "self_recorded", "NAME", "the clip's name in the file"},
          {"config", FlagType::kString, "", "FILE", "an EnvConfig (default: the bundled rat)"},
      },
      {"./mimic record-clip --out runs/clip.h5 --frames 100"},
  };
  return *spec;
}

const CommandSpec& EnvInfoSpec() {
  static const auto* spec = new CommandSpec{
      "env-info",
      "print the environment's observation layout (named slices) and action bounds",
      {{"config", FlagType::kString, "", "FILE", "an EnvConfig (default: the bundled rat)"}},
      {"./mimic env-info"},
  };
  return *spec;
}

}  // namespace

int RunRecordClip(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(RecordClipSpec(), argv, &exit_code);
  if (!args) return exit_code;
  auto config = ReadEnvConfigOrDefaults(args->String("config"));
  if (!config.ok()) return Fail("record-clip", config.status());
  if (args->Int("frames") < 2) return Fail("record-clip", absl::InvalidArgumentError("--frames must be at least 2"));
  RecordOptions options;
  options.num_frames = args->Int("frames");
  options.seed = static_cast<uint64_t>(args->Int64("seed"));
  options.name = args->String("name");
  auto recorded = RecordClip(*config, options);
  if (!recorded.ok()) return Fail("record-clip", recorded.status());
  const std::string out = args->String("out");
  absl::Status written = WriteClips(out, {recorded->clip});
  if (!written.ok()) return Fail("record-clip", written);
  std::printf("wrote clip '%s' (%d frames at %.0f Hz, nq=%d) to %s\n", recorded->clip.name.c_str(),
              recorded->clip.num_frames, recorded->clip.frame_rate, recorded->clip.nq, out.c_str());
  return 0;
}

int RunEnvInfo(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(EnvInfoSpec(), argv, &exit_code);
  if (!args) return exit_code;
  auto config = ReadEnvConfigOrDefaults(args->String("config"));
  if (!config.ok()) return Fail("env-info", config.status());
  RecordOptions options;
  options.num_frames = 2;
  auto recorded = RecordClip(*config, options);
  if (!recorded.ok()) return Fail("env-info", recorded.status());
  auto context = EnvContext::Create(*config, {recorded->clip});
  if (!context.ok()) return Fail("env-info", context.status());
  std::printf("%s", (*context)->spec().Describe().c_str());
  return 0;
}

}  // namespace mimic::cli
