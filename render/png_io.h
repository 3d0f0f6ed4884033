// PNG stills through Debian's libpng (its simplified png_image API: no setjmp in C++ code).
#ifndef MIMIC_RENDER_PNG_IO_H_
#define MIMIC_RENDER_PNG_IO_H_

#include <string>

#include "absl/status/statusor.h"
#include "render/image.h"

namespace mimic::render {

// Writes `image` to `path` through a temporary file renamed into place; errors name the path.
absl::Status WritePng(const std::string& path, const Image& image);

// Reads any PNG as 8-bit RGB (alpha and palettes are converted by libpng).
absl::StatusOr<Image> ReadPng(const std::string& path);

}  // namespace mimic::render

#endif  // MIMIC_RENDER_PNG_IO_H_
