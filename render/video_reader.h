// Reading a video back with the same FFmpeg libraries that wrote it: what it holds (codec, size,
// frame rate, frame count) and, on request, its first frames as RGB images. Tests and checks use
// it to confirm that a written MP4 decodes.
#ifndef MIMIC_RENDER_VIDEO_READER_H_
#define MIMIC_RENDER_VIDEO_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "render/image.h"

namespace mimic::render {

struct VideoInfo {
  std::string codec;      // decoder name, e.g. "h264"
  std::string container;  // e.g. "mov,mp4,m4a,3gp,3g2,mj2"
  int width = 0, height = 0;
  double frame_rate = 0;  // the stream's average rate, frames per second
  int64_t frames = 0;     // frames decoded
  double duration_s = 0;
};

// Decodes every frame of `path`; with `frames` given, the first `keep` come back as RGB images.
absl::StatusOr<VideoInfo> ReadVideo(const std::string& path, int keep = 0, std::vector<Image>* frames = nullptr);

}  // namespace mimic::render

#endif  // MIMIC_RENDER_VIDEO_READER_H_
