// MediaSource: reads media made by the ffmpeg command-line tool in a temp
// directory (pixel formats, colour tags, times, loops, audio, sequences,
// failures) and the built-in camera.
#include "media/media_source.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "media_test_util.h"

namespace fs = std::filesystem;
using namespace mq::media;
using Clock = std::chrono::steady_clock;

namespace {

using mq::media::test::TempDir;

void ffmpeg(const std::string& args) {
  const std::string command = "ffmpeg -hide_banner -nostdin -loglevel error -y " + args;
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
}

SourceOptions optionsFor(const std::string& url) {
  SourceOptions o;
  o.id = "test";
  o.url = url;
  return o;
}

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Waits (up to `seconds`) for a condition on the source's stats.
template <typename Pred>
bool waitFor(const MediaSource& source, double seconds, Pred pred) {
  const auto start = Clock::now();
  while (secondsSince(start) < seconds) {
    if (pred(source.stats())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred(source.stats());
}

// Sample `index` of a row of plane `plane`, normalised to the low bits.
int sample(const VideoFrame& f, int plane, int index, int row) {
  const uint8_t* p = f.data[plane] + size_t(row) * f.linesize[plane];
  int v = f.format.bytesPerSample == 2 ? p[index * 2] | (p[index * 2 + 1] << 8) : p[index];
  if (f.format.msbAligned) v >>= 16 - f.format.bitDepth;
  return v;
}

// The three components at a pixel: Y, Cb, Cr for YUV (Cb = Cr = -1 for
// gray), R, G, B for RGB.
std::array<int, 3> pixel(const VideoFrame& f, int x, int y) {
  const PictureFormat& pf = f.format;
  switch (pf.layout) {
    case PlaneLayout::Planar: {
      const int cx = x >> pf.chromaShiftX, cy = y >> pf.chromaShiftY;
      return {sample(f, 0, x, y), sample(f, 1, cx, cy), sample(f, 2, cx, cy)};
    }
    case PlaneLayout::SemiPlanar: {
      const int cx = x >> pf.chromaShiftX, cy = y >> pf.chromaShiftY;
      int cb = sample(f, 1, cx * 2, cy), cr = sample(f, 1, cx * 2 + 1, cy);
      if (pf.swapChroma) std::swap(cb, cr);
      return {sample(f, 0, x, y), cb, cr};
    }
    case PlaneLayout::Packed: {
      const uint8_t* row = f.data[0] + size_t(y) * f.linesize[0];
      if (pf.packedYuv422) {
        const uint8_t* group = row + (x / 2) * pf.bytesPerPixel;
        return {group[pf.componentOrder[x % 2 ? 2 : 0]], group[pf.componentOrder[1]],
                group[pf.componentOrder[3]]};
      }
      const uint8_t* px = row + x * pf.bytesPerPixel;
      return {px[pf.componentOrder[0]], px[pf.componentOrder[1]], px[pf.componentOrder[2]]};
    }
    case PlaneLayout::Gray:
      return {sample(f, 0, x, y), -1, -1};
  }
  return {};
}

// Y, Cb, Cr of an sRGB colour by the BT.601/709 formula.
std::array<double, 3> analyticYuv(int r, int g, int b, YuvMatrix matrix, YuvRange range,
                                  int bits = 8) {
  const double kr = matrix == YuvMatrix::Bt709 ? 0.2126 : 0.299;
  const double kb = matrix == YuvMatrix::Bt709 ? 0.0722 : 0.114;
  const double R = r / 255.0, G = g / 255.0, B = b / 255.0;
  const double y = kr * R + (1 - kr - kb) * G + kb * B;
  const double pb = (B - y) / (2 * (1 - kb)), pr = (R - y) / (2 * (1 - kr));
  const double scale = double(1 << (bits - 8));
  if (range == YuvRange::Limited)
    return {(16 + 219 * y) * scale, (128 + 224 * pb) * scale, (128 + 224 * pr) * scale};
  return {255 * y * scale, (128 + 255 * pb) * scale, (128 + 255 * pr) * scale};
}

// Bytes of visible samples in one row of each plane.
int rowBytes(const PictureFormat& pf, int plane) {
  const int w = pf.width, bps = pf.bytesPerSample;
  const int cw = (w + (1 << pf.chromaShiftX) - 1) >> pf.chromaShiftX;
  switch (pf.layout) {
    case PlaneLayout::Planar:
      return (plane == 0 ? w : cw) * bps;
    case PlaneLayout::SemiPlanar:
      return (plane == 0 ? w : cw * 2) * bps;
    case PlaneLayout::Packed:
      return pf.packedYuv422 ? (w + 1) / 2 * pf.bytesPerPixel : w * pf.bytesPerPixel;
    case PlaneLayout::Gray:
      return w * bps;
  }
  return 0;
}

uint64_t hashFrame(const VideoFrame& f) {
  uint64_t h = 1469598103934665603ull;
  for (int p = 0; p < 3 && f.data[p]; ++p)
    for (int row = 0; row < f.planeRows[p]; ++row) {
      const uint8_t* d = f.data[p] + size_t(row) * f.linesize[p];
      for (int i = 0, n = rowBytes(f.format, p); i < n; ++i) h = (h ^ d[i]) * 1099511628211ull;
    }
  return h;
}

int zeroCrossings(const std::vector<float>& stereo, int channel) {
  int n = 0;
  for (size_t i = 2 + channel; i < stereo.size(); i += 2)
    if ((stereo[i - 2] < 0) != (stereo[i] < 0)) ++n;
  return n;
}

double rms(const std::vector<float>& stereo, size_t firstFrame, size_t frames) {
  double sum = 0;
  for (size_t i = firstFrame; i < firstFrame + frames; ++i)
    sum += double(stereo[i * 2]) * stereo[i * 2];
  return std::sqrt(sum / double(frames));
}

// Every frame of a finished file, asked for at its own frame times.
std::vector<VideoFrame> allFrames(MediaSource& source, int64_t stepUs, int max) {
  std::vector<VideoFrame> frames;
  for (int i = 0; i < max; ++i) {
    auto f = source.videoFrameAt(i * stepUs);
    if (!f) break;
    if (!frames.empty() && frames.back().serial == f->serial) break;  // the end repeats
    frames.push_back(*f);
  }
  return frames;
}

}  // namespace

TEST_CASE("Source state names", "[source]") {
  CHECK(std::string(sourceStateName(SourceState::Connecting)) == "connecting");
  CHECK(std::string(sourceStateName(SourceState::Playing)) == "playing");
  CHECK(std::string(sourceStateName(SourceState::Reconnecting)) == "reconnecting");
  CHECK(std::string(sourceStateName(SourceState::Ended)) == "ended");
}

TEST_CASE("Source describes pixel formats and keeps the decoded samples", "[source]") {
  struct Case {
    const char* pixFmt;
    PlaneLayout layout;
    int shiftX, shiftY, bytesPerSample, bitDepth;
    bool msb = false, swap = false, packed422 = false, rgb = false;
    int bytesPerPixel = 4;
    bool alpha = false;
  };
  const Case cases[] = {
      {"yuv420p", PlaneLayout::Planar, 1, 1, 1, 8},
      {"yuv422p", PlaneLayout::Planar, 1, 0, 1, 8},
      {"yuv444p", PlaneLayout::Planar, 0, 0, 1, 8},
      {"nv12", PlaneLayout::SemiPlanar, 1, 1, 1, 8},
      {"nv21", PlaneLayout::SemiPlanar, 1, 1, 1, 8, false, true},
      {"yuv420p10le", PlaneLayout::Planar, 1, 1, 2, 10},
      {"yuv444p12le", PlaneLayout::Planar, 0, 0, 2, 12},
      {"p010le", PlaneLayout::SemiPlanar, 1, 1, 2, 10, true},
      {"yuyv422", PlaneLayout::Packed, 1, 0, 1, 8, false, false, true},
      {"uyvy422", PlaneLayout::Packed, 1, 0, 1, 8, false, false, true},
      {"rgb24", PlaneLayout::Packed, 0, 0, 1, 8, false, false, false, true, 3},
      {"bgra", PlaneLayout::Packed, 0, 0, 1, 8, false, false, false, true, 4, true},
      {"0rgb", PlaneLayout::Packed, 0, 0, 1, 8, false, false, false, true, 4},
      {"gray", PlaneLayout::Gray, 0, 0, 1, 8},
      {"gray10le", PlaneLayout::Gray, 0, 0, 2, 10},
  };
  TempDir dir;
  const int r = 200, g = 60, b = 100;
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.pixFmt) {
      // NUT keeps raw video of most formats but no colour tags (so this also
      // checks the untagged SD default: BT.601 limited). P010 only goes raw.
      const bool raw = std::string(c.pixFmt) == "p010le";
      const std::string file = dir / (std::string(c.pixFmt) + (raw ? ".yuv" : ".nut"));
      ffmpeg(
          "-f lavfi -i color=c=#C83C64:s=64x48:r=25:d=0.12,format=rgb24 -vf "
          "scale=out_color_matrix=bt601:out_range=tv,format=" +
          std::string(c.pixFmt) + " -c:v rawvideo " + (raw ? "-f rawvideo " : "-f nut ") + file);
      SourceOptions o = optionsFor(file);
      if (raw) {
        o.captureWidth = 64;
        o.captureHeight = 48;
        o.capturePixelFormat = c.pixFmt;
      }
      MediaSource source(o);
      auto f = source.videoFrameAt(0);
      REQUIRE(f);
      const PictureFormat& pf = f->format;
      CHECK(pf.pixelFormatName == c.pixFmt);
      CHECK(pf.width == 64);
      CHECK(pf.height == 48);
      CHECK(pf.layout == c.layout);
      CHECK(pf.chromaShiftX == c.shiftX);
      CHECK(pf.chromaShiftY == c.shiftY);
      CHECK(pf.bytesPerSample == c.bytesPerSample);
      CHECK(pf.bitDepth == c.bitDepth);
      CHECK(pf.msbAligned == c.msb);
      CHECK(pf.swapChroma == c.swap);
      CHECK(pf.packedYuv422 == c.packed422);
      CHECK(pf.hasAlpha == c.alpha);
      CHECK(f->planeRows[0] == 48);
      CHECK(f->linesize[0] >= rowBytes(pf, 0));
      if (c.layout == PlaneLayout::Packed) CHECK(pf.bytesPerPixel == c.bytesPerPixel);
      CHECK(source.stats().pixelFormat == c.pixFmt);

      for (auto [x, y] : {std::pair{0, 0}, {37, 21}, {63, 47}}) {
        const auto px = pixel(*f, x, y);
        if (c.rgb) {
          CHECK(pf.matrix == YuvMatrix::Identity);
          CHECK(pf.range == YuvRange::Full);
          CHECK(px == std::array<int, 3>{r, g, b});
        } else {
          CHECK(pf.matrix == YuvMatrix::Bt601);
          CHECK(pf.range == YuvRange::Limited);
          const auto want = analyticYuv(r, g, b, YuvMatrix::Bt601, YuvRange::Limited, c.bitDepth);
          const double tolerance = 2.0 * (1 << (c.bitDepth - 8));
          CHECK(std::abs(px[0] - want[0]) <= tolerance);
          if (c.layout != PlaneLayout::Gray) {
            CHECK(std::abs(px[1] - want[1]) <= tolerance);
            CHECK(std::abs(px[2] - want[2]) <= tolerance);
          }
        }
      }
      if (c.alpha) CHECK(f->data[0][pf.componentOrder[3]] == 255);
    }
  }
}

