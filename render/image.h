// An 8-bit RGB image, rows from the top: what the renderer produces and the PNG and video
// writers take.
#ifndef MIMIC_RENDER_IMAGE_H_
#define MIMIC_RENDER_IMAGE_H_

#include <cstdint>
#include <vector>

namespace mimic::render {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // (height x width x 3), row 0 at the top

  Image() = default;
  Image(int w, int h) : width(w), height(h), rgb(static_cast<size_t>(w) * h * 3, 0) {}
  uint8_t* pixel(int x, int y) { return rgb.data() + (static_cast<size_t>(y) * width + x) * 3; }
  const uint8_t* pixel(int x, int y) const { return rgb.data() + (static_cast<size_t>(y) * width + x) * 3; }
};

}  // namespace mimic::render

#endif  // MIMIC_RENDER_IMAGE_H_
