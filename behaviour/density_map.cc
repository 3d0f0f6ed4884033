#include "behaviour/density_map.h"

#include <algorithm>
#include <cmath>
#include <queue>
#include <tuple>

namespace mimic::behaviour {

void DensityGrid::CellOf(double x, double y, int* row, int* col) const {
  const double fx = (x - x_min) / (x_max - x_min), fy = (y - y_min) / (y_max - y_min);
  *col = std::clamp(static_cast<int>(std::floor(fx * size)), 0, size - 1);
  *row = std::clamp(static_cast<int>(std::floor(fy * size)), 0, size - 1);
}

int DensityGrid::RegionOf(double x, double y) const {
  int r, c;
  CellOf(x, y, &r, &c);
  return regions(r, c);
}

DensityGrid GaussianDensity(const RowMatrix& points, int size, double bandwidth, double margin) {
  DensityGrid g;
  g.size = size;
  double x0 = points.col(0).minCoeff(), x1 = points.col(0).maxCoeff();
  double y0 = points.col(1).minCoeff(), y1 = points.col(1).maxCoeff();
  const double side = std::max({x1 - x0, y1 - y0, 1e-9});
  const double cx = 0.5 * (x0 + x1), cy = 0.5 * (y0 + y1), half = 0.5 * side * (1 + 2 * margin);
  g.x_min = cx - half;
  g.x_max = cx + half;
  g.y_min = cy - half;
  g.y_max = cy + half;
  Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(size, size);
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    int r, c;
    g.CellOf(points(i, 0), points(i, 1), &r, &c);
    counts(r, c) += 1;
  }
  // separable Gaussian blur, sigma in cells
  const double sigma = std::max(0.5, bandwidth * size);
  const int reach = static_cast<int>(std::ceil(4 * sigma));
  std::vector<double> kernel(2 * reach + 1);
  for (int k = -reach; k <= reach; ++k) kernel[k + reach] = std::exp(-0.5 * k * k / (sigma * sigma));
  Eigen::MatrixXd rows_blurred = Eigen::MatrixXd::Zero(size, size);
  for (int r = 0; r < size; ++r)
    for (int c = 0; c < size; ++c)
      for (int k = -reach; k <= reach; ++k)
        if (c + k >= 0 && c + k < size) rows_blurred(r, c) += kernel[k + reach] * counts(r, c + k);
  g.density = Eigen::MatrixXd::Zero(size, size);
  for (int r = 0; r < size; ++r)
    for (int c = 0; c < size; ++c)
      for (int k = -reach; k <= reach; ++k)
        if (r + k >= 0 && r + k < size) g.density(r, c) += kernel[k + reach] * rows_blurred(r + k, c);
  const double total = g.density.sum();
  if (total > 0) g.density /= total;
  g.regions = Eigen::MatrixXi::Zero(size, size);
  return g;
}

void Watershed(DensityGrid& g, double min_peak) {
  const int n = g.size;
  const double peak = g.density.maxCoeff();
  g.regions = Eigen::MatrixXi::Constant(n, n, -1);
  // (density, row, col): the highest density floods first
  std::priority_queue<std::tuple<double, int, int>> queue;
  int regions = 0;
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) {
      const double v = g.density(r, c);
      if (v < min_peak * peak || v <= 0) continue;
      bool maximum = true;
      for (int dr = -1; dr <= 1 && maximum; ++dr)
        for (int dc = -1; dc <= 1; ++dc) {
          if ((dr || dc) && r + dr >= 0 && r + dr < n && c + dc >= 0 && c + dc < n) {
            const double w = g.density(r + dr, c + dc);
            // ties go to the earlier cell, so a flat top seeds once
            if (w > v || (w == v && (r + dr) * n + (c + dc) < r * n + c)) {
              maximum = false;
              break;
            }
          }
        }
      if (!maximum) continue;
      g.regions(r, c) = regions++;
      queue.emplace(v, r, c);
    }
  if (regions == 0) {  // an empty map: one region
    g.regions.setZero();
    g.region_count = 1;
    return;
  }
  while (!queue.empty()) {
    const auto [v, r, c] = queue.top();
    queue.pop();
    for (int dr = -1; dr <= 1; ++dr)
      for (int dc = -1; dc <= 1; ++dc) {
        const int rr = r + dr, cc = c + dc;
        if ((dr == 0 && dc == 0) || rr < 0 || rr >= n || cc < 0 || cc >= n || g.regions(rr, cc) >= 0) continue;
        g.regions(rr, cc) = g.regions(r, c);
        queue.emplace(g.density(rr, cc), rr, cc);
      }
  }
  g.region_count = regions;
}

}  // namespace mimic::behaviour