TEST_CASE("Source resolves colour matrix and range from the stream", "[source]") {
  struct Case {
    const char* name;
    const char* tags;   // ffmpeg output options
    const char* scale;  // matrix and range the pixels are made with
    int width, height;
    YuvMatrix matrix;
    YuvRange range;
  };
  const Case cases[] = {
      {"bt601 tv", "-colorspace smpte170m -color_range tv", "bt601:out_range=tv", 320, 240,
       YuvMatrix::Bt601, YuvRange::Limited},
      {"bt709 tv", "-colorspace bt709 -color_range tv", "bt709:out_range=tv", 320, 240,
       YuvMatrix::Bt709, YuvRange::Limited},
      {"bt709 pc", "-colorspace bt709 -color_range pc", "bt709:out_range=pc", 320, 240,
       YuvMatrix::Bt709, YuvRange::Full},
      {"bt470bg pc", "-colorspace bt470bg -color_range pc", "bt601:out_range=pc", 320, 240,
       YuvMatrix::Bt601, YuvRange::Full},
      {"untagged HD", "", "bt709:out_range=tv", 1280, 720, YuvMatrix::Bt709, YuvRange::Limited},
      {"bt2020", "-colorspace bt2020nc -color_range tv", "bt2020:out_range=tv", 320, 240,
       YuvMatrix::Bt2020, YuvRange::Limited},
  };
  TempDir dir;
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const std::string file = dir / "x264.mkv";
      // Lossless H.264 (qp 0), so the samples are exactly what was encoded.
      ffmpeg("-f lavfi -i color=c=#C83C64:s=" + std::to_string(c.width) + "x" +
             std::to_string(c.height) + ":r=25:d=0.08 -vf scale=out_color_matrix=" + c.scale +
             ",format=yuv420p -c:v libx264 -qp 0 -preset ultrafast " + c.tags + " " + file);
      MediaSource source(optionsFor(file));
      auto f = source.videoFrameAt(0);
      REQUIRE(f);
      CHECK(f->format.matrix == c.matrix);
      CHECK(f->format.range == c.range);
      CHECK(f->format.layout == PlaneLayout::Planar);
      if (c.matrix == YuvMatrix::Bt2020) continue;  // no analytic check for 2020 here
      const auto want = analyticYuv(200, 60, 100, c.matrix, c.range);
      const auto px = pixel(*f, c.width / 2, c.height / 2);
      CHECK(std::abs(px[0] - want[0]) <= 2);
      CHECK(std::abs(px[1] - want[1]) <= 2);
      CHECK(std::abs(px[2] - want[2]) <= 2);
    }
  }
}

