#include "behaviour/tsne.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "absl/strings/str_cat.h"

namespace mimic::behaviour {
namespace {

// A quadtree over 2-D points holding each cell's point count and centre of mass.
class QuadTree {
 public:
  explicit QuadTree(const RowMatrix& y) : y_(y) {
    const double x0 = y.col(0).minCoeff(), x1 = y.col(0).maxCoeff(), y0 = y.col(1).minCoeff(), y1 = y.col(1).maxCoeff();
    nodes_.reserve(4 * y.rows());
    nodes_.push_back(Cell{0.5 * (x0 + x1), 0.5 * (y0 + y1), 0.5 * std::max(x1 - x0, y1 - y0) + 1e-9});
    for (Eigen::Index i = 0; i < y.rows(); ++i) Insert(0, static_cast<int>(i), 0);
  }

  // Adds the repulsive forces on point `self` (unnormalised: sum over j of q_ij^2 (y_i - y_j)) and
  // returns its share of Z = sum over j != i of q_ij, with q = 1 / (1 + d^2).
  double Repulsion(int node, int self, double theta2, double* fx, double* fy) const {
    const Cell& c = nodes_[node];
    if (c.count == 0) return 0;
    const double px = y_(self, 0), py = y_(self, 1);
    const double dx = px - c.sx / c.count, dy = py - c.sy / c.count;
    const double d2 = dx * dx + dy * dy;
    const double size = 2 * c.half;
    if (c.leaf || size * size < theta2 * d2) {
      // the cell as one body; a leaf at the point's own position holds the point itself
      const double n = c.count - (c.leaf && d2 < 1e-24 ? 1 : 0);
      if (n <= 0) return 0;
      const double q = 1.0 / (1.0 + d2);
      *fx += n * q * q * dx;
      *fy += n * q * q * dy;
      return n * q;
    }
    double z = 0;
    for (int child : c.child) {
      if (child >= 0) z += Repulsion(child, self, theta2, fx, fy);
    }
    return z;
  }

 private:
  struct Cell {
    double x, y, half;      // centre and half width
    double sx = 0, sy = 0;  // sums of the positions inside
    int count = 0;
    int point = -1;         // a leaf's point
    bool leaf = true;
    int child[4] = {-1, -1, -1, -1};
  };

  void Insert(int node, int i, int depth) {
    nodes_[node].sx += y_(i, 0);
    nodes_[node].sy += y_(i, 1);
    if (++nodes_[node].count == 1) {
      nodes_[node].point = i;
      return;
    }
    if (nodes_[node].leaf) {
      if (depth > 50) return;  // coincident points share a leaf
      const int existing = nodes_[node].point;
      nodes_[node].leaf = false;
      nodes_[node].point = -1;
      InsertBelow(node, existing, depth);
    }
    InsertBelow(node, i, depth);
  }

  void InsertBelow(int node, int i, int depth) {
    const int k = (y_(i, 0) > nodes_[node].x ? 1 : 0) + (y_(i, 1) > nodes_[node].y ? 2 : 0);
    if (nodes_[node].child[k] < 0) {
      const double h = nodes_[node].half / 2;
      nodes_.push_back(Cell{nodes_[node].x + (k & 1 ? h : -h), nodes_[node].y + (k & 2 ? h : -h), h});
      nodes_[node].child[k] = static_cast<int>(nodes_.size()) - 1;
    }
    Insert(nodes_[node].child[k], i, depth + 1);
  }

