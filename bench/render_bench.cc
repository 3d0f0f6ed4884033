// `mimic bench render`: frames per second of a rendered rollout video at 640x480, encoding
// included, against the clip's own frame rate (real time, 50 frames/s): ratio = render fps / 50.
//
// The clip: 250 frames of the rat (self-recorded from the model at STAC's scale 0.9), the
// reference as the ghost (the body drifts away from it), the 23 keypoints of the bundled STAC
// config on the reference with 3 mm noise and the model's on the body: every layer of the default
// view. Each round renders the whole clip to an MP4 (checked to decode to 250 frames) and, to say
// what limits it, also times drawing alone and encoding alone; rounds are interleaved after a
// warm-up with the shared method (bench/rounds): the reference is not measured, it is the clip's
// frame rate, so every round's ratio is its render fps / 50. --profile instead runs variants as
// child processes (a process binds one GL implementation): EGL vs OSMesa, llvmpipe's thread count
// (LP_NUM_THREADS), softpipe instead of llvmpipe (GALLIUM_DRIVER), shadows, anti-aliasing.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/benchmarks.h"
#include "bench/rounds.h"
#include "common/args.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "envs/clip_recorder.h"
#include "envs/model_loader.h"
#include "proto/stac_config.pb.h"
#include "render/camera_path.h"
#include "render/clip_video.h"
#include "render/render_clip.h"
#include "render/video_reader.h"

namespace mimic::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kScale = 0.9;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + 1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one.empty() ? "?" : one;
}

struct Workload {
  ModelPtr model;
  ReferenceClip reference;
  render::RenderClip clip;
};

absl::StatusOr<Workload> MakeWorkload(int frames) {
  Workload w;
  EnvConfig config;
  config.set_model_path("data/models/rodent/rodent.xml");
  config.set_model_scale(kScale);
  RecordOptions record;
  record.num_frames = frames;
  record.seed = 11;
  record.name = "bench_clip";
  absl::StatusOr<RecordedClip> recorded = RecordClip(config, record);
  if (!recorded.ok()) return recorded.status();
  w.reference = recorded->clip;
  absl::StatusOr<ModelPtr> model = LoadModel(config.model_path(), PerturbationConfig(), kScale);
  if (!model.ok()) return model.status();
  w.model = *std::move(model);
  const mjModel* m = w.model.get();
  // the bundled STAC config's 23 keypoints, at its initial offsets (scaled as STAC scales them)
  absl::StatusOr<StacConfig> stac = ReadTextProto<StacConfig>("configs/stac_rodent.pbtxt");
  if (!stac.ok()) return stac.status();
  render::KeypointSites sites;
  for (const KeypointSite& site : stac->keypoints()) {
    sites.names.push_back(site.name());
    sites.groups.push_back(site.group());
    sites.bodies.push_back(mj_name2id(m, mjOBJ_BODY, site.body().c_str()));
    for (int c = 0; c < 3; ++c) sites.offsets.push_back(kScale * (c < site.initial_offset_size() ? site.initial_offset(c) : 0));
  }
  // the real keypoints: the sites on the reference, 3 mm noise
  const int K = sites.size();
  DataPtr data(mj_makeData(m));
  std::mt19937 rng(2);
  std::normal_distribution<double> noise(0, 0.003);
  w.reference.num_keypoints = K;
  w.reference.keypoints.resize(static_cast<size_t>(frames) * K * 3);
  for (int t = 0; t < frames; ++t) {
    std::copy(w.reference.qpos_at(t), w.reference.qpos_at(t) + m->nq, data->qpos);
    mj_kinematics(m, data.get());
    double* kp = w.reference.keypoints.data() + static_cast<size_t>(t) * K * 3;
    render::PlaceKeypoints(m, data.get(), sites, kp);
    for (int i = 0; i < 3 * K; ++i) kp[i] += noise(rng);
  }
  // the body: the reference drifting up to 4 cm away over the clip
  render::ClipParts parts;
  parts.name = "bench_clip";
  parts.source = "rollout";
  parts.frame_rate = w.reference.frame_rate;
  parts.qpos = w.reference.qpos;
  for (int t = 0; t < frames; ++t) {
    parts.qpos[static_cast<size_t>(t) * m->nq] += 0.04 * t / frames;
    parts.qpos[static_cast<size_t>(t) * m->nq + 1] += 0.02 * std::sin(t * 0.05);
  }
  parts.reference = &w.reference;
  absl::StatusOr<render::RenderClip> clip = render::BuildRenderClip(m, &sites, std::move(parts));
  if (!clip.ok()) return clip.status();
  w.clip = *std::move(clip);
  return w;
}