TEST_CASE("Source times frames from zero and ends with the last frame", "[source]") {
  TempDir dir;
  const std::string file = dir / "count.mkv";
  ffmpeg("-f lavfi -i testsrc=s=64x48:r=25:d=0.4 -c:v ffv1 " + file);
  MediaSource source(optionsFor(file));
  const std::vector<VideoFrame> frames = allFrames(source, 40000, 20);
  REQUIRE(frames.size() == 10);
  for (size_t i = 0; i < frames.size(); ++i) {
    CHECK(frames[i].timeUs == int64_t(i) * 40000);
    if (i > 0) CHECK(frames[i].serial == frames[i - 1].serial + 1);
  }
  CHECK(source.stats().state == SourceState::Ended);
  CHECK(source.stats().fps == Approx(25));
  CHECK(source.stats().framesDecoded == 10);
  CHECK(source.stats().lastError.empty());
  // Past the end: the last frame stays; asking between frames gives the earlier one.
  auto last = source.videoFrameAt(5'000'000);
  REQUIRE(last);
  CHECK(last->timeUs == 360000);
  CHECK(last->serial == frames.back().serial);
}

TEST_CASE("Source answers with the frame at or before the time", "[source]") {
  TempDir dir;
  const std::string file = dir / "count.mkv";
  ffmpeg("-f lavfi -i testsrc=s=64x48:r=25:d=0.4 -c:v ffv1 " + file);
  MediaSource source(optionsFor(file));
  auto first = source.videoFrameAt(-1000);
  REQUIRE(first);
  CHECK(first->timeUs == 0);
  auto f = source.videoFrameAt(79999);
  REQUIRE(f);
  CHECK(f->timeUs == 40000);
  f = source.videoFrameAt(80000);
  REQUIRE(f);
  CHECK(f->timeUs == 80000);
  // A frame handed out stays valid after the source moved on.
  const uint64_t hash = hashFrame(*first);
  source.videoFrameAt(300000);
  CHECK(hashFrame(*first) == hash);
}

