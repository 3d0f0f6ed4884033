// Barnes-Hut t-SNE (van der Maaten 2014): input affinities from the 3 x perplexity nearest
// neighbours (vantage-point tree), each point's Gaussian bandwidth found by bisection to match the
// perplexity, symmetrised and normalised; a 2-D embedding optimised by gradient descent with
// momentum and per-parameter gains, the repulsive forces summed over a quadtree with the
// Barnes-Hut criterion (cell size / distance < theta). O(N log N) per iteration.
//
// Defaults follow common practice: perplexity 30, theta 0.5, 1000 iterations, early exaggeration
// 12 for the first 250 with momentum 0.5 (0.8 after), learning rate max(200, N / 12) (Belkina et al.
// 2019), initialisation by the first two principal components scaled to std 1e-4 (deterministic,
// keeps the global layout; Kobak & Linderman 2021).
#ifndef MIMIC_BEHAVIOUR_TSNE_H_
#define MIMIC_BEHAVIOUR_TSNE_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "behaviour/vp_tree.h"

namespace mimic::behaviour {

struct TsneOptions {
  double perplexity = 30;
  double theta = 0.5;
  int iterations = 1000;
  int exaggeration_iterations = 250;
  double exaggeration = 12;
  double learning_rate = 0;  // 0 = max(200, N / 12)
  uint64_t seed = 1;
  // Called every 50 iterations with (iteration, total); returning false stops with CANCELLED.
  std::function<bool(int, int)> on_iteration;

  absl::Status Validate() const;
};

// Sparse symmetric affinities P (rows sum over the whole matrix to 1), CSR.
struct Affinities {
  std::vector<int> row_start;  // (N + 1)
  std::vector<int> column;
  std::vector<double> value;
};

// Conditional Gaussian affinities of `neighbours` (distances, nearest first) at the given
// perplexity: weights p_j|i summing to 1. Exposed for the placement of new points.
std::vector<double> PerplexityWeights(const std::vector<Neighbour>& neighbours, double perplexity);

// The symmetrised input affinities of the rows of `x`.
Affinities InputAffinities(const RowMatrix& x, double perplexity, uint64_t seed);

// Embeds the rows of `x` (N x d) in 2-D: (N x 2).
absl::StatusOr<RowMatrix> Tsne(const RowMatrix& x, const TsneOptions& options = {});

}  // namespace mimic::behaviour

#endif  // MIMIC_BEHAVIOUR_TSNE_H_
