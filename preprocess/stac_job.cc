#include "preprocess/stac_job.h"

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/progress.h"
#include "common/read_limits.h"
#include "common/status_macros.h"
#include "envs/clip_io.h"
#include "common/text_proto.h"
#include "preprocess/clip_builder.h"
#include "preprocess/ground_alignment.h"
#include "preprocess/keypoint_cleaning.h"
#include "preprocess/keypoint_loaders.h"
#include "preprocess/stac_report.h"

namespace mimic::preprocess {

absl::StatusOr<StacConfig> ReadStacConfig(const std::string& path) { return ReadTextProto<StacConfig>(path); }

absl::StatusOr<StacOutcome> RunStacJob(const StacJob& job) {
  MIMIC_ASSIGN_OR_RETURN(StacConfig config, ReadStacConfig(job.config));
  if (job.files != nullptr) {
    auto model = job.files->Input(config.model_path());
    if (!model.ok()) return absl::Status(model.status().code(), absl::StrCat("model_path: ", model.status().message()));
    config.set_model_path(*model);
  }
  // the config's rates size the resampled clips as much as the file's own rate does
  for (const auto& [name, rate] : {std::pair<const char*, double>{"frame_rate", config.frame_rate()},
                                   {"output_rate", config.output_rate()}}) {
    if (!(rate >= job.limits.min_frame_rate && rate <= job.limits.max_frame_rate)) {
      return absl::InvalidArgumentError(absl::StrCat(job.config, ": ", name, " ", rate, " Hz is outside [",
                                                     job.limits.min_frame_rate, ", ", job.limits.max_frame_rate,
                                                     "] Hz"));
    }
  }
  MIMIC_ASSIGN_OR_RETURN(auto stac, StacModel::Create(config));
  LoadOptions load;
  load.instance = job.instance;
  load.limits = job.limits;
  MIMIC_ASSIGN_OR_RETURN(KeypointData raw, LoadKeypoints(job.keypoints, load));
  if (!job.keypoints_name.empty()) raw.source = job.keypoints_name;
  MIMIC_ASSIGN_OR_RETURN(KeypointData keypoints, CleanKeypoints(raw, config));
  MIMIC_RETURN_IF_ERROR(CheckTiming(keypoints.source, keypoints.num_frames, keypoints.frame_rate, job.limits));
  {
    // the clips resampled to output_rate: qpos, qvel, body poses and keypoints per output frame
    const mjModel* m = stac->model();
    const double out_frames = keypoints.num_frames * config.output_rate() / keypoints.frame_rate + 1;
    const double per_frame = 8.0 * (2 * m->nq + m->nv + 7 * m->nbody + 6 * keypoints.num_keypoints);
    const double bytes = out_frames * per_frame;
    MIMIC_RETURN_IF_ERROR(ChargeRead(bytes > 1e18 ? int64_t{1} << 62 : static_cast<int64_t>(bytes),
                                     absl::StrCat("the clips resampled from ", keypoints.source)));
  }
  StacOptions options;
  options.threads = job.threads > 0 ? job.threads : config.threads();
  options.on_progress = job.on_progress;
  options.cancelled = job.cancelled;
  MIMIC_ASSIGN_OR_RETURN(StacResult result, RunStac(*stac, keypoints, options));
  MIMIC_ASSIGN_OR_RETURN(const Grounding grounding,
                         GroundRecording(stac->model(), config.ground_percentile(), &keypoints, &result));
  std::vector<ReferenceClip> clips = BuildClips(*stac, keypoints, result);
  if (clips.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(job.keypoints, " is too short for one clip of ",
                                                   kMinClipFrames, " frames"));
  }
  MIMIC_RETURN_IF_ERROR(WriteClips(job.out, clips, [&](H5File& file) {
    return WriteRegistration(file, *stac, result);
  }));
  StacReport report = Summarize(*stac, result);
  report.grounded = grounding.applied;
  report.ground_shift_mm = 1000 * grounding.shift_m;
  report.floor_gap_min_mm = 1000 * grounding.min_gap_m;
  report.floor_gap_median_mm = 1000 * grounding.median_gap_m;
  StacOutcome out;
  out.frames = keypoints.num_frames;
  out.clips = static_cast<int>(clips.size());
  out.threads = result.threads;
  out.offset_seconds = result.offset_seconds;
  out.pose_pass_seconds = result.pose_pass_seconds;
  out.pose_pass_frames_per_s = result.pose_pass_seconds > 0 ? out.frames / result.pose_pass_seconds : 0;
  out.mean_residual_mm = report.overall.mean_mm;
  out.table = ReportTable(report);
  out.json = ReportJson(report, result, out.frames, out.clips);
  // the figure sits beside the clips: clips.h5 -> clips.stac.svg
  std::string figure = job.out;
  if (figure.size() > 3 && figure.compare(figure.size() - 3, 3, ".h5") == 0) figure.resize(figure.size() - 3);
  figure += ".stac.svg";
  // replaced in one step, never written through a link (common/atomic_file)
  MIMIC_RETURN_IF_ERROR(WriteFileAtomically(figure, ReportSvg(report, result, keypoints.frame_rate)));
  out.figure = figure;
  return out;
}

std::function<void(const StacProgress&)> StacProgressLines(const std::string& label) {
  // shared so the stage's line can be finished when the next stage starts
  struct State {
    std::string stage;
    std::unique_ptr<Progress> line;
  };
  auto state = std::make_shared<State>();
  return [state, label](const StacProgress& p) {
    if (p.stage == state->stage && !state->line) return;  // this stage's line is already finished
    if (p.stage != state->stage) {
      if (state->line) state->line->Finish();
      state->stage = p.stage;
      state->line = std::make_unique<Progress>(absl::StrCat(label, p.stage), p.total, "frames");
    }
    state->line->Update(p.done);
    if (p.done == p.total && p.stage == "pose pass") {
      state->line->Finish();
      state->line.reset();
    }
  };
}

}  // namespace mimic::preprocess
