// Encoder: encodes synthetic NV12 frames and a tone to files and checks them
// with ffprobe / ffmpeg.
#include "media/encoder.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "core/error.h"
#include "media/output_preset.h"
#include "media_test_util.h"

using namespace mq::media;
using namespace mq::media::test;

namespace {

// Encodes `frames` frames with audio to `outputs`; checks release and copies.
void encode(const EncoderSettings& s, const std::vector<std::string>& outputs, int frames) {
  Pattern pattern(s.width, s.height);
  std::atomic<int> released{0};
  {
    Encoder encoder(s, outputs);
    submitFrames(encoder, s, 0, frames, released, pattern);
    encoder.finish();
    CHECK(encoder.framesEncoded() == uint64_t(frames));
    CHECK(encoder.cpuPixelCopyBytes() == 0);
    for (const OutputStats& st : encoder.outputStats()) {
      INFO(st.url);
      CHECK(st.state == OutputState::Finished);
      CHECK(st.droppedPackets == 0);
      CHECK(st.packetsWritten > uint64_t(frames));
    }
  }
  CHECK(released == frames);
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

// MD5 per video frame: packets as stored (`copy`) or decoded pictures.
std::string videoMd5s(const fs::path& file, bool copy) {
  std::string out = run("ffmpeg -v error -i " + quote(file) + " -map 0:v " +
                        (copy ? "-c copy " : "-pix_fmt yuv420p ") + "-f framemd5 -");
  // Keep only the hashes: time bases and timestamps differ between containers.
  std::string hashes;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] != '#') hashes += line.substr(line.rfind(',') + 1) + "\n";
  return hashes;
}

}  // namespace

TEST_CASE("MP4: H.264 + AAC, size, rate, BT.709 tags, durations, zero copy", "[encoder]") {
  TempDir dir;
  const fs::path file = dir.path / "clip.mp4";
  EncoderSettings s = smallSettings(640, 360);
  Pattern pattern(s.width, s.height);
  std::atomic<int> released{0};
  {
    Encoder encoder(s, {file.string()});
    CHECK(encoder.videoEncoderName() == "libx264");
    CHECK(encoder.preferredLayout() == VideoPlanes::Layout::Nv12);
    for (int i = 0; i < 60; ++i) {
      submitFrames(encoder, s, i, 1, released, pattern);
      // libx264 copies the picture inside the encode call: the caller's slot
      // is free again as soon as submitVideo returns.
      CHECK(released == i + 1);
    }
    CHECK(fs::exists(dir.path / "clip.partial.mp4"));
    CHECK_FALSE(fs::exists(file));
    encoder.finish();
    CHECK(encoder.cpuPixelCopyBytes() == 0);
    CHECK(encoder.framesEncoded() == 60);
  }
  CHECK(released == 60);
  REQUIRE(fs::exists(file));
  CHECK(dir.fileCount() == 1);

  const auto p = probe(file);
  const auto v = streamOf(p, "video");
  const auto a = streamOf(p, "audio");
  REQUIRE(v.is_object());
  REQUIRE(a.is_object());
  CHECK(v["codec_name"] == "h264");
  CHECK(v["profile"] == "High");
  CHECK(v["width"] == 640);
  CHECK(v["height"] == 360);
  CHECK(v["nb_read_frames"] == "60");
  CHECK(v["avg_frame_rate"] == "30/1");
  CHECK(v["pix_fmt"] == "yuv420p");
  CHECK(v["color_space"] == "bt709");
  CHECK(v["color_primaries"] == "bt709");
  CHECK(v["color_transfer"] == "bt709");
  CHECK(v["color_range"] == "tv");
  CHECK(std::stod(v["duration"].get<std::string>()) == Approx(2.0).margin(0.001));
  CHECK(a["codec_name"] == "aac");
  CHECK(a["sample_rate"] == "48000");
  CHECK(a["channels"] == 2);
  CHECK(std::stod(a["duration"].get<std::string>()) == Approx(2.0).margin(0.03));
  CHECK(std::stod(p["format"]["duration"].get<std::string>()) == Approx(2.0).margin(0.03));
  CHECK(firstFrameLumaError(file, 640, 360) <= 3.0);

  // The tone is there: decoded audio is loud enough (RMS of 0.25 * sine ~ -15 dBFS).
  const std::string vol = run("ffmpeg -v info -i " + quote(file) +
                              " -map 0:a -af volumedetect -f null - 2>&1 | grep mean_volume");
  const double meanDb = std::stod(vol.substr(vol.find("mean_volume:") + 12));
  CHECK(meanDb == Approx(-15.1).margin(1.0));
}

