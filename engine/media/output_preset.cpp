#include "media/output_preset.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "core/error.h"

namespace mq::media {
namespace {

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

std::string kbps(int64_t bitrate) {
  return number(static_cast<double>(bitrate) / 1000.0) + " kb/s";
}

}  // namespace

const std::vector<OutputPreset>& outputPresets() {
  static const std::vector<OutputPreset> presets = {
      {"tiktok-vertical",
       "TikTok LIVE, vertical 1080x1920 at 30 fps",
       1080,
       1920,
       {30, 1},
       6'000'000,
       2.0,
       128'000,
       false},
      {"instagram-live",
       "Instagram Live, vertical 720x1280 at 30 fps (RTMPS only)",
       720,
       1280,
       {30, 1},
       3'500'000,
       2.0,
       128'000,
       true},
      {"landscape-1080p30",
       "landscape 1920x1080 at 30 fps (YouTube, Twitch, ...)",
       1920,
       1080,
       {30, 1},
       6'000'000,
       2.0,
       128'000,
       false},
      {"landscape-1080p60",
       "landscape 1920x1080 at 60 fps (YouTube, Twitch, ...)",
       1920,
       1080,
       {60, 1},
       9'000'000,
       2.0,
       128'000,
       false},
  };
  return presets;
}

const OutputPreset& findOutputPreset(std::string_view name) {
  for (const OutputPreset& p : outputPresets())
    if (p.name == name) return p;
  std::string names;
  for (const OutputPreset& p : outputPresets()) names += (names.empty() ? "" : ", ") + p.name;
  throw UserError("unknown output preset '" + std::string(name) + "' (valid presets: " + names +
                  ")");
}

void applyOutputPreset(const OutputPreset& preset, EncoderSettings& settings) {
  settings.width = preset.width;
  settings.height = preset.height;
  settings.fps = preset.fps;
  settings.videoBitrate = preset.videoBitrate;
  settings.keyframeIntervalSeconds = preset.keyframeIntervalSeconds;
  settings.audio = true;
  settings.audioBitrate = preset.audioBitrate;
}

void validateLiveSettings(const EncoderSettings& s, const LiveLimits& limits) {
  if (s.width <= 0 || s.height <= 0 || s.width % 2 || s.height % 2 || s.width > limits.maxWidth ||
      s.height > limits.maxHeight)
    throw UserError("--output-size " + std::to_string(s.width) + "x" + std::to_string(s.height) +
                    " is not possible for a live stream: width and height must be even and at "
                    "most " +
                    std::to_string(limits.maxWidth) + "x" + std::to_string(limits.maxHeight));
  const double fps = s.fps.den > 0 ? s.fps.toDouble() : 0;
  if (s.fps.num <= 0 || s.fps.den <= 0 || fps < 1 || fps > 120)
    throw UserError("frame rate " + std::to_string(s.fps.num) + "/" + std::to_string(s.fps.den) +
                    " is not possible for a live stream (1 to 120 frames per second)");
  if (s.videoBitrate <= 0)
    throw UserError(
        "--video-bitrate is required for a live stream (ingest servers expect constant "
        "bitrate)");
  if (s.videoBitrate < limits.minVideoBitrate || s.videoBitrate > limits.maxVideoBitrate)
    throw UserError("--video-bitrate " + kbps(s.videoBitrate) + " is out of range for a live " +
                    "stream (" + kbps(limits.minVideoBitrate) + " to " +
                    kbps(limits.maxVideoBitrate) + ")");
  if (s.audio &&
      (s.audioBitrate < limits.minAudioBitrate || s.audioBitrate > limits.maxAudioBitrate))
    throw UserError("--audio-bitrate " + kbps(s.audioBitrate) + " is out of range (" +
                    kbps(limits.minAudioBitrate) + " to " + kbps(limits.maxAudioBitrate) + ")");
  const double key = s.keyframeIntervalSeconds;
  if (!(key > 0)) throw UserError("--keyframe-interval must be greater than 0 seconds");
  if (key > limits.hardMaxKeyframeIntervalSeconds)
    throw UserError("--keyframe-interval " + number(key) +
                    " s is too long for a live stream: at most " +
                    number(limits.hardMaxKeyframeIntervalSeconds) + " s (platforms expect " +
                    number(limits.maxKeyframeIntervalSeconds) + " s)");
  if (key > limits.maxKeyframeIntervalSeconds && !limits.allowLongKeyframeInterval)
    throw UserError("--keyframe-interval " + number(key) + " s is longer than the " +
                    number(limits.maxKeyframeIntervalSeconds) + " s live platforms expect (up to " +
                    number(limits.hardMaxKeyframeIntervalSeconds) +
                    " s only where long keyframe intervals are allowed)");
  // The GOP in frames must not round above the interval asked for.
  const double frames = std::round(key * fps);
  if (frames < 1)
    throw UserError("--keyframe-interval " + number(key) + " s is shorter than one frame");
}

void checkOutputUrlForPreset(const OutputPreset& preset, const std::string& url) {
  std::string scheme = url.substr(0, std::min(url.size(), url.find("://")));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (preset.requiresTls && scheme == "rtmp")
    throw UserError("preset '" + preset.name + "' requires RTMPS: use rtmps:// instead of '" + url +
                    "'");
}

}  // namespace mq::media