struct RenderRound {
  double full_fps = 0;       // rendered and encoded to MP4, start to finished file
  double draw_fps = 0;       // drawing and reading back only
  double encode_fps = 0;     // encoding only (frames drawn beforehand)
  double cpu_ms_per_frame = 0;  // process CPU (every thread) per frame of the full pass
  double encoder_busy_s = 0;
  bool shadows = false;
  std::string codec, gl;
};

absl::StatusOr<RenderRound> MeasureRound(const Workload& w, const render::ClipVideoOptions& base, const std::string& dir,
                                   int round) {
  RenderRound r;
  const int frames = w.clip.num_frames;
  // 1. the product: the whole clip to an MP4
  render::ClipVideoOptions options = base;
  options.out = absl::StrCat(dir, "/round", round, ".mp4");
  const double cpu0 = CpuSeconds();
  absl::StatusOr<render::ClipVideoResult> full = render::RenderClipVideo(w.model.get(), kScale, w.clip, options);
  if (!full.ok()) return full.status();
  r.cpu_ms_per_frame = 1000 * (CpuSeconds() - cpu0) / frames;
  r.full_fps = full->frames_per_second();
  r.codec = full->codec;
  r.gl = full->gl;
  r.encoder_busy_s = full->encode_seconds;
  absl::StatusOr<render::VideoInfo> info = render::ReadVideo(options.out);
  if (!info.ok()) return info.status();
  if (info->frames != frames || info->width != base.render.width || std::abs(info->frame_rate - w.clip.frame_rate) > 1e-6) {
    return absl::InternalError(absl::StrCat("the MP4 decodes to ", info->frames, " frames of ", info->width, "x",
                                            info->height, " at ", info->frame_rate, " frames/s"));
  }
  // 2. drawing alone (same renderer set-up, frames discarded after read-back)
  absl::StatusOr<std::unique_ptr<render::SceneRenderer>> renderer =
      render::SceneRenderer::Create(w.model.get(), base.render);
  if (!renderer.ok()) return renderer.status();
  r.shadows = (*renderer)->shadows();
  const auto path = render::TrackingPath(w.clip.com, w.clip.frame_rate, 0.55 * kScale);
  std::vector<render::Image> kept;
  render::Image image;
  auto start = Clock::now();
  for (int t = 0; t < frames; ++t) {
    render::FrameContent frame = render::ClipFrame(w.clip, t, "", base.render.side_by_side);
    frame.lookat = path[t].lookat;
    frame.distance_m = path[t].distance_m;
    if (absl::Status s = (*renderer)->Render(frame, &image); !s.ok()) return s;
    if (t % 10 == 0) kept.push_back(image);
  }
  r.draw_fps = frames / Since(start);
  renderer->reset();
  // 3. encoding alone: the kept frames, cycled
  start = Clock::now();
  absl::StatusOr<std::unique_ptr<render::VideoWriter>> writer = render::VideoWriter::Open(
      absl::StrCat(dir, "/encode", round, ".mp4"), base.render.width, base.render.height, w.clip.frame_rate, base.video);
  if (!writer.ok()) return writer.status();
  for (int t = 0; t < frames; ++t) {
    if (absl::Status s = (*writer)->Write(kept[(t / 10) % kept.size()]); !s.ok()) return s;
  }
  if (absl::Status s = (*writer)->Finish(); !s.ok()) return s;
  r.encode_fps = frames / Since(start);
  return r;
}