TEST_CASE("key frames: first packet key, spacing = round(interval * fps), monotonic", "[encoder]") {
  TempDir dir;
  for (double interval : {2.0, 0.5}) {
    INFO("interval " << interval);
    const fs::path file = dir.path / ("gop" + std::to_string(int(interval * 10)) + ".mp4");
    EncoderSettings s = smallSettings();
    s.keyframeIntervalSeconds = interval;
    s.videoBitrate = 500'000;  // CBR: rate control must not add key frames either
    encode(s, {file.string()}, 150);
    const auto video = packets(file, "v:0");
    REQUIRE(video.size() == 150);
    CHECK(video.front().key);
    std::vector<double> keyTimes;
    for (const auto& pk : video)
      if (pk.key) keyTimes.push_back(pk.pts);
    REQUIRE(keyTimes.size() == size_t(std::ceil(150 / (interval * 30))));
    double maxGap = 0;
    for (size_t i = 1; i < keyTimes.size(); ++i)
      maxGap = std::max(maxGap, keyTimes[i] - keyTimes[i - 1]);
    CHECK(maxGap == Approx(interval).margin(0.002));
    for (size_t i = 1; i < video.size(); ++i) CHECK(video[i].dts > video[i - 1].dts);
    const auto audio = packets(file, "a:0");
    REQUIRE(audio.size() > 200);
    for (size_t i = 1; i < audio.size(); ++i) CHECK(audio[i].dts > audio[i - 1].dts);
  }
}

TEST_CASE("one encode, many outputs: mp4, mkv, ts and flv carry the same video", "[encoder]") {
  TempDir dir;
  const std::vector<std::string> outputs = {
      (dir.path / "a.mp4").string(), (dir.path / "a.mkv").string(), (dir.path / "a.ts").string(),
      (dir.path / "a.flv").string()};
  EncoderSettings s = smallSettings();
  encode(s, outputs, 45);
  CHECK(dir.fileCount() == 4);
  for (const auto& out : outputs) {
    INFO(out);
    const auto p = probe(out);
    CHECK(streamOf(p, "video")["codec_name"] == "h264");
    CHECK(streamOf(p, "video")["nb_read_frames"] == "45");
    CHECK(streamOf(p, "audio")["codec_name"] == "aac");
    CHECK(streamOf(p, "video")["color_space"] == "bt709");
  }
  // The same packets byte for byte where the containers store H.264 alike...
  const std::string mp4Packets = videoMd5s(outputs[0], true);
  CHECK(mp4Packets.size() > 45 * 32);
  CHECK(videoMd5s(outputs[1], true) == mp4Packets);
  CHECK(videoMd5s(outputs[3], true) == mp4Packets);
  // ...and the same pictures from the Annex B transport stream.
  const std::string pictures = videoMd5s(outputs[0], false);
  CHECK(videoMd5s(outputs[2], false) == pictures);
}

TEST_CASE("identical input gives byte-identical files", "[encoder]") {
  TempDir dir;
  EncoderSettings s = smallSettings(640, 360);
  for (const char* ext : {".mp4", ".mkv", ".ts"}) {
    INFO(ext);
    const fs::path a = dir.path / (std::string("a") + ext), b = dir.path / (std::string("b") + ext);
    encode(s, {a.string()}, 30);
    encode(s, {b.string()}, 30);
    const std::string bytesA = readFile(a);
    CHECK(bytesA.size() > 1000);
    CHECK(bytesA == readFile(b));
  }
}

TEST_CASE("bad outputs and settings: UserError naming them, nothing written", "[encoder]") {
  TempDir dir;
  const std::string mp4 = (dir.path / "clip.mp4").string();
  const EncoderSettings good = smallSettings();
  auto expectUserError = [&](const EncoderSettings& s, const std::vector<std::string>& outputs,
                             const std::string& fragment) {
    INFO(fragment);
    try {
      Encoder encoder(s, outputs);
      FAIL("no exception");
    } catch (const mq::UserError& e) {
      CHECK_THAT(e.what(), Catch::Contains(fragment));
    }
  };
  expectUserError(good, {(dir.path / "clip.avi").string()}, "'.avi'");
  expectUserError(good, {(dir.path / "noext").string()}, "no file extension");
  expectUserError(good, {"http://example.com/live"}, "'http://'");
  // A valid output before the bad one must not be created either.
  expectUserError(good, {mp4, (dir.path / "b.mkv").string(), "ftp://host/x"}, "'ftp://'");
  expectUserError(good, {(dir.path / "missing-dir" / "clip.mp4").string()}, "does not exist");
  expectUserError(good, {}, "no outputs");

  EncoderSettings s = good;
  s.videoCodec = "no-such-codec";
  expectUserError(s, {mp4}, "unknown encoder 'no-such-codec'");
  s.videoCodec = "aac";  // an encoder, but not a video one
  expectUserError(s, {mp4}, "unknown encoder 'aac'");
  s = good;
  s.audioCodec = "no-such-audio";
  expectUserError(s, {mp4}, "unknown audio encoder 'no-such-audio'");
  s = good;
  s.width = 321;
  expectUserError(s, {mp4}, "321x180");
  s = good;
  s.preset = "no-such-preset";
  expectUserError(s, {mp4}, "no-such-preset");
  s = good;
  s.fps = {0, 1};
  expectUserError(s, {mp4}, "frame rate");
  CHECK(dir.fileCount() == 0);
}

