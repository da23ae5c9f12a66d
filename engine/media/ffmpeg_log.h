// Routes FFmpeg's log (av_log) into mq::log, so library chatter follows
// MARQUEE_LOG like the rest of Marquee instead of going straight to stderr:
//   AV_LOG_ERROR and worse, AV_LOG_WARNING -> warn
//   AV_LOG_INFO, AV_LOG_VERBOSE            -> debug
//   more detailed levels                   -> dropped
#pragma once

namespace mq::media {

// Installs the callback once per process; later calls do nothing. Every media
// entry point (writers, sources) calls it before using FFmpeg.
void installFfmpegLogging();

}  // namespace mq::media
