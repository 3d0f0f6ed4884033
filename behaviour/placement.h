// Placing frames that t-SNE did not see into its map: each new frame goes to the weighted mean of
// the embedded positions of its k nearest training frames in feature space, weighted by a
// Gaussian whose width matches a small perplexity (so the nearest few dominate). A cheap stand-in
// for Berman et al.'s re-embedding (which minimises each point's KL divergence to the map); new
// frames land inside the region of the training frames they resemble.
#ifndef MIMIC_BEHAVIOUR_PLACEMENT_H_
#define MIMIC_BEHAVIOUR_PLACEMENT_H_

#include <functional>

#include "absl/status/statusor.h"
#include "behaviour/vp_tree.h"

namespace mimic::behaviour {

struct PlacementOptions {
  int neighbours = 15;
  double perplexity = 5;
};

// `train_x` (N x d) and their embedding `train_y` (N x 2); returns (M x 2) for the rows of `x`.
// `progress(done, total)` is called every 1000 rows and at the end; returning false cancels.
absl::StatusOr<RowMatrix> PlaceIntoMap(const RowMatrix& train_x, const RowMatrix& train_y, const RowMatrix& x,
                                       const PlacementOptions& options = {},
                                       const std::function<bool(int64_t, int64_t)>& progress = nullptr);

}  // namespace mimic::behaviour

#endif  // MIMIC_BEHAVIOUR_PLACEMENT_H_