TEST_CASE("Looping file continues its clock across the loop point", "[source]") {
  TempDir dir;
  const std::string file = dir / "count.mkv";
  ffmpeg("-f lavfi -i testsrc=s=64x48:r=25:d=0.4 -c:v ffv1 " + file);
  SourceOptions o = optionsFor(file);
  o.loop = true;
  MediaSource source(o);
  std::vector<uint64_t> hashes;
  for (int i = 0; i < 25; ++i) {
    auto f = source.videoFrameAt(i * 40000);
    REQUIRE(f);
    CHECK(f->timeUs == i * 40000);
    hashes.push_back(hashFrame(*f));
  }
  for (int i = 10; i < 25; ++i) CHECK(hashes[i] == hashes[i % 10]);
  CHECK(hashes[0] != hashes[1]);
  CHECK(source.stats().state == SourceState::Playing);
}

TEST_CASE("Source resamples audio to 48 kHz stereo", "[source]") {
  TempDir dir;
  const std::string file = dir / "tone.wav";
  // 1 kHz at -20 dBFS peak, 44.1 kHz mono.
  ffmpeg("-f lavfi -i 'aevalsrc=0.1*sin(2*PI*1000*t):s=44100:c=mono:d=1' -c:a pcm_s16le " + file);
  MediaSource source(optionsFor(file));
  CHECK_FALSE(source.videoFrameAt(0));  // no video: answers at once
  CHECK(source.stats().hasAudio);
  std::vector<float> audio(48000 * 2);
  source.readAudio(0, audio.data(), 24000);
  source.readAudio(24000, audio.data() + 48000, 24000);
  // Skip the edges, where the resampler's filter starts and stops.
  const std::vector<float> middle(audio.begin() + 4800 * 2, audio.begin() + 43200 * 2);
  CHECK(std::abs(zeroCrossings(middle, 0) - 1600) <= 4);  // 0.8 s of 1 kHz
  CHECK(zeroCrossings(middle, 1) == zeroCrossings(middle, 0));
  float peak = 0;
  for (size_t i = 0; i < middle.size(); i += 2) {
    peak = std::max(peak, std::abs(middle[i]));
    REQUIRE(middle[i] == middle[i + 1]);  // mono on both sides, full level
  }
  CHECK(peak == Approx(0.1).margin(0.003));
  CHECK(rms(middle, 0, middle.size() / 2) == Approx(0.1 / std::sqrt(2.0)).margin(0.002));
  // After the end: silence.
  std::vector<float> after(960 * 2, 1.0f);
  source.readAudio(60000, after.data(), 960);
  for (float s : after) REQUIRE(s == 0.0f);
  CHECK(source.stats().state == SourceState::Ended);
}

