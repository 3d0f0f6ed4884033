// PNG stills as files, through the project's PNG codec (common/png_image, Debian's libpng).
#ifndef MIMIC_RENDER_PNG_IO_H_
#define MIMIC_RENDER_PNG_IO_H_

#include <string>

#include "absl/status/statusor.h"
#include "render/image.h"

namespace mimic::render {

// Writes `image` to `path`, replaced in one step (common/atomic_file); errors name the path.
absl::Status WritePng(const std::string& path, const Image& image);

// Reads any PNG as 8-bit RGB (alpha and palettes are converted by libpng).
absl::StatusOr<Image> ReadPng(const std::string& path);

}  // namespace mimic::render

#endif  // MIMIC_RENDER_PNG_IO_H_
