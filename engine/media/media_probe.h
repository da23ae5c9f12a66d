// Reads what a media file holds without decoding it, for scene checks that
// need it before the show runs (a stinger transition lasts as long as its
// video, and plays its sound if it has one).
#pragma once

#include <optional>
#include <string>

namespace mq::media {

struct MediaInfo {
  // The length in seconds (the container's duration, or its longest
  // stream's); nullopt where the media does not state one (live streams,
  // devices).
  std::optional<double> seconds;
  bool hasAudio = false;  // it has an audio stream
};

// What the media at `url` holds, or nullopt with `error` saying why it does
// not open.
std::optional<MediaInfo> probeMedia(const std::string& url, std::string& error);

}  // namespace mq::media
