#include "common/png_image.h"

#include <png.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace mimic {

std::string EncodePng(int width, int height, const std::vector<uint8_t>& rgb) {
  if (width <= 0 || height <= 0 || rgb.size() != static_cast<size_t>(width) * height * 3) return "";
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(width);
  png.height = static_cast<png_uint_32>(height);
  png.format = PNG_FORMAT_RGB;
  // the first call sizes the buffer, the second fills it
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&png, nullptr, &size, /*convert_to_8_bit=*/0, rgb.data(), width * 3, nullptr)) return "";
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&png, out.data(), &size, 0, rgb.data(), width * 3, nullptr)) return "";
  out.resize(size);
  return out;
}

absl::StatusOr<DecodedPng> DecodePng(const std::string& bytes, const std::string& what, int max_side) {
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size())) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", what, " as PNG: ", png.message));
  }
  if (png.width == 0 || png.height == 0 || png.width > static_cast<png_uint_32>(max_side) ||
      png.height > static_cast<png_uint_32>(max_side)) {
    png_image_free(&png);
    return absl::InvalidArgumentError(absl::StrCat(what, ": implausible PNG size ", png.width, "x", png.height));
  }
  png.format = PNG_FORMAT_RGB;
  DecodedPng out;
  out.width = static_cast<int>(png.width);
  out.height = static_cast<int>(png.height);
  out.rgb.resize(static_cast<size_t>(out.width) * out.height * 3);
  if (!png_image_finish_read(&png, /*background=*/nullptr, out.rgb.data(), out.width * 3, nullptr)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot decode ", what, ": ", png.message));
  }
  return out;
}

std::string Base64(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i < bytes.size()) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= uint8_t(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace mimic
