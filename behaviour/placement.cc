#include "behaviour/placement.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "behaviour/tsne.h"

namespace mimic::behaviour {

absl::StatusOr<RowMatrix> PlaceIntoMap(const RowMatrix& train_x, const RowMatrix& train_y, const RowMatrix& x,
                                       const PlacementOptions& options,
                                       const std::function<bool(int64_t, int64_t)>& progress) {
  if (train_x.rows() != train_y.rows() || train_y.cols() != 2 || train_x.rows() == 0) {
    return absl::InvalidArgumentError("placement needs embedded training frames");
  }
  if (x.cols() != train_x.cols()) {
    return absl::InvalidArgumentError(absl::StrCat("frames have ", x.cols(), " features, the map's ", train_x.cols()));
  }
  if (options.neighbours < 1 || !(options.perplexity >= 1)) return absl::InvalidArgumentError("bad placement options");
  VpTree tree(train_x, 1);
  const int k = std::min<int>(options.neighbours, static_cast<int>(train_x.rows()));
  RowMatrix y(x.rows(), 2);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const std::vector<Neighbour> nn = tree.Search(x.row(i).data(), k);
    const std::vector<double> w = PerplexityWeights(nn, std::min<double>(options.perplexity, k));
    y.row(i).setZero();
    for (size_t j = 0; j < nn.size(); ++j) y.row(i) += w[j] * train_y.row(nn[j].index);
    if (progress && ((i + 1) % 1000 == 0 || i + 1 == x.rows()) && !progress(i + 1, x.rows())) {
      return absl::CancelledError(absl::StrCat("placement cancelled after ", i + 1, " frames"));
    }
  }
  return y;
}

}  // namespace mimic::behaviour