// --profile: one child process per variant (a process binds one GL implementation), each a
// shorter run of this benchmark; their JSON lines are printed as they come.
int Profile(const Argv& passthrough, int frames) {
  struct Variant {
    const char* name;
    std::vector<std::pair<const char*, const char*>> env;
    std::vector<std::string> args;
  };
  const std::vector<Variant> variants = {
      {"egl (default)", {}, {"--gl", "egl"}},
      {"osmesa", {}, {"--gl", "osmesa"}},
      {"osmesa, LP_NUM_THREADS=1", {{"LP_NUM_THREADS", "1"}}, {"--gl", "osmesa"}},
      {"osmesa, LP_NUM_THREADS=0 (rasterise on the calling thread)", {{"LP_NUM_THREADS", "0"}}, {"--gl", "osmesa"}},
      {"osmesa, GALLIUM_DRIVER=softpipe", {{"GALLIUM_DRIVER", "softpipe"}}, {"--gl", "osmesa"}},
      {"egl, shadows on", {}, {"--gl", "egl", "--shadows", "1"}},
      {"egl, 4x anti-aliasing", {}, {"--gl", "egl", "--multisamples", "4"}},
  };
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  int failures = 0;
  for (const Variant& v : variants) {
    std::fprintf(stderr, "bench render --profile: %s\n", v.name);
    std::vector<std::string> args = {self, "bench", "render", "--rounds", "1", "--frames", absl::StrCat(frames),
                                     "--variant", v.name};
    args.insert(args.end(), v.args.begin(), v.args.end());
    args.insert(args.end(), passthrough.begin(), passthrough.end());
    const pid_t pid = fork();
    if (pid == 0) {
      for (const auto& [key, value] : v.env) setenv(key, value, 1);
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(self.c_str(), argv.data());
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
  }
  return failures == 0 ? 0 : 1;
}

const CommandSpec& Spec() {
  static const auto* spec = new CommandSpec{
      "bench render",
      "frames/s of a rollout video (every layer of the default view) rendered and encoded to MP4, against the "
      "clip's own frame rate (real time); ratio = render fps / clip fps",
      {
          {"rounds", FlagType::kInt, "3", "rounds", "measured rounds after the warm-up"},
          {"frames", FlagType::kInt, "250", "frames", "clip length"},
          {"width", FlagType::kInt, "640", "px", "frame width"},
          {"height", FlagType::kInt, "480", "px", "frame height"},
          {"gl", FlagType::kString, "auto", "auto|egl|osmesa", "offscreen OpenGL"},
          {"shadows", FlagType::kInt, "-1", "-1|0|1", "the light's shadow (-1: only with a GPU)"},
          {"multisamples", FlagType::kInt, "0", "samples", "anti-aliasing samples"},
          {"codec", FlagType::kString, "auto", "auto|h264|mpeg4", "video codec"},
          {"preset", FlagType::kString, "veryfast", "x264 preset", "H.264 speed/size trade-off"},
          {"layers", FlagType::kString, "all", "LIST", "what to draw (as mimic render --layers)"},
          {"profile", FlagType::kBool, "", "", "run the variants (EGL/OSMesa, LP_NUM_THREADS, softpipe, shadows, "
                                               "MSAA) as child processes, 100 frames and 1 round each"},
          {"variant", FlagType::kString, "", "NAME", "a name put in the JSON line (the profile's children)"},
          {"keep", FlagType::kBool, "", "", "keep the rounds' videos in the temporary directory"},
      },
      {"./mimic bench render", "./mimic bench render --gl osmesa --rounds 5", "./mimic bench render --profile"},
  };
  return *spec;
}

}  // namespace