  const RowMatrix& y_;
  std::vector<Cell> nodes_;
};

RowMatrix PcaInitialisation(const RowMatrix& x) {
  const Eigen::RowVectorXd mean = x.colwise().mean();
  const Eigen::MatrixXd centred = x.rowwise() - mean;
  RowMatrix y(x.rows(), 2);
  if (x.cols() >= 2) {
    const Eigen::MatrixXd cov = centred.transpose() * centred / std::max<Eigen::Index>(1, x.rows() - 1);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
    y = centred * eig.eigenvectors().rightCols(2).rowwise().reverse();
  } else {
    y.col(0) = centred.col(0);
    y.col(1).setZero();
  }
  // std 1e-4 along the first axis
  const double sd = std::sqrt((y.col(0).array() - y.col(0).mean()).square().mean());
  if (sd > 0) y *= 1e-4 / sd;
  return y;
}

}  // namespace

absl::Status TsneOptions::Validate() const {
  if (!(perplexity >= 2 && perplexity <= 500)) return absl::InvalidArgumentError(absl::StrCat("perplexity must be in [2, 500], got ", perplexity));
  if (!(theta >= 0 && theta <= 1.5)) return absl::InvalidArgumentError(absl::StrCat("theta must be in [0, 1.5], got ", theta));
  if (iterations < 1 || iterations > 100000) return absl::InvalidArgumentError("iterations must be in [1, 100000]");
  if (exaggeration_iterations < 0 || !(exaggeration >= 1)) return absl::InvalidArgumentError("bad early exaggeration");
  if (learning_rate < 0) return absl::InvalidArgumentError("learning_rate must be >= 0");
  return absl::OkStatus();
}

std::vector<double> PerplexityWeights(const std::vector<Neighbour>& neighbours, double perplexity) {
  const size_t k = neighbours.size();
  std::vector<double> p(k, 0.0);
  if (k == 0) return p;
  // bisection on beta = 1 / (2 sigma^2) so that the entropy is log(perplexity); distances are
  // shifted by the nearest one, which leaves the normalised weights unchanged
  const double target = std::log(std::min(perplexity, static_cast<double>(k)));
  const double d0 = neighbours[0].distance * neighbours[0].distance;
  double beta = 1, lo = 0, hi = std::numeric_limits<double>::infinity();
  for (int it = 0; it < 200; ++it) {
    double sum = 0, weighted = 0;
    for (size_t j = 0; j < k; ++j) {
      const double d = neighbours[j].distance * neighbours[j].distance - d0;
      p[j] = std::exp(-beta * d);
      sum += p[j];
      weighted += d * p[j];
    }
    const double entropy = std::log(sum) + beta * weighted / sum;
    for (double& v : p) v /= sum;
    if (std::abs(entropy - target) < 1e-5) break;
    if (entropy > target) {
      lo = beta;
      beta = std::isinf(hi) ? beta * 2 : 0.5 * (beta + hi);
    } else {
      hi = beta;
      beta = 0.5 * (beta + lo);
    }
  }
  return p;
}

Affinities InputAffinities(const RowMatrix& x, double perplexity, uint64_t seed) {
  const int n = static_cast<int>(x.rows());
  const int k = std::min(n - 1, static_cast<int>(3 * perplexity));
  VpTree tree(x, seed);
  // conditional affinities, then P = (P_cond + P_cond') / (2N)
  std::vector<std::map<int, double>> rows(n);
  for (int i = 0; i < n; ++i) {
    const std::vector<Neighbour> nn = tree.Search(x.row(i).data(), k, i);
    const std::vector<double> p = PerplexityWeights(nn, perplexity);
    for (size_t j = 0; j < nn.size(); ++j) {
      rows[i][nn[j].index] += p[j];
      rows[nn[j].index][i] += p[j];
    }
  }
  Affinities a;
  a.row_start.push_back(0);
  for (int i = 0; i < n; ++i) {
    for (const auto& [j, v] : rows[i]) {
      a.column.push_back(j);
      a.value.push_back(v / (2.0 * n));
    }
    a.row_start.push_back(static_cast<int>(a.column.size()));
  }
  return a;
}

absl::StatusOr<RowMatrix> Tsne(const RowMatrix& x, const TsneOptions& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  const int n = static_cast<int>(x.rows());
  if (n < 4) return absl::InvalidArgumentError(absl::StrCat("t-SNE needs at least 4 points, got ", n));
  if (!x.allFinite()) return absl::InvalidArgumentError("t-SNE input holds NaN or infinite values");
  const double perplexity = std::min(options.perplexity, (n - 1) / 3.0);
  const Affinities p = InputAffinities(x, perplexity, options.seed);
  RowMatrix y = PcaInitialisation(x);
  RowMatrix velocity = RowMatrix::Zero(n, 2), gains = RowMatrix::Ones(n, 2), gradient(n, 2);
  const double rate = options.learning_rate > 0 ? options.learning_rate : std::max(200.0, n / 12.0);
  const double theta2 = options.theta * options.theta;
  for (int it = 0; it < options.iterations; ++it) {
    const bool exaggerated = it < options.exaggeration_iterations;
    const double exaggeration = exaggerated ? options.exaggeration : 1.0;
    const double momentum = exaggerated ? 0.5 : 0.8;
    // repulsion over the quadtree
    QuadTree tree(y);
    RowMatrix repulsive(n, 2);
    double z = 0;
    for (int i = 0; i < n; ++i) {
      double fx = 0, fy = 0;
      z += tree.Repulsion(0, i, theta2, &fx, &fy);
      repulsive(i, 0) = fx;
      repulsive(i, 1) = fy;
    }
    // attraction over the sparse affinities; gradient = 4 (exaggeration F_attr - F_rep / Z)
    for (int i = 0; i < n; ++i) {
      double ax = 0, ay = 0;
      for (int e = p.row_start[i]; e < p.row_start[i + 1]; ++e) {
        const int j = p.column[e];
        const double dx = y(i, 0) - y(j, 0), dy = y(i, 1) - y(j, 1);
        const double q = 1.0 / (1.0 + dx * dx + dy * dy);
        ax += p.value[e] * q * dx;
        ay += p.value[e] * q * dy;
      }
      gradient(i, 0) = 4 * (exaggeration * ax - repulsive(i, 0) / z);
      gradient(i, 1) = 4 * (exaggeration * ay - repulsive(i, 1) / z);
    }
    // delta-bar-delta gains, momentum step, recentre
    for (int i = 0; i < n; ++i)
      for (int d = 0; d < 2; ++d) {
        const bool same_sign = (gradient(i, d) > 0) == (velocity(i, d) > 0);
        gains(i, d) = std::max(0.01, same_sign ? gains(i, d) * 0.8 : gains(i, d) + 0.2);
        velocity(i, d) = momentum * velocity(i, d) - rate * gains(i, d) * gradient(i, d);
        y(i, d) += velocity(i, d);
      }
    y.rowwise() -= y.colwise().mean();
    if (!y.allFinite()) return absl::InternalError(absl::StrCat("t-SNE diverged at iteration ", it));
    if (options.on_iteration && (it + 1) % 50 == 0 && !options.on_iteration(it + 1, options.iterations)) {
      return absl::CancelledError(absl::StrCat("t-SNE cancelled at iteration ", it + 1));
    }
  }
  return y;
}

}  // namespace mimic::behaviour