TEST_CASE("Source reads image sequences", "[source]") {
  TempDir dir;
  ffmpeg("-f lavfi -i testsrc=s=64x48:r=25:d=0.2 -start_number 0 " + (dir / "shot%03d.png"));
  REQUIRE(fs::exists(dir / "shot004.png"));
  MediaSource source(optionsFor(dir / "shot%03d.png"));
  const std::vector<VideoFrame> frames = allFrames(source, 40000, 20);
  REQUIRE(frames.size() == 5);
  CHECK(frames[4].timeUs == 160000);
  CHECK(frames[0].format.layout == PlaneLayout::Packed);
  CHECK(frames[0].format.matrix == YuvMatrix::Identity);
  CHECK(hashFrame(frames[0]) != hashFrame(frames[1]));
  CHECK(source.stats().state == SourceState::Ended);
}

TEST_CASE("Missing file: reconnecting with backoff, never blocking", "[source]") {
  TempDir dir;
  const std::string file = dir / "missing.mp4";
  auto source = std::make_unique<MediaSource>(optionsFor(file));
  REQUIRE(waitFor(*source, 3, [](const SourceStats& s) { return s.openFailures >= 2; }));
  const SourceStats st = source->stats();
  CHECK(st.state == SourceState::Reconnecting);
  CHECK(st.lastError == "cannot open '" + file + "': No such file or directory");
  auto start = Clock::now();
  CHECK_FALSE(source->videoFrameAt(0));
  std::vector<float> audio(256 * 2, 1.0f);
  source->readAudio(0, audio.data(), 256);
  for (float s : audio) REQUIRE(s == 0.0f);
  CHECK(secondsSince(start) < 0.2);
  start = Clock::now();
  source.reset();
  CHECK(secondsSince(start) < 1.0);
}

