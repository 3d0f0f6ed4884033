#include "behaviour/vp_tree.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace mimic::behaviour {
namespace {

bool Farther(const Neighbour& a, const Neighbour& b) { return a.distance < b.distance; }  // max-heap on distance

uint64_t Next(uint64_t& s) {  // splitmix64
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

VpTree::VpTree(const RowMatrix& points, uint64_t seed) : points_(points) {
  order_.resize(points.rows());
  std::iota(order_.begin(), order_.end(), 0);
  nodes_.reserve(points.rows());
  uint64_t rng = seed;
  root_ = Build(0, static_cast<int>(points.rows()), rng);
}

double VpTree::Distance(int row, const double* query) const {
  double s = 0;
  const double* p = points_.row(row).data();
  for (Eigen::Index j = 0; j < points_.cols(); ++j) {
    const double d = p[j] - query[j];
    s += d * d;
  }
  return std::sqrt(s);
}

int VpTree::Build(int lo, int hi, uint64_t& rng) {
  if (lo >= hi) return -1;
  const int node = static_cast<int>(nodes_.size());
  nodes_.push_back({});
  // a random vantage point, moved to the front of the range
  const int pick = lo + static_cast<int>(Next(rng) % static_cast<uint64_t>(hi - lo));
  std::swap(order_[lo], order_[pick]);
  const int vantage = order_[lo];
  nodes_[node].point = vantage;
  if (hi - lo > 1) {
    const int mid = (lo + 1 + hi) / 2;
    const double* v = points_.row(vantage).data();
    std::nth_element(order_.begin() + lo + 1, order_.begin() + mid, order_.begin() + hi,
                     [&](int a, int b) { return Distance(a, v) < Distance(b, v); });
    nodes_[node].threshold = Distance(order_[mid], v);
    const int inside = Build(lo + 1, mid, rng);
    const int outside = Build(mid, hi, rng);
    nodes_[node].inside = inside;
    nodes_[node].outside = outside;
  }
  return node;
}

void VpTree::Search(int node, const double* query, int k, int exclude, std::vector<Neighbour>& heap, double& tau) const {
  if (node < 0) return;
  const Node& n = nodes_[node];
  const double d = Distance(n.point, query);
  if (n.point != exclude && d < tau) {
    if (static_cast<int>(heap.size()) == k) {
      std::pop_heap(heap.begin(), heap.end(), Farther);
      heap.pop_back();
    }
    heap.push_back({n.point, d});
    std::push_heap(heap.begin(), heap.end(), Farther);
    if (static_cast<int>(heap.size()) == k) tau = heap.front().distance;
  }
  if (n.inside < 0 && n.outside < 0) return;
  // the nearer side first; the other only if the ball of radius tau crosses the threshold
  if (d < n.threshold) {
    if (d - tau <= n.threshold) Search(n.inside, query, k, exclude, heap, tau);
    if (d + tau >= n.threshold) Search(n.outside, query, k, exclude, heap, tau);
  } else {
    if (d + tau >= n.threshold) Search(n.outside, query, k, exclude, heap, tau);
    if (d - tau <= n.threshold) Search(n.inside, query, k, exclude, heap, tau);
  }
}

std::vector<Neighbour> VpTree::Search(const double* query, int k, int exclude) const {
  std::vector<Neighbour> heap;
  if (k <= 0) return heap;
  heap.reserve(k + 1);
  double tau = std::numeric_limits<double>::infinity();
  Search(root_, query, k, exclude, heap, tau);
  std::sort_heap(heap.begin(), heap.end(), Farther);
  return heap;
}

}  // namespace mimic::behaviour
