#include "actors/evaluation_files.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace mimic {
namespace {

constexpr char kFixedColumns[] =
    "wall_s,version,clip,clip_id,split,policy,episodes,completion,resets,reward_per_step,keypoint_error_mm,"
    "keypoint_error_median_mm,keypoint_height_bias_mm,keypoint_horizontal_error_mm,body_error_mm,"
    "end_effector_error_mm,com_error_mm,joint_error_rad";
constexpr char kRewardPrefix[] = "reward_";
constexpr char kPartPrefix[] = "keypoint_error_median_mm_";

// The variable columns: the reward's terms, then the body parts.
struct VariableColumns {
  std::vector<std::string> reward_terms, parts;
};

// The variable columns a header names after the fixed ones, or nullopt when it is not a header
// this version writes (other fixed columns, unknown or out-of-order variable ones).
std::optional<VariableColumns> HeaderColumns(std::string header) {
  if (!header.empty() && header.back() == '\r') header.pop_back();
  const std::string fixed = kFixedColumns;
  if (header.rfind(fixed, 0) != 0) return std::nullopt;
  VariableColumns columns;
  if (header.size() == fixed.size()) return columns;
  if (header[fixed.size()] != ',') return std::nullopt;
  for (const std::string& column : std::vector<std::string>(absl::StrSplit(header.substr(fixed.size() + 1), ','))) {
    if (column.rfind(kRewardPrefix, 0) == 0 && column.size() > sizeof(kRewardPrefix) - 1 && columns.parts.empty()) {
      columns.reward_terms.push_back(column.substr(sizeof(kRewardPrefix) - 1));
    } else if (column.rfind(kPartPrefix, 0) == 0 && column.size() > sizeof(kPartPrefix) - 1) {
      columns.parts.push_back(column.substr(sizeof(kPartPrefix) - 1));
    } else {
      return std::nullopt;
    }
  }
  return columns;
}

// The variable columns of these evaluations, for a new file.
VariableColumns ColumnsOf(const std::vector<LabelledEvaluation>& evaluations) {
  std::set<std::string> parts, terms;
  for (const LabelledEvaluation& e : evaluations) {
    for (const ClipEpisode& episode : e.result->episodes) {
      for (const auto& [part, values] : episode.keypoint_errors_mm_by_part) parts.insert(part);
      for (const auto& [term, value] : episode.reward_terms) terms.insert(term);
    }
  }
  VariableColumns columns;
  columns.parts.assign(parts.begin(), parts.end());
  columns.reward_terms.assign(terms.begin(), terms.end());
  return columns;
}

// Renames `path` to the first free PATH.old, PATH.old.1, ...
absl::Status MoveAside(const std::string& path) {
  std::string aside = path + ".old";
  for (int i = 1; std::filesystem::exists(aside); ++i) aside = absl::StrCat(path, ".old.", i);
  std::error_code ec;
  std::filesystem::rename(path, aside, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot move ", path, " aside to ", aside, ": ", ec.message()));
  return absl::OkStatus();
}

// The value named `key`, or NaN.
double ValueOr(const std::map<std::string, double>& values, const std::string& key) {
  auto it = values.find(key);
  return it == values.end() ? std::nan("") : it->second;
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
  VariableColumns columns = ColumnsOf(evaluations);
  bool fresh = true;
  if (std::ifstream in(path); in) {
    std::string header;
    if (std::getline(in, header)) {
      if (std::optional<VariableColumns> existing = HeaderColumns(header)) {
        columns = *std::move(existing);  // rows follow the file's columns
        fresh = false;
      } else {
        in.close();
        MIMIC_RETURN_IF_ERROR(MoveAside(path));  // another version's file: kept, and a new one begun
      }
    }
  }
  std::ofstream csv(path, std::ios::app);
  if (fresh) {
    csv << kFixedColumns;
    for (const std::string& term : columns.reward_terms) csv << "," << kRewardPrefix << term;
    for (const std::string& part : columns.parts) csv << "," << kPartPrefix << part;
    csv << "\n";
  }
  for (const LabelledEvaluation& e : evaluations) {
    for (const auto& episodes : EpisodesByClip(*e.result, std::max(1, e.episodes_per_clip))) {
      const ClipEpisode& first = *episodes.front();
      const ImitationSummary s = Summarize(episodes);
      double resets = 0;
      for (const ClipEpisode* episode : episodes) resets += episode->resets;
      csv << absl::StrFormat("%.1f,%d,%s,%d,%s,%s,%d,%.4f,%.2f,%.5f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.5f", wall_s,
                             version, first.clip, first.clip_id, first.held_out ? "held_out" : "train", e.policy,
                             s.episodes, s.completion, resets / s.episodes, s.reward_per_step, s.keypoint_error_mm,
                             s.keypoint_error_median_mm, s.keypoint_height_bias_mm, s.keypoint_horizontal_error_mm,
                             s.body_error_mm, s.end_effector_error_mm, s.com_error_mm, s.joint_error_rad);
      for (const std::string& term : columns.reward_terms) csv << absl::StrFormat(",%.5f", ValueOr(s.reward_terms, term));
      for (const std::string& part : columns.parts) {
        csv << absl::StrFormat(",%.3f", ValueOr(s.keypoint_error_median_mm_by_part, part));
      }
      csv << "\n";
    }
  }
  if (!csv.good()) return absl::UnavailableError("cannot append to " + path);
  return absl::OkStatus();
}

}  // namespace mimic