TEST_CASE("Missing file that appears later is picked up", "[source]") {
  TempDir dir;
  const std::string file = dir / "late.mkv";
  auto source = std::make_unique<MediaSource>(optionsFor(file));
  REQUIRE(waitFor(*source, 2, [](const SourceStats& s) { return s.openFailures >= 1; }));
  ffmpeg("-f lavfi -i testsrc=s=64x48:r=25:d=0.2 -c:v ffv1 " + (dir / "late.tmp.mkv"));
  fs::rename(dir / "late.tmp.mkv", file);
  REQUIRE(waitFor(*source, 5, [](const SourceStats& s) { return s.reconnects >= 1; }));
  auto f = source->videoFrameAt(0);
  REQUIRE(f);
  CHECK(f->timeUs == 0);
}

TEST_CASE("Refused network URL: reconnecting, never blocking, fast to stop", "[source]") {
  SourceOptions o = optionsFor("rtmp://127.0.0.1:1/live/x");
  o.offlineWaitSeconds = 1.0;
  auto source = std::make_unique<MediaSource>(o);
  auto start = Clock::now();
  CHECK_FALSE(source->videoFrameAt(0));
  CHECK(secondsSince(start) < 1.5);
  REQUIRE(waitFor(*source, 3, [](const SourceStats& s) { return s.openFailures >= 2; }));
  const SourceStats st = source->stats();
  CHECK(st.state == SourceState::Reconnecting);
  CHECK(st.lastError.find("cannot open 'rtmp://127.0.0.1:1/live/x'") == 0);
  start = Clock::now();
  CHECK_FALSE(source->videoFrameAt(1'000'000));
  CHECK(secondsSince(start) < 0.2);
  start = Clock::now();
  source.reset();
  CHECK(secondsSince(start) < 1.0);
}

TEST_CASE("Silent network source times out and stops promptly", "[source]") {
  // A UDP port nobody sends to: the open blocks on probing until stopped.
  SourceOptions o = optionsFor("udp://127.0.0.1:45931");
  o.offlineWaitSeconds = 0.3;
  auto source = std::make_unique<MediaSource>(o);
  auto start = Clock::now();
  CHECK_FALSE(source->videoFrameAt(0));
  CHECK(secondsSince(start) < 1.0);
  start = Clock::now();
  source.reset();
  CHECK(secondsSince(start) < 1.0);
}

