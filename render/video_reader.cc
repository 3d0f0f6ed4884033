#include "render/video_reader.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace mimic::render {
namespace {

std::string AvError(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, text, sizeof(text));
  return text;
}

}  // namespace

absl::StatusOr<VideoInfo> ReadVideo(const std::string& path, int keep, std::vector<Image>* frames) {
  AVFormatContext* format = nullptr;
  int rc = avformat_open_input(&format, path.c_str(), nullptr, nullptr);
  if (rc < 0) return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", AvError(rc)));
  AVCodecContext* codec = nullptr;
  AVFrame* frame = av_frame_alloc();
  AVPacket* packet = av_packet_alloc();
  SwsContext* scaler = nullptr;
  absl::Cleanup release = [&] {
    sws_freeContext(scaler);
    av_packet_free(&packet);
    av_frame_free(&frame);
    avcodec_free_context(&codec);
    avformat_close_input(&format);
  };
  rc = avformat_find_stream_info(format, nullptr);
  if (rc < 0) return absl::InvalidArgumentError(absl::StrCat(path, ": no stream information: ", AvError(rc)));
  const int index = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (index < 0) return absl::InvalidArgumentError(absl::StrCat(path, " has no video stream"));
  const AVStream* stream = format->streams[index];
  const AVCodec* decoder = avcodec_find_decoder(stream->codecpar->codec_id);
  if (decoder == nullptr) return absl::UnavailableError(absl::StrCat(path, ": no decoder for its video"));
  codec = avcodec_alloc_context3(decoder);
  if (codec == nullptr || frame == nullptr || packet == nullptr) return absl::ResourceExhaustedError("out of memory");
  avcodec_parameters_to_context(codec, stream->codecpar);
  rc = avcodec_open2(codec, decoder, nullptr);
  if (rc < 0) return absl::InternalError(absl::StrCat("cannot open the ", decoder->name, " decoder: ", AvError(rc)));

  VideoInfo info;
  info.codec = decoder->name;
  info.container = format->iformat->name;
  info.width = stream->codecpar->width;
  info.height = stream->codecpar->height;
  AVRational rate = stream->avg_frame_rate.num > 0 ? stream->avg_frame_rate : stream->r_frame_rate;
  info.frame_rate = rate.den > 0 ? av_q2d(rate) : 0;
  if (format->duration > 0) info.duration_s = static_cast<double>(format->duration) / AV_TIME_BASE;

  // every frame, the decoder drained at the end
  auto receive = [&]() -> absl::Status {
    while (true) {
      const int r = avcodec_receive_frame(codec, frame);
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return absl::OkStatus();
      if (r < 0) return absl::DataLossError(absl::StrCat(path, ": decoding failed: ", AvError(r)));
      if (frames != nullptr && info.frames < keep) {
        scaler = sws_getCachedContext(scaler, frame->width, frame->height, static_cast<AVPixelFormat>(frame->format),
                                      frame->width, frame->height, AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr,
                                      nullptr);
        Image image(frame->width, frame->height);
        uint8_t* planes[1] = {image.rgb.data()};
        const int strides[1] = {image.width * 3};
        sws_scale(scaler, frame->data, frame->linesize, 0, frame->height, planes, strides);
        frames->push_back(std::move(image));
      }
      ++info.frames;
    }
  };
  while ((rc = av_read_frame(format, packet)) >= 0) {
    if (packet->stream_index == index) {
      const int sent = avcodec_send_packet(codec, packet);
      av_packet_unref(packet);
      if (sent < 0) return absl::DataLossError(absl::StrCat(path, ": corrupt video packet: ", AvError(sent)));
      if (absl::Status s = receive(); !s.ok()) return s;
    } else {
      av_packet_unref(packet);
    }
  }
  if (rc != AVERROR_EOF) return absl::DataLossError(absl::StrCat(path, ": read error: ", AvError(rc)));
  avcodec_send_packet(codec, nullptr);
  if (absl::Status s = receive(); !s.ok()) return s;
  return info;
}

}  // namespace mimic::render
