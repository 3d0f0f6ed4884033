// PNG in memory (8-bit RGB, through Debian's libpng) and base64: the one PNG codec of the project.
// SVG figures carry raster layers (density maps) as data URIs; render/ writes stills with it.
#ifndef MIMIC_COMMON_PNG_IMAGE_H_
#define MIMIC_COMMON_PNG_IMAGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mimic {

// `rgb` holds height rows of width pixels, 3 bytes each, top row first. Returns the PNG file bytes
// (empty when the sizes disagree).
std::string EncodePng(int width, int height, const std::vector<uint8_t>& rgb);

struct DecodedPng {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // height rows of width RGB pixels, top row first
};

// The pixels of PNG file bytes, converted to 8-bit RGB; refuses sizes over `max_side` pixels a side
// before allocating. `what` names the data in errors (e.g. its file).
absl::StatusOr<DecodedPng> DecodePng(const std::string& bytes, const std::string& what, int max_side = 16384);

std::string Base64(const std::string& bytes);

}  // namespace mimic

#endif  // MIMIC_COMMON_PNG_IMAGE_H_
