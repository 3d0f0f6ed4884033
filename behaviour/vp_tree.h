// A vantage-point tree over the rows of a matrix (Euclidean distance): built in O(N log N), it
// answers k-nearest-neighbour queries in about O(log N) each for low intrinsic dimension. Used
// for t-SNE's input affinities and for placing new frames into a behaviour map.
#ifndef MIMIC_BEHAVIOUR_VP_TREE_H_
#define MIMIC_BEHAVIOUR_VP_TREE_H_

#include <cstdint>
#include <vector>

#include <Eigen/Dense>

namespace mimic::behaviour {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Neighbour {
  int index = -1;
  double distance = 0;
};

class VpTree {
 public:
  // Keeps a reference to `points`: it must outlive the tree. `seed` picks the vantage points.
  explicit VpTree(const RowMatrix& points, uint64_t seed = 1);

  // The k nearest rows to `query` (a point of the same dimension), nearest first. `exclude` (>= 0)
  // leaves one row out (a point's own row when querying the tree's points).
  std::vector<Neighbour> Search(const double* query, int k, int exclude = -1) const;

 private:
  struct Node {
    int point = -1;         // the vantage point's row
    double threshold = 0;   // median distance to the points below it
    int inside = -1, outside = -1;  // children: nearer than the threshold, and the rest
  };
  int Build(int lo, int hi, uint64_t& rng);
  double Distance(int row, const double* query) const;
  void Search(int node, const double* query, int k, int exclude, std::vector<Neighbour>& heap, double& tau) const;

  const RowMatrix& points_;
  std::vector<int> order_;
  std::vector<Node> nodes_;
  int root_ = -1;
};

}  // namespace mimic::behaviour

#endif  // MIMIC_BEHAVIOUR_VP_TREE_H_
