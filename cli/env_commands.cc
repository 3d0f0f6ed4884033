// `mimic record-clip` and `mimic env-info`.
#include <cstdio>

#include "cli/commands.h"
#include "common/args.h"
#include "envs/clip_io.h"
#include "envs/clip_recorder.h"
#include "envs/env_context.h"

namespace mimic::cli {

int RunRecordClip(const Argv& argv) {
  auto args = Args::Parse(argv, {"out", "frames", "seed", "config", "name"});
  if (!args.ok()) return Fail("record-clip", args.status());
  if (!args->Has("out")) return Fail("record-clip", absl::InvalidArgumentError("--out FILE is required"));
  auto config = ReadEnvConfigOrDefaults(args->GetString("config", ""));
  if (!config.ok()) return Fail("record-clip", config.status());
  auto frames = args->GetInt("frames", 250);
  auto seed = args->GetInt("seed", 0);
  if (!frames.ok()) return Fail("record-clip", frames.status());
  if (!seed.ok()) return Fail("record-clip", seed.status());
  RecordOptions options;
  options.num_frames = *frames;
  options.seed = static_cast<uint64_t>(*seed);
  options.name = args->GetString("name", "self_recorded");
  auto recorded = RecordClip(*config, options);
  if (!recorded.ok()) return Fail("record-clip", recorded.status());
  const std::string out = args->GetString("out", "");
  absl::Status written = WriteClips(out, {recorded->clip});
  if (!written.ok()) return Fail("record-clip", written);
  std::printf("wrote clip '%s' (%d frames at %.0f Hz, nq=%d) to %s\n", recorded->clip.name.c_str(),
              recorded->clip.num_frames, recorded->clip.frame_rate, recorded->clip.nq, out.c_str());
  return 0;
}

int RunEnvInfo(const Argv& argv) {
  auto args = Args::Parse(argv, {"config"});
  if (!args.ok()) return Fail("env-info", args.status());
  auto config = ReadEnvConfigOrDefaults(args->GetString("config", ""));
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