TEST_CASE("Live network stream under Live pacing keeps about a second", "[source]") {
  const int port = 20000 + int(::getpid() % 20000);
  const std::string url = "udp://127.0.0.1:" + std::to_string(port);
  SourceOptions o = optionsFor(url);
  o.pacing = Pacing::Live;
  auto source = std::make_unique<MediaSource>(o);
  // A real-time sender for 2 s (it exits by itself).
  const std::string command =
      "ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi -i testsrc=s=64x48:r=25:d=2 "
      "-c:v libx264 -preset ultrafast -tune zerolatency -g 5 -f mpegts '" +
      url + "?pkt_size=1316' >/dev/null 2>&1 &";
  REQUIRE(std::system(command.c_str()) == 0);
  REQUIRE(waitFor(*source, 5, [](const SourceStats& s) { return s.framesDecoded >= 40; }));
  const SourceStats st = source->stats();
  CHECK(st.state == SourceState::Playing);
  CHECK(st.width == 64);
  // Nothing was read, so only the newest second is kept: the oldest frame
  // left is well past the start.
  auto oldest = source->videoFrameAt(0);
  REQUIRE(oldest);
  const int64_t newest = int64_t(st.framesDecoded - 1) * 40000;
  CHECK(oldest->timeUs >= newest - 1'100'000);
  CHECK(oldest->timeUs > 0);
  const auto start = Clock::now();
  source.reset();
  CHECK(secondsSince(start) < 1.0);
}

TEST_CASE("Truncated and corrupt files decode up to the damage", "[source]") {
  TempDir dir;
  const std::string file = dir / "clip.ts";
  ffmpeg("-f lavfi -i testsrc=s=160x120:r=25:d=2 -c:v libx264 -preset ultrafast -g 10 " + file);
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  REQUIRE(bytes.size() > 10000);

  SECTION("truncated") {
    std::ofstream(file, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size() / 2);
  }
  SECTION("corrupt middle") {
    for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 3000; ++i)
      bytes[i] = char((i * 7919) & 0xff);
    std::ofstream(file, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size());
  }
  MediaSource source(optionsFor(file));
  // Damage may drop frames, so walk the whole clip and keep the distinct ones.
  std::vector<VideoFrame> frames;
  for (int64_t t = 0; t <= 3'000'000; t += 10000) {
    auto f = source.videoFrameAt(t);
    if (f && (frames.empty() || frames.back().serial != f->serial)) frames.push_back(*f);
  }
  CHECK(frames.size() >= 10);
  CHECK(frames.size() <= 50);
  for (size_t i = 1; i < frames.size(); ++i) CHECK(frames[i].timeUs > frames[i - 1].timeUs);
  CHECK(source.stats().state == SourceState::Ended);
}

TEST_CASE("Offline decoding of a file is deterministic", "[source]") {
  TempDir dir;
  const std::string file = dir / "clip.mp4";
  ffmpeg("-f lavfi -i testsrc2=s=160x120:r=25:d=1 -c:v libx264 -preset ultrafast -bf 2 " + file);
  auto run = [&] {
    MediaSource source(optionsFor(file));
    std::vector<std::pair<int64_t, uint64_t>> seen;
    // Output ticks at 30 fps over a 25 fps file: some frames repeat.
    for (int i = 0; i < 36; ++i) {
      auto f = source.videoFrameAt(int64_t(i) * 1000000 / 30);
      REQUIRE(f);
      seen.emplace_back(f->timeUs, hashFrame(*f));
    }
    return seen;
  };
  const auto a = run();
  const auto b = run();
  CHECK(a == b);
  CHECK(a.back().first == 960000);
}

