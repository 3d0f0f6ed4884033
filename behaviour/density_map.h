// The density of embedded points on a square grid (a Gaussian kernel density estimate: points
// binned to cells, then a separable Gaussian blur) and its watershed segmentation: every local
// maximum above a fraction of the peak density seeds a region, and regions grow from their seeds
// through cells in order of decreasing density (Meyer's flooding on the inverted density), so
// borders run along the density's valleys and every cell belongs to exactly one region.
#ifndef MIMIC_BEHAVIOUR_DENSITY_MAP_H_
#define MIMIC_BEHAVIOUR_DENSITY_MAP_H_

#include <vector>

#include <Eigen/Dense>

#include "behaviour/vp_tree.h"

namespace mimic::behaviour {

struct DensityGrid {
  int size = 0;                    // cells per side
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  Eigen::MatrixXd density;         // (size x size): row = y cell (from y_min), column = x cell; sums to 1
  Eigen::MatrixXi regions;         // (size x size): watershed region per cell, 0..regions - 1
  int region_count = 0;

  // The cell of a point (clamped to the grid).
  void CellOf(double x, double y, int* row, int* col) const;
  int RegionOf(double x, double y) const;
};

// `bandwidth` is the kernel's standard deviation as a fraction of the grid's side; the grid spans
// the points' bounding square grown by `margin` (a fraction of its side) on every edge.
DensityGrid GaussianDensity(const RowMatrix& points, int size, double bandwidth, double margin = 0.1);

// Fills grid.regions and grid.region_count; seeds are local maxima (8 neighbours) whose density is
// at least `min_peak` times the highest.
void Watershed(DensityGrid& grid, double min_peak);

}  // namespace mimic::behaviour

#endif  // MIMIC_BEHAVIOUR_DENSITY_MAP_H_
