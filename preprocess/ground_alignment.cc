#include "preprocess/ground_alignment.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "absl/strings/str_cat.h"

namespace mimic::preprocess {
namespace {

bool IsFloor(const mjModel* m, int geom) {
  return m->geom_type[geom] == mjGEOM_PLANE && m->body_weldid[m->geom_bodyid[geom]] == 0;
}

// The value below which `percentile` percent of `values` lie (linear between order statistics).
double Percentile(std::vector<double> values, double percentile) {
  std::sort(values.begin(), values.end());
  const double position = std::clamp(percentile, 0.0, 100.0) / 100.0 * (values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(position));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (position - lo) * (values[hi] - values[lo]);
}

}  // namespace

absl::StatusOr<std::vector<double>> FloorGaps(const mjModel* model, const std::vector<double>& qpos, int frames) {
  if (frames <= 0 || qpos.size() != static_cast<size_t>(frames) * model->nq) {
    return absl::InvalidArgumentError(absl::StrCat("FloorGaps: ", qpos.size(), " pose values for ", frames,
                                                   " frames of ", model->nq));
  }
  // A copy whose floor planes see every geom within a metre: each collidable geom then reports its
  // signed distance to the floor as a contact.
  std::unique_ptr<mjModel, void (*)(mjModel*)> m(mj_copyModel(nullptr, model), mj_deleteModel);
  bool has_floor = false;
  for (int g = 0; g < m->ngeom; ++g) {
    if (IsFloor(m.get(), g)) {
      m->geom_margin[g] = 1.0;
      has_floor = true;
    }
  }
  if (!has_floor) return absl::InvalidArgumentError("the model has no floor (a plane geom of the world body)");
  std::unique_ptr<mjData, void (*)(mjData*)> d(mj_makeData(m.get()), mj_deleteData);
  std::vector<double> gaps(frames);
  for (int t = 0; t < frames; ++t) {
    std::copy(qpos.begin() + static_cast<size_t>(t) * m->nq, qpos.begin() + static_cast<size_t>(t + 1) * m->nq,
              d->qpos);
    mj_fwdPosition(m.get(), d.get());
    double lowest = std::numeric_limits<double>::infinity();
    for (int i = 0; i < d->ncon; ++i) {
      const mjContact& c = d->contact[i];
      if (IsFloor(m.get(), c.geom1) != IsFloor(m.get(), c.geom2)) lowest = std::min(lowest, static_cast<double>(c.dist));
    }
    if (!std::isfinite(lowest)) {
      return absl::InvalidArgumentError(
          absl::StrCat("frame ", t, ": no geom of the body can touch the floor (or it is over a metre away)"));
    }
    gaps[t] = lowest;
  }
  return gaps;
}

absl::StatusOr<Grounding> GroundRecording(const mjModel* model, double percentile, KeypointData* keypoints,
                                          StacResult* result) {
  Grounding grounding;
  if (percentile < 0) return grounding;
  if (model->njnt == 0 || model->jnt_type[0] != mjJNT_FREE) {
    return absl::InvalidArgumentError("grounding needs a free root joint (its height is what moves)");
  }
  const int frames = keypoints->num_frames;
  auto gaps = FloorGaps(model, result->qpos, frames);
  if (!gaps.ok()) return absl::Status(gaps.status().code(), absl::StrCat("grounding: ", gaps.status().message()));
  grounding.applied = true;
  grounding.min_gap_m = *std::min_element(gaps->begin(), gaps->end());
  grounding.median_gap_m = Percentile(*gaps, 50);
  grounding.shift_m = -Percentile(*gaps, percentile);
  const int root_z = model->jnt_qposadr[0] + 2;
  for (int t = 0; t < frames; ++t) {
    result->qpos[static_cast<size_t>(t) * model->nq + root_z] += grounding.shift_m;
    for (int k = 0; k < keypoints->num_keypoints; ++k) keypoints->at(t, k)[2] += grounding.shift_m;  // NaN stays NaN
  }
  return grounding;
}

}  // namespace mimic::preprocess
