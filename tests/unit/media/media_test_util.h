// Shared by the media tests: temporary directories, a synthetic NV12 picture
// and audio tone, running the ffprobe / ffmpeg tools and reading their JSON.
#pragma once

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "media/encoder.h"

namespace mq::media::test {

namespace fs = std::filesystem;

// A fresh, empty directory removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("marquee-media-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  size_t fileCount() const {
    return static_cast<size_t>(
        std::distance(fs::directory_iterator(path), fs::directory_iterator()));
  }
};

// Frame `index` of a synthetic picture: a luma ramp, a bright bar moving right
// 16 px per frame, the frame number in binary as black/white blocks along the
// top, chroma varying slowly. BT.709 limited range NV12.
struct Pattern {
  int width, height;
  std::vector<uint8_t> y, uv;
  Pattern(int w, int h) : width(w), height(h), y(size_t(w) * h), uv(size_t(w) * h / 2) {}
  VideoPlanes frame(int index) {
    const int barX = (index * 16) % width;
    for (int row = 0; row < height; ++row)
      for (int x = 0; x < width; ++x) {
        const bool bar = x >= barX && x < barX + width / 12;
        uint8_t v = bar ? 220 : uint8_t(40 + (x * 120 / width) + (row * 40 / height));
        if (row < 16 && x / 16 < 16) v = ((index >> (x / 16)) & 1) ? 235 : 16;
        y[size_t(row) * width + x] = v;
      }
    for (int row = 0; row < height / 2; ++row)
      for (int x = 0; x < width / 2; ++x) {
        uv[size_t(row) * width + 2 * x] = uint8_t(96 + (x * 64 / (width / 2)));          // Cb
        uv[size_t(row) * width + 2 * x + 1] = uint8_t(160 - (row * 64 / (height / 2)));  // Cr
      }
    VideoPlanes p;
    p.layout = VideoPlanes::Layout::Nv12;
    p.data[0] = y.data();
    p.linesize[0] = width;
    p.data[1] = uv.data();
    p.linesize[1] = width;
    return p;
  }
};

// `frames` stereo frames of a 440 Hz tone starting at show sample `start`.
inline std::vector<float> tone(int64_t start, int frames) {
  std::vector<float> out(size_t(frames) * 2);
  for (int i = 0; i < frames; ++i) {
    const float v = 0.25f * std::sin(float(2 * M_PI * 440.0 * double(start + i) / 48000.0));
    out[2 * size_t(i)] = v;
    out[2 * size_t(i) + 1] = v;
  }
  return out;
}

inline std::string quote(const fs::path& p) {
  return "'" + p.string() + "'";
}

// Runs a shell command and returns its stdout (with `withStderr`, stderr too:
// FFmpeg's analysis filters print there); fails the test on a non-zero exit.
inline std::string run(const std::string& command, bool withStderr = false) {
  FILE* pipe = ::popen((withStderr ? command + " 2>&1" : command).c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  INFO(command << "\n" << out);
  REQUIRE(status == 0);
  return out;
}

// ffprobe's streams (with counted frames) and format, as JSON.
inline nlohmann::json probe(const fs::path& file) {
  return nlohmann::json::parse(
      run("ffprobe -v error -count_frames -print_format json -show_streams -show_format " +
          quote(file)));
}

// The first stream of `type` ("video" / "audio") in a probe() result, or null.
inline nlohmann::json streamOf(const nlohmann::json& probed, const std::string& type) {
  for (const auto& s : probed["streams"])
    if (s["codec_type"] == type) return s;
  return nullptr;
}

struct PacketInfo {
  double pts = 0, dts = 0;
  bool key = false;
};

// Packets of stream `selector` ("v:0", "a:0") in file order.
inline std::vector<PacketInfo> packets(const fs::path& file, const std::string& selector) {
  const auto j = nlohmann::json::parse(
      run("ffprobe -v error -select_streams " + selector +
          " -show_entries packet=pts_time,dts_time,flags -print_format json " + quote(file)));
  std::vector<PacketInfo> out;
  for (const auto& p : j["packets"]) {
    PacketInfo info;
    info.pts = std::stod(p.value("pts_time", "0"));
    info.dts = std::stod(p.value("dts_time", "0"));
    info.key = p.value("flags", "").find('K') != std::string::npos;
    out.push_back(info);
  }
  return out;
}

inline std::string readFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline EncoderSettings smallSettings(int width = 320, int height = 180) {
  EncoderSettings s;
  s.width = width;
  s.height = height;
  s.fps = {30, 1};
  return s;
}

// Submits frames [first, first + frames) and the matching audio to `encoder`;
// counts the release callbacks in `released`.
inline void submitFrames(Encoder& encoder, const EncoderSettings& s, int first, int frames,
                         std::atomic<int>& released, Pattern& pattern) {
  for (int i = first; i < first + frames; ++i) {
    encoder.submitVideo(pattern.frame(i), i, [&released] { ++released; });
    if (s.audio) {
      const int64_t from = int64_t(i) * 48000 * s.fps.den / s.fps.num;
      const int64_t to = int64_t(i + 1) * 48000 * s.fps.den / s.fps.num;
      const auto samples = tone(from, int(to - from));
      encoder.submitAudio(samples.data(), int(to - from));
    }
  }
}

}  // namespace mq::media::test
