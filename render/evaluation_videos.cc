#include "render/evaluation_videos.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/h5_file.h"
#include "common/status_macros.h"
#include "render/clip_video.h"
#include "render/finite_mean.h"

namespace mimic::render {
namespace {

constexpr const char* kIndexHeader = "version,kind,clip,frames,reward_per_step,error_mm,width,height,video,still";

std::string Escape(const std::string& s) {
  return absl::StrReplaceAll(s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

}  // namespace

absl::Status EvaluationVideoOptions::Validate() const {
  if (dir.empty()) return absl::InvalidArgumentError("evaluation videos need a directory");
  if (!(min_interval_s >= 0)) return absl::InvalidArgumentError("video_min_interval_s must be >= 0");
  if (max_frames < 1 || max_frames > 100000) {
    return absl::InvalidArgumentError(absl::StrCat("video_max_frames must be in [1, 100000], got ", max_frames));
  }
  RenderOptions render;
  render.width = width;
  render.height = height;
  return render.Validate();
}

absl::StatusOr<std::unique_ptr<EvaluationVideos>> EvaluationVideos::Create(std::shared_ptr<const EnvContext> context,
                                                                          const EvaluationVideoOptions& options) {
  MIMIC_RETURN_IF_ERROR(options.Validate());
  if (context == nullptr || context->library().num_clips() == 0) {
    return absl::FailedPreconditionError("evaluation videos need the environment's reference clips");
  }
  std::unique_ptr<EvaluationVideos> v(new EvaluationVideos());
  v->context_ = std::move(context);
  v->options_ = options;
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat("cannot create ", options.dir, ": ", ec.message()));
  if (!options.clips_path.empty()) {
    MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<H5File> clips, H5File::Open(options.clips_path));
    MIMIC_ASSIGN_OR_RETURN(v->sites_, ReadKeypointSites(*clips, v->context_->model(), options.stac_config));
  }
  v->model_scale_ = v->context_->library().clip(0).clip.model_scale;
  return v;
}

absl::StatusOr<EvaluationVideoRow> EvaluationVideos::Write(int64_t version, const std::string& kind,
                                                           const EvaluationEpisode& episode) {
  const ReferenceLibrary& library = context_->library();
  if (episode.clip < 0 || episode.clip >= library.num_clips()) {
    return absl::InvalidArgumentError(absl::StrCat("episode of clip ", episode.clip, "; the library has ",
                                                   library.num_clips()));
  }
  const ReferenceClip& reference = library.clip(episode.clip).clip;
  const mjModel* model = context_->model();
  const int steps = static_cast<int>(episode.frames.size());
  if (steps == 0 || episode.qpos.size() != static_cast<size_t>(steps) * model->nq) {
    return absl::InvalidArgumentError(absl::StrCat("episode of ", steps, " frames with ", episode.qpos.size(),
                                                   " pose values (nq = ", model->nq, ")"));
  }
  const int T = std::min(steps, options_.max_frames);
  ClipParts parts;
  parts.name = reference.name;
  parts.source = "evaluation";
  parts.frame_rate = reference.frame_rate;
  parts.qpos.assign(episode.qpos.begin(), episode.qpos.begin() + static_cast<size_t>(T) * model->nq);
  parts.reference = &reference;
  parts.reference_frames.assign(episode.frames.begin(), episode.frames.begin() + T);
  parts.ends.assign(T, "");
  if (T == steps && !episode.end.empty()) parts.ends[T - 1] = episode.end;
  MIMIC_ASSIGN_OR_RETURN(RenderClip clip, BuildRenderClip(model, sites_.has_value() ? &*sites_ : nullptr, std::move(parts)));

  // the still: the frame where the error is largest
  const std::vector<double>& error = !clip.keypoint_error_mm.empty() ? clip.keypoint_error_mm : clip.body_error_mm;
  int worst_frame = 0;
  for (int t = 0; t < T; ++t) {
    if (std::isfinite(error[t]) && error[t] > error[worst_frame]) worst_frame = t;
  }
  const std::string stem = absl::StrFormat("v%d_%s", version, kind);
  ClipVideoOptions video;
  video.render.width = options_.width;
  video.render.height = options_.height;
  video.render.backend = options_.backend;
  video.cancelled = options_.cancelled;
  video.out = options_.dir + "/" + stem + ".mp4";
  video.stills = {worst_frame};
  video.stills_prefix = options_.dir + "/" + stem;
  video.title = absl::StrFormat("policy v%d, %s episode (%.2f reward/step)", version, kind, episode.reward_per_step);
  MIMIC_ASSIGN_OR_RETURN(ClipVideoResult result, RenderClipVideo(model, model_scale_, clip, video));

  EvaluationVideoRow row;
  row.version = version;
  row.kind = kind;
  row.clip = clip.name;
  row.frames = result.frames;
  row.reward_per_step = episode.reward_per_step;
  row.error_mm = MeanOfFinite(error);
  row.video = std::filesystem::path(result.video).filename().string();
  row.still = std::filesystem::path(result.stills.front()).filename().string();
  const std::string index = options_.dir + "/index.csv";
  const bool fresh = !std::filesystem::exists(index);
  std::ofstream csv(index, std::ios::app);
  if (fresh) csv << kIndexHeader << "\n";
  csv << absl::StrFormat("%d,%s,%s,%d,%.4f,%.2f,%d,%d,%s,%s\n", row.version, row.kind, row.clip, row.frames,
                         row.reward_per_step, row.error_mm, options_.width, options_.height, row.video, row.still);
  if (!csv.good()) return absl::UnavailableError(absl::StrCat("cannot append to ", index));
  return row;
}

absl::StatusOr<std::vector<EvaluationVideoRow>> EvaluationVideos::WriteEvaluation(int64_t version,
                                                                                   const EvaluationEpisode& best,
                                                                                   const EvaluationEpisode& worst) {
  const auto now = std::chrono::steady_clock::now();
  if (last_filmed_.has_value() &&
      std::chrono::duration<double>(now - *last_filmed_).count() < options_.min_interval_s) {
    return std::vector<EvaluationVideoRow>{};
  }
  last_filmed_ = now;
  std::vector<EvaluationVideoRow> rows;
  MIMIC_ASSIGN_OR_RETURN(EvaluationVideoRow b, Write(version, "best", best));
  rows.push_back(b);
  const bool same = &best == &worst || (best.clip == worst.clip && best.reward_per_step == worst.reward_per_step &&
                                        best.frames.size() == worst.frames.size());
  if (!same) {
    MIMIC_ASSIGN_OR_RETURN(EvaluationVideoRow w, Write(version, "worst", worst));
    rows.push_back(w);
  }
  return rows;
}

std::vector<EvaluationVideoRow> ReadEvaluationVideoIndex(const std::string& dir) {
  std::vector<EvaluationVideoRow> rows;
  std::ifstream in(dir + "/index.csv");
  std::string line;
  if (!std::getline(in, line) || line != kIndexHeader) return rows;
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = absl::StrSplit(line, ',');
    if (cells.size() != 10) continue;
    EvaluationVideoRow row;
    row.version = std::strtoll(cells[0].c_str(), nullptr, 10);
    row.kind = cells[1];
    row.clip = cells[2];
    row.frames = std::atoi(cells[3].c_str());
    row.reward_per_step = std::strtod(cells[4].c_str(), nullptr);
    row.error_mm = std::strtod(cells[5].c_str(), nullptr);
    row.video = cells[8];
    row.still = cells[9];
    rows.push_back(row);
  }
  return rows;
}

