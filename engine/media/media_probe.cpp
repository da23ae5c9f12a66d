#include "media/media_probe.h"

#include <algorithm>

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/error.h>
}

namespace mq::media {

std::optional<double> probeDurationSeconds(const std::string& url, std::string& error) {
  AVFormatContext* fmt = nullptr;
  int err = avformat_open_input(&fmt, url.c_str(), nullptr, nullptr);  // frees fmt on failure
  if (err < 0) {
    char text[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(err, text, sizeof text);
    error = std::string("cannot open it: ") + text;
    return std::nullopt;
  }
  // Some containers (raw streams, a few muxers) state the length only per stream.
  if (fmt->duration == AV_NOPTS_VALUE) avformat_find_stream_info(fmt, nullptr);
  double seconds = fmt->duration != AV_NOPTS_VALUE ? double(fmt->duration) / AV_TIME_BASE : 0;
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVStream* s = fmt->streams[i];
    if (s->duration != AV_NOPTS_VALUE && s->duration > 0)
      seconds = std::max(seconds, double(s->duration) * av_q2d(s->time_base));
  }
  avformat_close_input(&fmt);
  if (!(seconds > 0)) {
    error = "it does not state a length";
    return std::nullopt;
  }
  return seconds;
}

}  // namespace mq::media
