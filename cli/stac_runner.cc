#include "cli/stac_runner.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "envs/clip_io.h"
#include "google/protobuf/text_format.h"
#include "preprocess/clip_builder.h"
#include "preprocess/keypoint_cleaning.h"
#include "preprocess/keypoint_loaders.h"
#include "preprocess/stac_report.h"

namespace mimic::cli {

absl::StatusOr<StacConfig> ReadStacConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("config file not found: ", path));
  std::stringstream text;
  text << in.rdbuf();
  StacConfig config;
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &config)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot parse ", path, " as a StacConfig (see proto/stac_config.proto)"));
  }
  return config;
}

absl::StatusOr<StacOutcome> RunStacJob(const StacJob& job) {
  MIMIC_ASSIGN_OR_RETURN(StacConfig config, ReadStacConfig(job.config));
  MIMIC_ASSIGN_OR_RETURN(auto stac, preprocess::StacModel::Create(config));
  preprocess::LoadOptions load;
  load.instance = job.instance;
  MIMIC_ASSIGN_OR_RETURN(preprocess::KeypointData raw, preprocess::LoadKeypoints(job.keypoints, load));
  MIMIC_ASSIGN_OR_RETURN(preprocess::KeypointData keypoints, preprocess::CleanKeypoints(raw, config));
  preprocess::StacOptions options;
  options.threads = job.threads > 0 ? job.threads : config.threads();
  options.on_progress = job.on_progress;
  options.cancelled = job.cancelled;
  MIMIC_ASSIGN_OR_RETURN(preprocess::StacResult result, preprocess::RunStac(*stac, keypoints, options));
  std::vector<ReferenceClip> clips = preprocess::BuildClips(*stac, keypoints, result);
  if (clips.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(job.keypoints, " is too short for one clip of ",
                                                   preprocess::kMinClipFrames, " frames"));
  }
  MIMIC_RETURN_IF_ERROR(WriteClips(job.out, clips, [&](H5File& file) {
    return preprocess::WriteRegistration(file, *stac, result);
  }));
  const preprocess::StacReport report = preprocess::Summarize(*stac, result);
  StacOutcome out;
  out.frames = keypoints.num_frames;
  out.clips = static_cast<int>(clips.size());
  out.threads = result.threads;
  out.offset_seconds = result.offset_seconds;
  out.pose_pass_seconds = result.pose_pass_seconds;
  out.pose_pass_frames_per_s = result.pose_pass_seconds > 0 ? out.frames / result.pose_pass_seconds : 0;
  out.mean_residual_mm = report.overall.mean_mm;
  out.table = preprocess::ReportTable(report);
  out.json = preprocess::ReportJson(report, result, out.frames, out.clips);
  return out;
}

}  // namespace mimic::cli