TEST_CASE("destroyed without finish: partial mp4 removed, mkv kept, every frame released",
          "[encoder]") {
  TempDir dir;
  EncoderSettings s = smallSettings();
  Pattern pattern(s.width, s.height);
  std::atomic<int> released{0};
  {
    Encoder encoder(s, {(dir.path / "show.mp4").string(), (dir.path / "show.mkv").string()});
    submitFrames(encoder, s, 0, 40, released, pattern);
    CHECK(fs::exists(dir.path / "show.partial.mp4"));
  }
  CHECK(released == 40);
  CHECK_FALSE(fs::exists(dir.path / "show.partial.mp4"));
  CHECK_FALSE(fs::exists(dir.path / "show.mp4"));
  REQUIRE(fs::exists(dir.path / "show.mkv"));
  CHECK(dir.fileCount() == 1);
  CHECK(streamOf(probe(dir.path / "show.mkv"), "video")["codec_name"] == "h264");
}

TEST_CASE("encoders without NV12 input: YUV420P planes go in directly, NV12 is converted",
          "[encoder]") {
  TempDir dir;
  EncoderSettings s = smallSettings(320, 240);
  s.videoCodec = "mpeg4";  // yuv420p only
  s.videoBitrate = 4'000'000;
  s.audio = false;
  Pattern pattern(s.width, s.height);
  std::atomic<int> released{0};
  {
    Encoder encoder(s, {(dir.path / "nv12.mov").string()});
    CHECK(encoder.preferredLayout() == VideoPlanes::Layout::Yuv420p);
    submitFrames(encoder, s, 0, 10, released, pattern);
    encoder.finish();
    CHECK(encoder.cpuPixelCopyBytes() == 10u * 320 * 240 * 3 / 2);
  }
  CHECK(released == 10);
  auto p = probe(dir.path / "nv12.mov");
  CHECK(streamOf(p, "video")["codec_name"] == "mpeg4");
  CHECK(streamOf(p, "video")["nb_read_frames"] == "10");
  CHECK(streamOf(p, "audio").is_null());
  CHECK(firstFrameLumaError(dir.path / "nv12.mov", 320, 240) <= 3.0);

  // Planar input in the encoder's own layout: zero copy.
  std::vector<uint8_t> u(320 * 240 / 4, 128), v(320 * 240 / 4, 128);
  {
    Encoder encoder(s, {(dir.path / "planar.mov").string()});
    for (int i = 0; i < 10; ++i) {
      VideoPlanes planes = pattern.frame(i);
      planes.layout = VideoPlanes::Layout::Yuv420p;
      planes.data[1] = u.data();
      planes.linesize[1] = 160;
      planes.data[2] = v.data();
      planes.linesize[2] = 160;
      encoder.submitVideo(planes, i, [&released] { ++released; });
    }
    encoder.finish();
    CHECK(encoder.cpuPixelCopyBytes() == 0);
  }
  CHECK(released == 20);
  CHECK(streamOf(probe(dir.path / "planar.mov"), "video")["nb_read_frames"] == "10");
}

TEST_CASE("NTSC rate 30000/1001 keeps exact timestamps", "[encoder]") {
  TempDir dir;
  const fs::path file = dir.path / "ntsc.mp4";
  EncoderSettings s = smallSettings();
  s.fps = {30000, 1001};
  encode(s, {file.string()}, 30);
  auto v = streamOf(probe(file), "video");
  CHECK(v["avg_frame_rate"] == "30000/1001");
  CHECK(v["nb_read_frames"] == "30");
  CHECK(std::stod(v["duration"].get<std::string>()) == Approx(1.001).margin(0.001));
}

