// VideoFileWriter: encodes synthetic NV12 frames and checks the files with the
// ffprobe / ffmpeg command-line tools.
#include "media/video_writer.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"

namespace fs = std::filesystem;
using mq::media::Nv12Frame;
using mq::media::VideoFileWriter;
using mq::media::VideoSettings;

namespace {

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
  size_t fileCount() const {
    return static_cast<size_t>(
        std::distance(fs::directory_iterator(path), fs::directory_iterator()));
  }
};

// Frame `index` of a synthetic pattern: a luma ramp with a bright vertical bar
// moving right 16 px per frame, chroma varying slowly. BT.709 limited range.
struct Pattern {
  int width, height;
  std::vector<uint8_t> y, uv;
  Pattern(int w, int h) : width(w), height(h), y(size_t(w) * h), uv(size_t(w) * h / 2) {}
  Nv12Frame frame(int index) {
    const int barX = (index * 16) % width;
    for (int row = 0; row < height; ++row)
      for (int x = 0; x < width; ++x) {
        const bool bar = x >= barX && x < barX + 96;
        y[size_t(row) * width + x] =
            bar ? 220 : uint8_t(40 + (x * 120 / width) + (row * 40 / height));
      }
    for (int row = 0; row < height / 2; ++row)
      for (int x = 0; x < width / 2; ++x) {
        uv[size_t(row) * width + 2 * x] = uint8_t(96 + (x * 64 / (width / 2)));          // Cb
        uv[size_t(row) * width + 2 * x + 1] = uint8_t(160 - (row * 64 / (height / 2)));  // Cr
      }
    return Nv12Frame{y.data(), width, uv.data(), width};
  }
};

std::string quote(const fs::path& p) {
  return "'" + p.string() + "'";
}

std::string run(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  INFO(command);
  REQUIRE(status == 0);
  return out;
}

// ffprobe's key=value output for the first video stream and the format.
std::map<std::string, std::string> probe(const fs::path& file) {
  const std::string out =
      run("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
          "stream=codec_name,profile,width,height,pix_fmt,nb_read_frames,avg_frame_rate,"
          "color_space,color_range,color_primaries,color_transfer:format=duration "
          "-of default=noprint_wrappers=1 " +
          quote(file));
  std::map<std::string, std::string> values;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

// Packet flags ("K__" for key frames) of the video stream, in decode order.
std::vector<std::string> packetFlags(const fs::path& file) {
  const std::string out =
      run("ffprobe -v error -select_streams v:0 -show_entries packet=flags "
          "-of csv=p=0 " +
          quote(file));
  std::vector<std::string> flags;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) flags.push_back(line);
  return flags;
}

std::string readFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void encode(const fs::path& file, const VideoSettings& settings, int frames) {
  Pattern pattern(settings.width, settings.height);
  VideoFileWriter writer(file, settings);
  for (int i = 0; i < frames; ++i) writer.write(pattern.frame(i));
  CHECK(writer.framesWritten() == frames);
  writer.finish();
}

// Mean absolute difference between the decoded first frame's luma and the input's.
double firstFrameLumaError(const fs::path& file, int width, int height) {
  const std::string raw =
      run("ffmpeg -v error -i " + quote(file) + " -frames:v 1 -f rawvideo -pix_fmt nv12 -");
  REQUIRE(raw.size() == size_t(width) * height * 3 / 2);
  Pattern pattern(width, height);
  pattern.frame(0);
  double sum = 0;
  for (size_t i = 0; i < pattern.y.size(); ++i)
    sum += std::abs(int(uint8_t(raw[i])) - int(pattern.y[i]));
  return sum / double(pattern.y.size());
}

VideoSettings hd720() {
  VideoSettings s;
  s.width = 1280;
  s.height = 720;
  s.fps = {30, 1};
  return s;
}

}  // namespace

TEST_CASE("H.264 MP4: size, frame count, rate, BT.709 tags, duration, content", "[media]") {
  TempDir dir;
  const fs::path file = dir.path / "clip.mp4";
  encode(file, hd720(), 60);
  REQUIRE(fs::exists(file));
  CHECK_FALSE(fs::exists(dir.path / "clip.partial.mp4"));
  CHECK(dir.fileCount() == 1);

  auto p = probe(file);
  CHECK(p["codec_name"] == "h264");
  CHECK(p["profile"] == "High");
  CHECK(p["width"] == "1280");
  CHECK(p["height"] == "720");
  CHECK(p["nb_read_frames"] == "60");
  CHECK(p["avg_frame_rate"] == "30/1");
  CHECK(p["color_space"] == "bt709");
  CHECK(p["color_primaries"] == "bt709");
  CHECK(p["color_transfer"] == "bt709");
  CHECK(p["color_range"] == "tv");
  CHECK(p["pix_fmt"] == "yuv420p");
  CHECK(std::stod(p["duration"]) == Approx(2.0).margin(0.001));

  CHECK(firstFrameLumaError(file, 1280, 720) <= 3.0);
}