int BenchRender(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(Spec(), argv, &exit_code);
  if (!args) return exit_code;
  const int rounds = args->Int("rounds");
  const int frames = args->Int("frames");
  if (rounds < 1 || frames < 10) {
    return Fail("bench render", absl::InvalidArgumentError("--rounds must be >= 1 and --frames >= 10"));
  }
  render::ClipVideoOptions options;
  options.render.width = args->Int("width");
  options.render.height = args->Int("height");
  options.render.shadows = args->Int("shadows");
  options.render.multisamples = args->Int("multisamples");
  options.video.codec = args->String("codec");
  options.video.preset = args->String("preset");
  auto layers = render::ParseLayers(args->String("layers"));
  if (!layers.ok()) return Fail("bench render", layers.status());
  options.render.layers = *layers;
  auto backend = render::ParseGlBackend(args->String("gl"));
  if (!backend.ok()) return Fail("bench render", backend.status());
  options.render.backend = *backend;
  if (absl::Status s = options.render.Validate(); !s.ok()) return Fail("bench render", s);
  if (absl::Status s = options.video.Validate(); !s.ok()) return Fail("bench render", s);
  if (args->Bool("profile")) {
    Argv passthrough;
    for (const char* flag : {"width", "height", "codec", "preset"}) {
      if (args->Has(flag)) passthrough.insert(passthrough.end(), {absl::StrCat("--", flag), args->String(flag)});
    }
    return Profile(passthrough, args->Has("frames") ? frames : 100);
  }

  absl::StatusOr<Workload> workload = MakeWorkload(frames);
  if (!workload.ok()) return Fail("bench render", workload.status());
  const std::string dir = (std::filesystem::temp_directory_path() / absl::StrCat("mimic-bench-render-", getpid())).string();
  std::filesystem::create_directories(dir);
  const double clip_fps = workload->clip.frame_rate;
  std::fprintf(stderr, "bench render: %d frames at %dx%d, %d keypoints, ghost and text; a warm-up, then %d rounds "
                       "(load average %s)\n",
               frames, options.render.width, options.render.height, workload->clip.num_keypoints, rounds,
               LoadAverage().c_str());
  // ours: a round of the whole path (file checked), then drawing alone and encoding alone
  std::vector<RenderRound> measured;
  int round_index = 0;
  Measurement ours = [&]() -> absl::StatusOr<Figures> {
    MIMIC_ASSIGN_OR_RETURN(RenderRound r, MeasureRound(*workload, options, dir, round_index++));
    std::fprintf(stderr, "  %.1f frames/s rendered and encoded (drawing alone %.1f, encoding alone %.1f; %.1f ms CPU "
                         "per frame)\n",
                 r.full_fps, r.draw_fps, r.encode_fps, r.cpu_ms_per_frame);
    measured.push_back(r);
    return Figures{{"render_fps", r.full_fps}, {"draw_only_fps", r.draw_fps}, {"encode_only_fps", r.encode_fps},
                   {"cpu_ms_per_frame", r.cpu_ms_per_frame}};
  };
  // the reference is real time: the clip's own frame rate, not a measurement
  Measurement reference = [&]() -> absl::StatusOr<Figures> { return Figures{{"clip_fps", clip_fps}}; };
  auto ratio = [](const Figures& o, const Figures& r) { return FigureOf(o, "render_fps") / FigureOf(r, "clip_fps"); };
  RoundsOptions round_options;
  round_options.rounds = rounds;
  absl::StatusOr<RoundsResult> result = RunRounds(round_options, ours, reference, ratio);
  if (!args->Bool("keep")) std::filesystem::remove_all(dir);
  if (!result.ok()) return Fail("bench render", result.status());
  // the median round's own details (the warm-up is measured[0])
  const RenderRound& median = measured[1 + result->median_index];
  const char* lp = std::getenv("LP_NUM_THREADS");
  const char* gallium = std::getenv("GALLIUM_DRIVER");
  JsonLine line("render");
  if (args->Has("variant")) line.Add("variant", args->String("variant"));
  line.Add("width", options.render.width)
      .Add("height", options.render.height)
      .Add("frames", frames)
      .Add("keypoints", workload->clip.num_keypoints)
      .Add("gl", median.gl)
      .Add("shadows", median.shadows ? 1 : 0)
      .Add("multisamples", options.render.multisamples)
      .Add("lp_num_threads", lp ? lp : "")
      .Add("gallium_driver", gallium ? gallium : "")
      .Add("codec", median.codec)
      .Add("load_average", LoadAverage())
      // the slower stage alone says what bounds the pipeline (the two overlap on their own threads)
      .Add("limit", median.draw_fps < median.encode_fps ? "drawing" : "encoding")
      .Add("reference", "the clip's own frame rate (real time)");
  std::printf("%s\n", line.Finish(*result).c_str());
  return 0;
}

}  // namespace mimic::bench
