// The built-in generated camera, "builtin:camera[?size=WxH&rate=N]" (default
// 1280x720 at 30 fps): an endless, deterministic test signal for rehearsals
// and tests. Picture: FFmpeg's testsrc2 pattern (moving colour bars, a
// sweeping gradient line, noise squares) with a big running clock
// HH:MM:SS.FF burnt into the centre (so it survives a portrait "cover" crop)
// and a red bar that flashes during each beep. Sound: a 1 kHz sine at
// -20 dBFS, 200 ms at the start of every second. Video is yuv420p tagged
// BT.709 limited range; audio is 48 kHz mono float.
//
// It is an FFmpeg lavfi graph, opened through libavdevice's "lavfi" input
// device by MediaSource, so it takes the same demux/decode path as any file.
#pragma once

#include <string>

namespace mq::media {

struct BuiltinCameraSpec {
  int width = 1280, height = 720;
  int rate = 30;
  std::string graph;  // lavfi graph: video on [out0], audio (if asked) on [out1]
};

// True for URLs that name the built-in camera ("builtin:camera...").
bool isBuiltinCameraUrl(const std::string& url);

// Parses the URL's query and builds the graph. Returns false with `error` set
// for an unknown key or an out-of-range size or rate.
bool builtinCameraSpec(const std::string& url, bool audio, BuiltinCameraSpec& spec,
                       std::string& error);

}  // namespace mq::media
