// A minimal PNG encoder (8-bit RGB, zlib-compressed, no filtering) and base64, so SVG figures can
// carry raster layers (density maps) as data URIs instead of thousands of vector cells.
#ifndef MIMIC_COMMON_PNG_IMAGE_H_
#define MIMIC_COMMON_PNG_IMAGE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace mimic {

// `rgb` holds height rows of width pixels, 3 bytes each, top row first. Returns the PNG file bytes
// (empty when the sizes disagree).
std::string EncodePng(int width, int height, const std::vector<uint8_t>& rgb);

std::string Base64(const std::string& bytes);

}  // namespace mimic

#endif  // MIMIC_COMMON_PNG_IMAGE_H_
