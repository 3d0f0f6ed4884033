#include "render/png_io.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/png_image.h"

namespace mimic::render {

absl::Status WritePng(const std::string& path, const Image& image) {
  const std::string bytes = EncodePng(image.width, image.height, image.rgb);
  if (bytes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot write ", path, ": the image is empty or its size is wrong"));
  }
  absl::Status written = WriteFileAtomically(path, bytes);
  if (!written.ok() && written.message().find(path) == std::string::npos) {
    return absl::Status(written.code(), absl::StrCat("cannot write ", path, ": ", written.message()));
  }
  return written;
}

absl::StatusOr<Image> ReadPng(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path, " as PNG: cannot open it"));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  absl::StatusOr<DecodedPng> decoded = DecodePng(bytes.str(), path);
  if (!decoded.ok()) return decoded.status();
  Image image;
  image.width = decoded->width;
  image.height = decoded->height;
  image.rgb = std::move(decoded->rgb);
  return image;
}

}  // namespace mimic::render
