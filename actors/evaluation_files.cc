#include "actors/evaluation_files.h"

#include <filesystem>
#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace mimic {
namespace {

constexpr char kFixedColumns[] =
    "wall_s,version,clip,clip_id,split,policy,episodes,completion,resets,reward_per_step,keypoint_error_mm,"
    "keypoint_error_median_mm,body_error_mm,end_effector_error_mm,com_error_mm,joint_error_rad";
constexpr char kPartPrefix[] = "keypoint_error_median_mm_";

// The body parts named by an existing file's header, or those of these evaluations.
std::vector<std::string> PartColumns(const std::string& path, const std::vector<LabelledEvaluation>& evaluations) {
  std::vector<std::string> parts;
  std::ifstream in(path);
  std::string header;
  if (std::getline(in, header)) {
    for (const std::string& column : std::vector<std::string>(absl::StrSplit(header, ','))) {
      if (column.rfind(kPartPrefix, 0) == 0) parts.push_back(column.substr(sizeof(kPartPrefix) - 1));
    }
    return parts;
  }
  std::set<std::string> seen;
  for (const LabelledEvaluation& e : evaluations) {
    for (const ClipEpisode& episode : e.result->episodes) {
      for (const auto& [part, values] : episode.keypoint_errors_mm_by_part) seen.insert(part);
    }
  }
  return std::vector<std::string>(seen.begin(), seen.end());
}

}  // namespace

std::vector<std::vector<const ClipEpisode*>> EpisodesByClip(const PolicyEvaluation& result, int episodes_per_clip) {
  std::vector<std::vector<const ClipEpisode*>> clips;
  for (size_t i = 0; i < result.episodes.size(); ++i) {
    if (i % episodes_per_clip == 0) clips.emplace_back();
    clips.back().push_back(&result.episodes[i]);
  }
  return clips;
}

absl::Status AppendClipRows(const std::string& path, double wall_s, int64_t version,
                            const std::vector<LabelledEvaluation>& evaluations) {
  const bool fresh = !std::filesystem::exists(path) || std::filesystem::is_empty(path);
  const std::vector<std::string> parts = PartColumns(path, evaluations);
  std::ofstream csv(path, std::ios::app);
  if (fresh) {
    csv << kFixedColumns;
    for (const std::string& part : parts) csv << "," << kPartPrefix << part;
    csv << "\n";
  }
  for (const LabelledEvaluation& e : evaluations) {
    for (const auto& episodes : EpisodesByClip(*e.result, std::max(1, e.episodes_per_clip))) {
      const ClipEpisode& first = *episodes.front();
      const ImitationSummary s = Summarize(episodes);
      double resets = 0;
      for (const ClipEpisode* episode : episodes) resets += episode->resets;
      csv << absl::StrFormat("%.1f,%d,%s,%d,%s,%s,%d,%.4f,%.2f,%.5f,%.3f,%.3f,%.3f,%.3f,%.3f,%.5f", wall_s, version,
                             first.clip, first.clip_id, first.held_out ? "held_out" : "train", e.policy, s.episodes,
                             s.completion, resets / s.episodes, s.reward_per_step, s.keypoint_error_mm,
                             s.keypoint_error_median_mm, s.body_error_mm, s.end_effector_error_mm, s.com_error_mm,
                             s.joint_error_rad);
      for (const std::string& part : parts) {
        auto it = s.keypoint_error_median_mm_by_part.find(part);
        csv << absl::StrFormat(",%.3f", it == s.keypoint_error_median_mm_by_part.end() ? std::nan("") : it->second);
      }
      csv << "\n";
    }
  }
  if (!csv.good()) return absl::UnavailableError("cannot append to " + path);
  return absl::OkStatus();
}

}  // namespace mimic
