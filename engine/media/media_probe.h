// Reads a media file's length without decoding it, for scene checks that
// need it before the show runs (a stinger transition lasts as long as its
// video).
#pragma once

#include <optional>
#include <string>

namespace mq::media {

// The length of the media at `url` in seconds (the container's duration, or
// its longest stream's), or nullopt with `error` saying why: it does not open,
// or it does not state a length (live streams, devices).
std::optional<double> probeDurationSeconds(const std::string& url, std::string& error);

}  // namespace mq::media
