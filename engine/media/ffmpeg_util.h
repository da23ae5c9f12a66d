// Small helpers shared by the media module's FFmpeg code (not a public API).
#pragma once

#include <string>

extern "C" {
#include <libavutil/error.h>
}

namespace mq::media {

inline std::string avErrorText(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof(buf));
  return buf;
}

}  // namespace mq::media
