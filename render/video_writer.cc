#include "render/video_writer.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace mimic::render {
namespace {

std::string AvError(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, text, sizeof(text));
  return text;
}

}  // namespace

struct VideoWriter::Encoder {
  AVFormatContext* format = nullptr;
  AVCodecContext* codec = nullptr;
  AVStream* stream = nullptr;
  SwsContext* scaler = nullptr;
  AVFrame* frame = nullptr;
  AVPacket* packet = nullptr;
  bool header_written = false;
  int64_t next_pts = 0;

  ~Encoder() {
    if (packet != nullptr) av_packet_free(&packet);
    if (frame != nullptr) av_frame_free(&frame);
    if (scaler != nullptr) sws_freeContext(scaler);
    if (codec != nullptr) avcodec_free_context(&codec);
    if (format != nullptr) {
      if (format->pb != nullptr) avio_closep(&format->pb);
      avformat_free_context(format);
    }
  }

  // Sends `input` (null: flush) and writes every packet the encoder has ready.
  absl::Status Encode(const AVFrame* input) {
    int rc = avcodec_send_frame(codec, input);
    if (rc < 0) return absl::InternalError(absl::StrCat("the encoder refused a frame: ", AvError(rc)));
    while (true) {
      rc = avcodec_receive_packet(codec, packet);
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return absl::OkStatus();
      if (rc < 0) return absl::InternalError(absl::StrCat("encoding failed: ", AvError(rc)));
      av_packet_rescale_ts(packet, codec->time_base, stream->time_base);
      packet->stream_index = stream->index;
      rc = av_interleaved_write_frame(format, packet);  // takes the packet's data
      if (rc < 0) return absl::UnavailableError(absl::StrCat("cannot write the video: ", AvError(rc)));
    }
  }

  absl::Status EncodeImage(const Image& image) {
    int rc = av_frame_make_writable(frame);
    if (rc < 0) return absl::InternalError(absl::StrCat("no frame buffer: ", AvError(rc)));
    const uint8_t* planes[1] = {image.rgb.data()};
    const int strides[1] = {image.width * 3};
    sws_scale(scaler, planes, strides, 0, image.height, frame->data, frame->linesize);
    frame->pts = next_pts++;
    return Encode(frame);
  }
};

absl::Status VideoOptions::Validate() const {
  if (codec != "auto" && codec != "h264" && codec != "mpeg4") {
    return absl::InvalidArgumentError(absl::StrCat("unknown video codec '", codec, "' (auto, h264 or mpeg4)"));
  }
  if (crf < 0 || crf > 51) return absl::InvalidArgumentError(absl::StrCat("crf must be in [0, 51], got ", crf));
  if (threads < 0 || threads > 64) return absl::InvalidArgumentError("encoder threads must be in [0, 64]");
  if (queue_frames < 1 || queue_frames > 256) return absl::InvalidArgumentError("queue_frames must be in [1, 256]");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<VideoWriter>> VideoWriter::Open(const std::string& path, int width, int height,
                                                              double fps, const VideoOptions& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  if (width < 16 || height < 16 || width % 2 || height % 2 || width > 7680 || height > 4320) {
    return absl::InvalidArgumentError(
        absl::StrCat("video size ", width, "x", height, ": width and height must be even, 16..7680 x 16..4320"));
  }
  if (!(fps > 0.1 && fps <= 1000)) {
    return absl::InvalidArgumentError(absl::StrCat("video frame rate must be in (0.1, 1000] frames/s, got ", fps));
  }
  av_log_set_level(AV_LOG_ERROR);  // libx264 prints statistics otherwise; errors come back as Status
  const AVOutputFormat* container = av_guess_format(nullptr, path.c_str(), nullptr);
  if (container == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot tell a video container from the name ", path, " (use .mp4)"));
  }
  std::unique_ptr<VideoWriter> w(new VideoWriter());
  w->path_ = path;
  w->temp_path_ = path + ".part";
  w->width_ = width;
  w->height_ = height;
  w->queue_limit_ = options.queue_frames;
  w->encoder_ = std::make_unique<Encoder>();
  Encoder& e = *w->encoder_;

  // the encoder: H.264 through libx264 first, MPEG-4 part 2 where it is absent
  const AVCodec* codec = nullptr;
  if (options.codec != "mpeg4") {
    codec = avcodec_find_encoder_by_name("libx264");
    if (codec == nullptr) codec = avcodec_find_encoder(AV_CODEC_ID_H264);
    if (codec == nullptr && options.codec == "h264") {
      return absl::UnavailableError("this libavcodec has no H.264 encoder (try --codec mpeg4)");
    }
  }
  if (codec == nullptr) codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
  if (codec == nullptr) return absl::UnavailableError("this libavcodec has neither an H.264 nor an MPEG-4 encoder");
  w->codec_ = codec->name;

  int rc = avformat_alloc_output_context2(&e.format, container, nullptr, w->temp_path_.c_str());
  if (rc < 0 || e.format == nullptr) {
    return absl::InternalError(absl::StrCat("cannot set up ", container->name, " output: ", AvError(rc)));
  }
  e.stream = avformat_new_stream(e.format, nullptr);
  e.codec = avcodec_alloc_context3(codec);
  e.frame = av_frame_alloc();
  e.packet = av_packet_alloc();
  if (e.stream == nullptr || e.codec == nullptr || e.frame == nullptr || e.packet == nullptr) {
    return absl::ResourceExhaustedError("out of memory setting up the video encoder");
  }
  const AVRational rate = av_d2q(fps, 100000);
  e.codec->width = width;
  e.codec->height = height;
  e.codec->pix_fmt = AV_PIX_FMT_YUV420P;
  e.codec->time_base = av_inv_q(rate);
  e.codec->framerate = rate;
  e.codec->gop_size = std::max(1, static_cast<int>(std::lround(2 * fps)));  // a key frame every 2 s
  e.codec->thread_count = options.threads;
  e.codec->color_range = AVCOL_RANGE_MPEG;
  e.codec->colorspace = AVCOL_SPC_BT470BG;  // libswscale's default RGB -> YUV matrix (BT.601)
  if (e.format->oformat->flags & AVFMT_GLOBALHEADER) e.codec->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (codec->id == AV_CODEC_ID_H264) {
    av_opt_set(e.codec->priv_data, "preset", options.preset.c_str(), 0);
    av_opt_set_int(e.codec->priv_data, "crf", options.crf, 0);
  } else {
    // MPEG-4 part 2 at a fixed quantiser (2 = best .. 31), about what crf gives H.264
    e.codec->flags |= AV_CODEC_FLAG_QSCALE;
    e.codec->global_quality = FF_QP2LAMBDA * std::clamp(options.crf / 6, 2, 31);
  }
  rc = avcodec_open2(e.codec, codec, nullptr);
  if (rc < 0) return absl::InternalError(absl::StrCat("cannot open the ", codec->name, " encoder: ", AvError(rc)));
  rc = avcodec_parameters_from_context(e.stream->codecpar, e.codec);
  if (rc < 0) return absl::InternalError(absl::StrCat("encoder parameters: ", AvError(rc)));
  e.stream->time_base = e.codec->time_base;
  e.stream->avg_frame_rate = rate;

  rc = avio_open(&e.format->pb, w->temp_path_.c_str(), AVIO_FLAG_WRITE);
  if (rc < 0) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path, ": ", AvError(rc)));
  AVDictionary* muxer_options = nullptr;
  av_dict_set(&muxer_options, "movflags", "+faststart", 0);  // the index first: plays while loading
  rc = avformat_write_header(e.format, &muxer_options);
  av_dict_free(&muxer_options);
  if (rc < 0) {
    std::remove(w->temp_path_.c_str());
    return absl::UnavailableError(absl::StrCat("cannot start ", path, ": ", AvError(rc)));
  }
  e.header_written = true;

  e.frame->format = AV_PIX_FMT_YUV420P;
  e.frame->width = width;
  e.frame->height = height;
  rc = av_frame_get_buffer(e.frame, 0);
  if (rc < 0) return absl::ResourceExhaustedError(absl::StrCat("frame buffer: ", AvError(rc)));
  e.scaler = sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_YUV420P, SWS_BILINEAR,
                            nullptr, nullptr, nullptr);
  if (e.scaler == nullptr) return absl::InternalError("libswscale cannot convert RGB to YUV 4:2:0");
  w->thread_ = std::thread([raw = w.get()] { raw->EncodeLoop(); });
  return w;
}

