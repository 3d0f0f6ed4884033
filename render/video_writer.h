// MP4 video through Debian's FFmpeg libraries: H.264 (libx264, which Debian's libavcodec links)
// with MPEG-4 part 2 as the fallback where H.264 is absent. Frames are RGB images; they are
// converted (libswscale, to 4:2:0 YUV) and encoded on the writer's own thread, so a renderer can
// draw the next frame meanwhile. The file appears at its path only when Finish() succeeds.
#ifndef MIMIC_RENDER_VIDEO_WRITER_H_
#define MIMIC_RENDER_VIDEO_WRITER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "render/image.h"

namespace mimic::render {

struct VideoOptions {
  // auto: H.264 when libavcodec has an encoder for it, else MPEG-4 part 2; or h264, mpeg4.
  std::string codec = "auto";
  int crf = 23;                     // H.264 constant quality (lower: better and bigger)
  std::string preset = "veryfast";  // x264's speed/size trade-off
  int threads = 1;                  // encoder threads (0: libavcodec's choice); the renderer has the rest
  int queue_frames = 8;             // frames waiting for the encoder thread before Write() blocks

  absl::Status Validate() const;
};

class VideoWriter {
 public:
  // Opens `path` (its extension names the container: .mp4, .mkv, .avi) for width x height frames
  // (both even) at `fps` frames per second. An unwritable path or an unknown container is an
  // error here, before any frame is drawn.
  static absl::StatusOr<std::unique_ptr<VideoWriter>> Open(const std::string& path, int width, int height,
                                                          double fps, const VideoOptions& options = {});
  ~VideoWriter();  // without a successful Finish(), the partial file is removed
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  // Queues a frame (its size must match); returns the encoder's error, if it has failed.
  absl::Status Write(Image frame);
  // Encodes what is queued, flushes the encoder, writes the trailer and renames the file into place.
  absl::Status Finish();

  const std::string& codec() const { return codec_; }  // "libx264", "mpeg4", ...
  int64_t frames() const { return frames_; }
  // Seconds the encoder thread spent converting and encoding (for profiles).
  double encode_seconds() const;

  struct Encoder;  // FFmpeg state (video_writer.cc)

 private:
  VideoWriter() = default;
  void EncodeLoop();

  std::string path_, temp_path_, codec_;
  int width_ = 0, height_ = 0, queue_limit_ = 8;
  int64_t frames_ = 0;
  std::unique_ptr<Encoder> encoder_;
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::deque<Image> queue_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  double encode_seconds_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace mimic::render

#endif  // MIMIC_RENDER_VIDEO_WRITER_H_