TEST_CASE("audio not submitted is padded with silence to the video's length", "[encoder]") {
  TempDir dir;
  const fs::path file = dir.path / "silent.mp4";
  EncoderSettings s = smallSettings();
  Pattern pattern(s.width, s.height);
  std::atomic<int> released{0};
  {
    Encoder encoder(s, {file.string()});
    EncoderSettings noAudio = s;
    noAudio.audio = false;
    submitFrames(encoder, noAudio, 0, 45, released, pattern);
    encoder.finish();
  }
  const auto a = streamOf(probe(file), "audio");
  REQUIRE(a.is_object());
  CHECK(std::stod(a["duration"].get<std::string>()) == Approx(1.5).margin(0.03));
}

TEST_CASE("mkv recording survives SIGKILL up to its last second", "[encoder]") {
  TempDir dir;
  const fs::path file = dir.path / "crash.mkv";
  // The child reports how much media the encoder has produced in shared memory.
  auto* encodedFrames = static_cast<std::atomic<int64_t>*>(
      ::mmap(nullptr, sizeof(std::atomic<int64_t>), PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  REQUIRE(encodedFrames != MAP_FAILED);
  new (encodedFrames) std::atomic<int64_t>(0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      EncoderSettings s = smallSettings();
      Pattern pattern(s.width, s.height);
      std::atomic<int> released{0};
      Encoder encoder(s, {file.string()});
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < 120; ++i) {  // 4 s at real time
        std::this_thread::sleep_until(start + std::chrono::microseconds(i * 1000000LL / 30));
        submitFrames(encoder, s, i, 1, released, pattern);
        encodedFrames->store(int64_t(encoder.framesEncoded()));
      }
      encoder.finish();
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  const double encodedSeconds = double(encodedFrames->load()) / 30.0;
  ::munmap(encodedFrames, sizeof(std::atomic<int64_t>));

  REQUIRE(fs::exists(file));
  const auto v = packets(file, "v:0");
  REQUIRE(!v.empty());
  double last = 0;
  for (const auto& pk : v) last = std::max(last, pk.pts);
  const double fileSeconds = last + 1.0 / 30;
  // Decodes up to its end, all the frames it holds.
  const auto p = probe(file);
  CHECK(streamOf(p, "video")["nb_read_frames"] == std::to_string(v.size()));
  WARN("killed after " << encodedSeconds << " s encoded; file holds " << fileSeconds << " s");
  CHECK(encodedSeconds > 2.0);
  CHECK(fileSeconds <= encodedSeconds + 0.001);
  CHECK(fileSeconds >= encodedSeconds - 1.0);
}

TEST_CASE("output presets: values, overrides, impossible settings rejected", "[encoder]") {
  const OutputPreset& tiktok = findOutputPreset("tiktok-vertical");
  CHECK(tiktok.width == 1080);
  CHECK(tiktok.height == 1920);
  CHECK(tiktok.fps == mq::Rational{30, 1});
  CHECK(tiktok.videoBitrate == 6'000'000);
  CHECK(tiktok.keyframeIntervalSeconds == 2.0);
  CHECK(tiktok.audioBitrate == 128'000);
  CHECK_FALSE(tiktok.requiresTls);
  const OutputPreset& insta = findOutputPreset("instagram-live");
  CHECK(insta.width == 720);
  CHECK(insta.height == 1280);
  CHECK(insta.videoBitrate == 3'500'000);
  CHECK(insta.requiresTls);
  CHECK(findOutputPreset("landscape-1080p30").videoBitrate == 6'000'000);
  const OutputPreset& l60 = findOutputPreset("landscape-1080p60");
  CHECK(l60.fps == mq::Rational{60, 1});
  CHECK(l60.videoBitrate == 9'000'000);
  CHECK(l60.width == 1920);
  CHECK(l60.height == 1080);
  for (const OutputPreset& p : outputPresets()) {
    INFO(p.name);
    EncoderSettings s;
    applyOutputPreset(p, s);
    CHECK_NOTHROW(validateLiveSettings(s));
  }

  try {
    findOutputPreset("youtube");
    FAIL("no exception");
  } catch (const mq::UserError& e) {
    CHECK_THAT(e.what(), Catch::Contains("'youtube'") && Catch::Contains("tiktok-vertical") &&
                             Catch::Contains("instagram-live") &&
                             Catch::Contains("landscape-1080p30") &&
                             Catch::Contains("landscape-1080p60"));
  }

  // Overrides after the preset win; the rest stays.
  EncoderSettings s;
  s.threads = 4;
  applyOutputPreset(tiktok, s);
  s.videoBitrate = 4'000'000;
  s.keyframeIntervalSeconds = 1.0;
  CHECK(s.width == 1080);
  CHECK(s.threads == 4);
  CHECK(s.videoBitrate == 4'000'000);
  CHECK_NOTHROW(validateLiveSettings(s));

  CHECK_THROWS_WITH(checkOutputUrlForPreset(insta, "rtmp://live-upload.instagram.com/rtmp/key"),
                    Catch::Contains("RTMPS") && Catch::Contains("rtmps://"));
  CHECK_NOTHROW(checkOutputUrlForPreset(insta, "rtmps://live-upload.instagram.com:443/rtmp/k"));
  CHECK_NOTHROW(checkOutputUrlForPreset(tiktok, "rtmp://push.tiktok.example/live/k"));

  auto rejects = [&](EncoderSettings bad, const std::string& option, LiveLimits limits = {}) {
    INFO(option);
    try {
      validateLiveSettings(bad, limits);
      FAIL("no exception");
    } catch (const mq::UserError& e) {
      CHECK_THAT(e.what(), Catch::Contains(option));
    }
  };
  EncoderSettings base;
  applyOutputPreset(tiktok, base);
  EncoderSettings bad = base;
  bad.keyframeIntervalSeconds = 5;
  rejects(bad, "--keyframe-interval 5 s is too long");
  LiveLimits allowLong;
  allowLong.allowLongKeyframeInterval = true;
  rejects(bad, "at most 4 s", allowLong);
  bad.keyframeIntervalSeconds = 3;
  rejects(bad, "--keyframe-interval 3 s");
  CHECK_NOTHROW(validateLiveSettings(bad, allowLong));
  bad = base;
  bad.width = 1081;
  rejects(bad, "--output-size 1081x1920");
  bad = base;
  bad.videoBitrate = 100'000'000;
  rejects(bad, "--video-bitrate 100000 kb/s");
  bad.videoBitrate = 0;
  rejects(bad, "--video-bitrate is required");
  bad = base;
  bad.audioBitrate = 8000;
  rejects(bad, "--audio-bitrate");
  bad = base;
  bad.fps = {240, 1};
  rejects(bad, "frame rate 240/1");
}

TEST_CASE(
    "encoder choice: auto is libx264 without CUDA frames, NVENC fails clearly without "
    "its hardware, planes must match the handoff",
    "[encoder]") {
  TempDir dir;
  EncoderSettings s = smallSettings(320, 240);
  s.audio = false;
  CHECK(s.videoCodec == "auto");
  resolveVideoEncoder(s);
  CHECK(s.videoCodec == "libx264");
  CHECK_FALSE(s.cuda);
  s.videoCodec = "no-such-codec";
  CHECK_THROWS_AS(resolveVideoEncoder(s), mq::UserError);
  // Which names are worth setting CUDA up for: FFmpeg says which encoders
  // take CUDA frames.
  CHECK(mayTakeCudaFrames("auto"));
  CHECK(mayTakeCudaFrames("h264_nvenc"));
  CHECK(mayTakeCudaFrames("hevc_nvenc"));
  CHECK_FALSE(mayTakeCudaFrames("libx264"));
  CHECK_FALSE(mayTakeCudaFrames("no-such-codec"));

  // This machine has no NVIDIA driver (CI): h264_nvenc is in Debian's FFmpeg
  // but cannot start. A runtime failure naming the encoder, nothing written.
  s.videoCodec = "h264_nvenc";
  try {
    Encoder encoder(s, {(dir.path / "n.mp4").string()});
    FAIL("h264_nvenc opened: this test expects a machine without NVENC");
  } catch (const mq::RuntimeError& e) {
    CHECK_THAT(e.what(), Catch::Contains("hardware encoder 'h264_nvenc' could not start"));
  }
  CHECK(dir.fileCount() == 0);

  // CUDA planes to an encoder set up for host memory are refused, and the
  // frame is still released.
  s.videoCodec = "auto";
  Encoder encoder(s, {(dir.path / "x.mkv").string()});
  CHECK(encoder.cudaInterop() == nullptr);
  Pattern pattern(s.width, s.height);
  VideoPlanes planes = pattern.frame(0);
  planes.cuda = true;
  int released = 0;
  CHECK_THROWS_AS(encoder.submitVideo(planes, 0, [&] { ++released; }), mq::RuntimeError);
  CHECK(released == 1);
  encoder.finish();
}