std::string EvaluationGallerySvg(const std::string& run_dir, const std::string& videos_subdir, int evaluations,
                                 int width) {
  const std::vector<EvaluationVideoRow> rows = ReadEvaluationVideoIndex(run_dir + "/" + videos_subdir);
  if (rows.empty()) return "";
  // the latest evaluations, newest first; best then worst in each
  std::map<int64_t, std::map<std::string, EvaluationVideoRow>, std::greater<int64_t>> by_version;
  for (const EvaluationVideoRow& row : rows) by_version[row.version][row.kind] = row;
  const int cell_w = (width - 90) / 2, cell_h = cell_w * 3 / 4, row_h = cell_h + 36;
  const int shown = std::min<int>(evaluations, by_version.size());
  const int height = 40 + shown * row_h;
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"%d\" "
      "height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" "
      "fill=\"white\"/>\n<text x=\"10\" y=\"22\" font-size=\"14\" font-weight=\"bold\">Evaluation videos: the best "
      "and worst episode of the latest evaluations, at the frame of largest error (click to play)</text>\n",
      width, height);
  int y = 40, n = 0;
  for (const auto& [version, kinds] : by_version) {
    if (n++ >= shown) break;
    absl::StrAppendFormat(&svg, "<text x=\"10\" y=\"%d\" font-weight=\"bold\">v%d</text>\n", y + cell_h / 2, version);
    int x = 80;
    for (const char* kind : {"best", "worst"}) {
      auto it = kinds.find(kind);
      if (it != kinds.end()) {
        const EvaluationVideoRow& r = it->second;
        const std::string video = Escape(videos_subdir + "/" + r.video), still = Escape(videos_subdir + "/" + r.still);
        absl::StrAppendFormat(&svg,
                              "<a href=\"%s\" xlink:href=\"%s\"><image href=\"%s\" xlink:href=\"%s\" x=\"%d\" y=\"%d\" "
                              "width=\"%d\" height=\"%d\"/></a>\n<text x=\"%d\" y=\"%d\">%s: %s, %.2f reward/step, "
                              "%.1f mm, %d frames</text>\n",
                              video, video, still, still, x, y, cell_w, cell_h, x, y + cell_h + 16, kind,
                              Escape(r.clip), r.reward_per_step, r.error_mm, r.frames);
      }
      x += cell_w + 10;
    }
    y += row_h;
  }
  return svg + "</svg>\n";
}

}  // namespace mimic::render
