#include "preprocess/stac_job.h"

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/progress.h"
#include "common/status_macros.h"
#include "envs/clip_io.h"
#include "common/text_proto.h"
#include "preprocess/clip_builder.h"
#include "preprocess/keypoint_cleaning.h"
#include "preprocess/keypoint_loaders.h"
#include "preprocess/stac_report.h"

namespace mimic::preprocess {

absl::StatusOr<StacConfig> ReadStacConfig(const std::string& path) { return ReadTextProto<StacConfig>(path); }

absl::StatusOr<StacOutcome> RunStacJob(const StacJob& job) {
  MIMIC_ASSIGN_OR_RETURN(StacConfig config, ReadStacConfig(job.config));
  if (job.guard != nullptr) {
    MIMIC_ASSIGN_OR_RETURN(std::string model, job.guard->Resolve(config.model_path(), /*must_exist=*/true));
    config.set_model_path(model);
  }
  MIMIC_ASSIGN_OR_RETURN(auto stac, StacModel::Create(config));
  LoadOptions load;
  load.instance = job.instance;
  MIMIC_ASSIGN_OR_RETURN(KeypointData raw, LoadKeypoints(job.keypoints, load));
  MIMIC_ASSIGN_OR_RETURN(KeypointData keypoints, CleanKeypoints(raw, config));
  StacOptions options;
  options.threads = job.threads > 0 ? job.threads : config.threads();
  options.on_progress = job.on_progress;
  options.cancelled = job.cancelled;
  MIMIC_ASSIGN_OR_RETURN(StacResult result, RunStac(*stac, keypoints, options));
  std::vector<ReferenceClip> clips = BuildClips(*stac, keypoints, result);
  if (clips.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(job.keypoints, " is too short for one clip of ",
                                                   kMinClipFrames, " frames"));
  }
  MIMIC_RETURN_IF_ERROR(WriteClips(job.out, clips, [&](H5File& file) {
    return WriteRegistration(file, *stac, result);
  }));
  const StacReport report = Summarize(*stac, result);
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
  std::ofstream svg(figure);
  svg << ReportSvg(report, result, keypoints.frame_rate);
  if (svg.good()) out.figure = figure;
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