TEST_CASE("Built-in camera: animated, clocked, beeping and deterministic", "[source]") {
  auto capture = [](std::vector<uint64_t>& hashes, std::vector<float>& audio) {
    SourceOptions o = optionsFor("builtin:camera?size=320x240&rate=25");
    MediaSource source(o);
    for (int i = 0; i < 30; ++i) {
      auto f = source.videoFrameAt(int64_t(i) * 40000);
      REQUIRE(f);
      CHECK(f->timeUs == i * 40000);
      if (i == 0) {
        CHECK(f->format.pixelFormatName == "yuv420p");
        CHECK(f->format.matrix == YuvMatrix::Bt709);
        CHECK(f->format.range == YuvRange::Limited);
        CHECK(f->format.width == 320);
        CHECK(f->format.height == 240);
      }
      hashes.push_back(hashFrame(*f));
    }
    audio.assign(2 * 48000 * 2, 0.0f);
    source.readAudio(0, audio.data(), 48000);
    source.readAudio(48000, audio.data() + 96000, 48000);
    CHECK(source.stats().hasAudio);
    CHECK(source.stats().fps == Approx(25));
    CHECK(source.stats().state == SourceState::Playing);
  };
  std::vector<uint64_t> hashes1, hashes2;
  std::vector<float> audio1, audio2;
  capture(hashes1, audio1);
  capture(hashes2, audio2);
  CHECK(hashes1 == hashes2);
  CHECK(audio1 == audio2);
  for (size_t i = 1; i < hashes1.size(); ++i) CHECK(hashes1[i] != hashes1[i - 1]);
  // 200 ms beep at each second, silence between.
  for (size_t second : {0, 1}) {
    const size_t at = second * 48000;
    CHECK(rms(audio1, at + 480, 8640) == Approx(0.1 / std::sqrt(2.0)).margin(0.003));
    CHECK(rms(audio1, at + 10000, 37000) < 1e-4);
    std::vector<float> beep(audio1.begin() + at * 2, audio1.begin() + (at + 9600) * 2);
    CHECK(std::abs(zeroCrossings(beep, 0) - 400) <= 2);
  }
}

TEST_CASE("Built-in camera defaults to 720p30 and rejects bad options", "[source]") {
  {
    SourceOptions o = optionsFor("builtin:camera");
    o.audio = false;
    MediaSource source(o);
    auto f = source.videoFrameAt(0);
    REQUIRE(f);
    CHECK(f->format.width == 1280);
    CHECK(f->format.height == 720);
    CHECK(source.stats().fps == Approx(30));
    CHECK_FALSE(source.stats().hasAudio);
  }
  {
    MediaSource source(optionsFor("builtin:camera?size=big"));
    CHECK_FALSE(source.videoFrameAt(0));
    CHECK(source.stats().state == SourceState::Reconnecting);
    CHECK(source.stats().lastError.find("size 'big'") != std::string::npos);
  }
}

TEST_CASE("Live pacing never blocks", "[source]") {
  SourceOptions o = optionsFor("builtin:camera?size=160x120&rate=25");
  o.pacing = Pacing::Live;
  MediaSource source(o);
  auto start = Clock::now();
  source.videoFrameAt(0);  // may or may not have a frame yet
  std::vector<float> audio(480 * 2);
  source.readAudio(0, audio.data(), 480);
  CHECK(secondsSince(start) < 0.05);
  REQUIRE(waitFor(source, 3, [](const SourceStats& s) { return s.framesDecoded >= 5; }));
  auto f = source.videoFrameAt(100000);
  REQUIRE(f);
  CHECK(f->timeUs <= 100000);
  // Pulled: the decoder stays a few frames ahead of what was asked for.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(source.stats().framesDecoded < 20);
}

TEST_CASE("Built-in camera decode speed at 1280x720@30", "[.bench]") {
  SourceOptions o = optionsFor("builtin:camera");
  MediaSource source(o);
  std::vector<float> audio(1600 * 2);
  const auto start = Clock::now();
  const int frames = 300;
  for (int i = 0; i < frames; ++i) {
    REQUIRE(source.videoFrameAt(int64_t(i) * 1000000 / 30));
    source.readAudio(int64_t(i) * 1600, audio.data(), 1600);
  }
  const double seconds = secondsSince(start);
  WARN("builtin camera 1280x720@30: " << frames / seconds << " frames/s");
}
