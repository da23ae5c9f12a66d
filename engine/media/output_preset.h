// Named output presets: where a show goes (a platform's ingest or a plain
// landscape stream) and the encoder settings it expects. Apply a preset onto
// EncoderSettings first, then any explicit option on top, then validate.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/rational.h"
#include "media/encoder.h"

namespace mq::media {

struct OutputPreset {
  std::string name;  // e.g. "tiktok-vertical"
  std::string description;
  int width = 0, height = 0;
  Rational fps{30, 1};
  int64_t videoBitrate = 0;  // bit/s, constant bitrate
  double keyframeIntervalSeconds = 2.0;
  int64_t audioBitrate = 128000;  // AAC, 48 kHz stereo
  bool requiresTls = false;       // the platform only accepts rtmps://
};

// Every preset, in a stable order.
const std::vector<OutputPreset>& outputPresets();

// The preset called `name`; mq::UserError listing the valid names otherwise.
const OutputPreset& findOutputPreset(std::string_view name);

// Sets size, frame rate, CBR bitrate, keyframe interval and audio from the
// preset; other fields (encoder, threads, ...) are left as they are.
void applyOutputPreset(const OutputPreset& preset, EncoderSettings& settings);

// Limits for live streaming settings; options are named as on the command
// line (--output-size, --video-bitrate, --keyframe-interval, --audio-bitrate).
struct LiveLimits {
  double maxKeyframeIntervalSeconds = 2.0;      // platforms expect 2 s
  double hardMaxKeyframeIntervalSeconds = 4.0;  // allowed with allowLongKeyframeInterval
  bool allowLongKeyframeInterval = false;
  int64_t minVideoBitrate = 300'000, maxVideoBitrate = 50'000'000;
  int64_t minAudioBitrate = 32'000, maxAudioBitrate = 512'000;
  int maxWidth = 3840, maxHeight = 3840;
};

// Throws mq::UserError naming the option for settings a live destination
// cannot take: odd or too large sizes, a frame rate outside 1-120, a bitrate
// outside the limits (or none: live outputs need constant bitrate), a
// keyframe interval above 2 s (4 s at most, and only when allowed).
void validateLiveSettings(const EncoderSettings& settings, const LiveLimits& limits = {});

// mq::UserError when `url` does not suit `preset` (plain rtmp:// for a preset
// that requires TLS).
void checkOutputUrlForPreset(const OutputPreset& preset, const std::string& url);

}  // namespace mq::media
