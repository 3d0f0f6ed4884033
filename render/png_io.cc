#include "render/png_io.h"

#include <png.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace mimic::render {

absl::Status WritePng(const std::string& path, const Image& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgb.size() != static_cast<size_t>(image.width) * image.height * 3) {
    return absl::InvalidArgumentError(absl::StrCat("cannot write ", path, ": the image is empty or its size is wrong"));
  }
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = PNG_FORMAT_RGB;
  const std::string temp = path + ".tmp";
  if (!png_image_write_to_file(&png, temp.c_str(), /*convert_to_8bit=*/0, image.rgb.data(),
                               /*row_stride=*/image.width * 3, /*colormap=*/nullptr)) {
    std::remove(temp.c_str());
    return absl::PermissionDeniedError(absl::StrCat("cannot write ", path, ": ", png.message));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    return absl::PermissionDeniedError(absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Image> ReadPng(const std::string& path) {
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path.c_str())) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path, " as PNG: ", png.message));
  }
  if (png.width == 0 || png.height == 0 || png.width > 16384 || png.height > 16384) {
    png_image_free(&png);
    return absl::InvalidArgumentError(absl::StrCat(path, ": implausible PNG size ", png.width, "x", png.height));
  }
  png.format = PNG_FORMAT_RGB;
  Image image(static_cast<int>(png.width), static_cast<int>(png.height));
  if (!png_image_finish_read(&png, /*background=*/nullptr, image.rgb.data(), image.width * 3, nullptr)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot decode ", path, ": ", png.message));
  }
  return image;
}

}  // namespace mimic::render
