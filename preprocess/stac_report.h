// Residual statistics of a registration (mm, per keypoint, per body part and overall), as a
// table for people and as one JSON document for programs; and the registration datasets written
// beside the clips.
#ifndef MIMIC_PREPROCESS_STAC_REPORT_H_
#define MIMIC_PREPROCESS_STAC_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/h5_file.h"
#include "preprocess/stac_model.h"
#include "preprocess/stac_pipeline.h"

namespace mimic::preprocess {

struct ResidualStats {
  std::string name;
  int count = 0;
  double mean_mm = 0, median_mm = 0, p95_mm = 0;
};

struct StacReport {
  ResidualStats overall;
  std::vector<ResidualStats> keypoints;
  std::vector<ResidualStats> groups;
  // mean absolute change of joint angles between consecutive frames (rad) and its maximum:
  // large values would mean joint flips
  double mean_joint_step = 0, max_joint_step = 0;
  std::string max_step_joint;  // where the largest change happened
  int max_step_frame = 0;
  // grounding (preprocess/ground_alignment.h): the vertical shift applied to the recording and the
  // body's height above the floor before it
  bool grounded = false;
  double ground_shift_mm = 0, floor_gap_min_mm = 0, floor_gap_median_mm = 0;
};

StacReport Summarize(const StacModel& stac, const StacResult& result);
std::string ReportTable(const StacReport& report);
std::string ReportJson(const StacReport& report, const StacResult& result, int frames, int clips);

// An SVG figure: mean and 95th-percentile residual per keypoint, and the mean residual over time.
std::string ReportSvg(const StacReport& report, const StacResult& result, double frame_rate);

// /stac/{keypoint_names, keypoint_bodies, keypoint_groups, offsets (K,3), residuals_mm (T,K),
// qpos (T,nq)} with attributes.
absl::Status WriteRegistration(H5File& file, const StacModel& stac, const StacResult& result);

}  // namespace mimic::preprocess

#endif  // MIMIC_PREPROCESS_STAC_REPORT_H_
