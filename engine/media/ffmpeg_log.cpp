#include "media/ffmpeg_log.h"

#include <cstdarg>
#include <mutex>
#include <string>

#include "core/log.h"

extern "C" {
#include <libavutil/log.h>
}

namespace mq::media {
namespace {

// av_log delivers a line in pieces; each thread collects its own until '\n'.
thread_local std::string t_line;
thread_local int t_printPrefix = 1;

void callback(void* avcl, int level, const char* fmt, va_list args) {
  if (level > AV_LOG_VERBOSE) return;
  char buf[1024];
  va_list copy;
  va_copy(copy, args);
  av_log_format_line2(avcl, level, fmt, copy, buf, sizeof(buf), &t_printPrefix);
  va_end(copy);
  t_line += buf;
  if (t_line.empty() || t_line.back() != '\n') return;
  t_line.pop_back();
  if (level <= AV_LOG_WARNING)
    log::warn("ffmpeg: ", t_line);
  else
    log::debug("ffmpeg: ", t_line);
  t_line.clear();
}

}  // namespace

void installFfmpegLogging() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(callback); });
}

}  // namespace mq::media