TEST_CASE("key frames every round(interval * fps) frames, the first one a key frame", "[media]") {
  TempDir dir;
  const fs::path file = dir.path / "gop.mp4";
  VideoSettings s = hd720();
  s.width = 320;
  s.height = 180;
  s.keyframeIntervalSeconds = 0.5;  // 15 frames
  encode(file, s, 45);
  const auto flags = packetFlags(file);
  REQUIRE(flags.size() == 45);
  // Packets are in decode order; count key packets and check the first.
  int keys = 0;
  for (const auto& f : flags) keys += f.find('K') != std::string::npos;
  CHECK(flags.front().find('K') != std::string::npos);
  CHECK(keys == 3);
}

TEST_CASE("Matroska output works and is tagged", "[media]") {
  TempDir dir;
  const fs::path file = dir.path / "clip.mkv";
  VideoSettings s = hd720();
  s.width = 640;
  s.height = 360;
  encode(file, s, 20);
  auto p = probe(file);
  CHECK(p["codec_name"] == "h264");
  CHECK(p["width"] == "640");
  CHECK(p["nb_read_frames"] == "20");
  CHECK(p["color_space"] == "bt709");
  CHECK(p["color_range"] == "tv");
  CHECK(firstFrameLumaError(file, 640, 360) <= 3.0);
  CHECK(dir.fileCount() == 1);
}

TEST_CASE("an encoder without NV12 input goes through libswscale", "[media]") {
  TempDir dir;
  const fs::path file = dir.path / "clip.mov";
  VideoSettings s = hd720();
  s.width = 320;
  s.height = 240;
  s.codec = "mpeg4";  // yuv420p only
  s.bitrate = 4'000'000;
  encode(file, s, 10);
  auto p = probe(file);
  CHECK(p["codec_name"] == "mpeg4");
  CHECK(p["nb_read_frames"] == "10");
  CHECK(firstFrameLumaError(file, 320, 240) <= 3.0);
}

TEST_CASE("bitrate mode encodes", "[media]") {
  TempDir dir;
  const fs::path file = dir.path / "cbr.mp4";
  VideoSettings s = hd720();
  s.width = 320;
  s.height = 180;
  s.bitrate = 1'000'000;
  encode(file, s, 10);
  CHECK(probe(file)["nb_read_frames"] == "10");
}

TEST_CASE("unknown extension or encoder: UserError and no file", "[media]") {
  TempDir dir;
  VideoSettings s = hd720();
  try {
    VideoFileWriter writer(dir.path / "clip.avi", s);
    FAIL("no exception");
  } catch (const mq::UserError& e) {
    CHECK_THAT(e.what(), Catch::Contains("'.avi'"));
  }
  CHECK_THROWS_AS(VideoFileWriter(dir.path / "noext", s), mq::UserError);

  s.codec = "no-such-codec";
  try {
    VideoFileWriter writer(dir.path / "clip.mp4", s);
    FAIL("no exception");
  } catch (const mq::UserError& e) {
    CHECK(std::string(e.what()) == "unknown encoder 'no-such-codec'");
  }
  s.codec = "aac";  // an encoder, but not a video one
  CHECK_THROWS_AS(VideoFileWriter(dir.path / "clip.mp4", s), mq::UserError);

  s = hd720();
  s.width = 1279;  // odd: no 4:2:0
  CHECK_THROWS_AS(VideoFileWriter(dir.path / "clip.mp4", s), mq::UserError);
  s = hd720();
  s.preset = "no-such-preset";
  CHECK_THROWS_AS(VideoFileWriter(dir.path / "clip.mp4", s), mq::UserError);
  CHECK_THROWS_AS(VideoFileWriter(dir.path / "missing-dir" / "clip.mp4", hd720()), mq::UserError);

  CHECK(dir.fileCount() == 0);
}

TEST_CASE("writes to a partial file; destroying without finish leaves nothing", "[media]") {
  TempDir dir;
  const fs::path file = dir.path / "show.mp4";
  VideoSettings s = hd720();
  s.width = 320;
  s.height = 180;
  {
    Pattern pattern(s.width, s.height);
    VideoFileWriter writer(file, s);
    CHECK(writer.partialPath() == dir.path / "show.partial.mp4");
    for (int i = 0; i < 5; ++i) writer.write(pattern.frame(i));
    CHECK(fs::exists(writer.partialPath()));
    CHECK_FALSE(fs::exists(file));
  }
  CHECK(dir.fileCount() == 0);
}

TEST_CASE("identical frames give byte-identical files", "[media]") {
  TempDir dir;
  VideoSettings s = hd720();
  s.width = 640;
  s.height = 360;
  for (const char* ext : {".mp4", ".mkv"}) {
    INFO(ext);
    encode(dir.path / (std::string("a") + ext), s, 30);
    encode(dir.path / (std::string("b") + ext), s, 30);
    const std::string a = readFile(dir.path / (std::string("a") + ext));
    const std::string b = readFile(dir.path / (std::string("b") + ext));
    CHECK(a.size() > 1000);
    CHECK(a == b);
  }
}

TEST_CASE("NTSC rate 30000/1001 keeps exact timestamps", "[media]") {
  TempDir dir;
  const fs::path file = dir.path / "ntsc.mp4";
  VideoSettings s = hd720();
  s.width = 320;
  s.height = 180;
  s.fps = {30000, 1001};
  encode(file, s, 30);
  auto p = probe(file);
  CHECK(p["avg_frame_rate"] == "30000/1001");
  CHECK(p["nb_read_frames"] == "30");
  CHECK(std::stod(p["duration"]) == Approx(1.001).margin(0.001));
}