VideoWriter::~VideoWriter() {
  if (thread_.joinable()) {
    {
      absl::MutexLock lock(&mu_);
      closing_ = true;
      queue_.clear();
    }
    thread_.join();
  }
  if (!finished_ && !temp_path_.empty()) {
    encoder_.reset();  // closes the file first
    std::remove(temp_path_.c_str());
  }
}

void VideoWriter::EncodeLoop() {
  while (true) {
    Image image;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](VideoWriter* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) { return !w->queue_.empty() || w->closing_; },
          this));
      if (queue_.empty()) return;  // closing, and everything is encoded
      image = std::move(queue_.front());
      queue_.pop_front();
    }
    const auto start = std::chrono::steady_clock::now();
    absl::Status s = encoder_->EncodeImage(image);
    const double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    absl::MutexLock lock(&mu_);
    encode_seconds_ += spent;
    if (!s.ok() && error_.ok()) error_ = s;
    if (!error_.ok()) {
      queue_.clear();
      return;
    }
  }
}

absl::Status VideoWriter::Write(Image frame) {
  if (finished_) return absl::FailedPreconditionError("the video is already finished");
  if (frame.width != width_ || frame.height != height_ ||
      frame.rgb.size() != static_cast<size_t>(width_) * height_ * 3) {
    return absl::InvalidArgumentError(absl::StrCat("frame of ", frame.width, "x", frame.height, " for a ", width_,
                                                   "x", height_, " video"));
  }
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](VideoWriter* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
        return static_cast<int>(w->queue_.size()) < w->queue_limit_ || !w->error_.ok();
      },
      this));
  if (!error_.ok()) return error_;
  queue_.push_back(std::move(frame));
  ++frames_;
  return absl::OkStatus();
}

absl::Status VideoWriter::Finish() {
  if (finished_) return absl::OkStatus();
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
  }
  thread_.join();
  {
    absl::MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
  }
  if (frames_ == 0) return absl::FailedPreconditionError(absl::StrCat("no frames for ", path_));
  Encoder& e = *encoder_;
  if (absl::Status s = e.Encode(nullptr); !s.ok()) return s;
  int rc = av_write_trailer(e.format);
  if (rc < 0) return absl::UnavailableError(absl::StrCat("cannot finish ", path_, ": ", AvError(rc)));
  rc = avio_closep(&e.format->pb);
  if (rc < 0) return absl::UnavailableError(absl::StrCat("cannot close ", path_, ": ", AvError(rc)));
  std::error_code ec;
  std::filesystem::rename(temp_path_, path_, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path_, ": ", ec.message()));
  finished_ = true;
  return absl::OkStatus();
}

double VideoWriter::encode_seconds() const {
  absl::MutexLock lock(&mu_);
  return encode_seconds_;
}

}  // namespace mimic::render
