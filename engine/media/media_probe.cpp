#include "media/media_probe.h"

#include <algorithm>

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/error.h>
}

namespace mq::media {
namespace {

bool anyAudio(const AVFormatContext* fmt) {
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    if (fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) return true;
  return false;
}

}  // namespace

std::optional<MediaInfo> probeMedia(const std::string& url, std::string& error) {
  AVFormatContext* fmt = nullptr;
  int err = avformat_open_input(&fmt, url.c_str(), nullptr, nullptr);  // frees fmt on failure
  if (err < 0) {
    char text[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(err, text, sizeof text);
    error = std::string("cannot open it: ") + text;
    return std::nullopt;
  }
  // Some containers (raw streams, MPEG-TS, a few muxers) state the length
  // only per stream, or list their streams only once packets are read.
  if (fmt->duration == AV_NOPTS_VALUE || !anyAudio(fmt)) avformat_find_stream_info(fmt, nullptr);
  double seconds = fmt->duration != AV_NOPTS_VALUE ? double(fmt->duration) / AV_TIME_BASE : 0;
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVStream* s = fmt->streams[i];
    if (s->duration != AV_NOPTS_VALUE && s->duration > 0)
      seconds = std::max(seconds, double(s->duration) * av_q2d(s->time_base));
  }
  MediaInfo info;
  if (seconds > 0) info.seconds = seconds;
  info.hasAudio = anyAudio(fmt);
  avformat_close_input(&fmt);
  return info;
}

}  // namespace mq::media
