// Live outputs against real servers: nginx-rtmp (plain and behind TLS) and an
// ffmpeg SRT listener. Streams are paced in real time and pulled back with
// ffmpeg.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "media/encoder.h"
#include "media_test_util.h"
#include "process.h"
#include "rtmp_server.h"

using namespace mq::media;
using namespace mq::media::test;
using mq::test::ChildProcess;
using mq::test::RtmpServer;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

EncoderSettings liveSettings() {
  EncoderSettings s = smallSettings(640, 360);
  s.videoBitrate = 1'000'000;
  s.keyframeIntervalSeconds = 1.0;
  s.audioBitrate = 128'000;
  return s;
}

// Submits frames [first, last) paced at real time from `start` (frame 0).
void paced(Encoder& encoder, const EncoderSettings& s, int first, int last, Clock::time_point start,
           std::atomic<int>& released, Pattern& pattern) {
  for (int i = first; i < last; ++i) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(int64_t(i) * 1000000 / 30));
    submitFrames(encoder, s, i, 1, released, pattern);
  }
}

// ffmpeg pulling `url` for `seconds` into `file` (stream copy).
std::unique_ptr<ChildProcess> pull(const std::string& url, const fs::path& file, double seconds,
                                   const fs::path& log) {
  return std::make_unique<ChildProcess>(
      std::vector<std::string>{"ffmpeg", "-v", "error", "-y", "-rw_timeout", "8000000", "-i", url,
                               "-c", "copy", "-t", std::to_string(seconds), file.string()},
      log);
}

OutputStats statsFor(const Encoder& encoder, const std::string& url) {
  for (const OutputStats& st : encoder.outputStats())
    if (st.url == url) return st;
  FAIL("no output " << url);
  return {};
}

// Waits until the output is Live (or the timeout passes); the time it took.
double waitLive(const Encoder& encoder, const std::string& url, std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  while (Clock::now() - start < timeout) {
    if (statsFor(encoder, url).state == OutputState::Live) break;
    std::this_thread::sleep_for(10ms);
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void checkPulled(const fs::path& file, double minSeconds, double maxSeconds) {
  REQUIRE(fs::exists(file));
  const auto p = probe(file);
  const auto v = streamOf(p, "video");
  const auto a = streamOf(p, "audio");
  REQUIRE(v.is_object());
  REQUIRE(a.is_object());
  CHECK(v["codec_name"] == "h264");
  CHECK(v["width"] == 640);
  CHECK(v["height"] == 360);
  CHECK(v["r_frame_rate"] == "30/1");
  CHECK(a["codec_name"] == "aac");
  CHECK(a["sample_rate"] == "48000");
  const double duration = std::stod(p["format"]["duration"].get<std::string>());
  CHECK(duration >= minSeconds);
  CHECK(duration <= maxSeconds);
  const auto video = packets(file, "v:0");
  REQUIRE(!video.empty());
  for (size_t i = 1; i < video.size(); ++i) CHECK(video[i].dts > video[i - 1].dts);
}

}  // namespace

TEST_CASE("RTMP to nginx-rtmp with a recording; survives a 3 s server outage", "[rtmp]") {
  TempDir dir;
  RtmpServer server;
  const std::string url = server.url("show");
  const fs::path recording = dir.path / "show.mkv";
  const EncoderSettings s = liveSettings();
  Pattern pattern(s.width, s.height);
  std::atomic<int> released{0};
  constexpr int kFrames = 12 * 30;

  Encoder encoder(s, {url, recording.string()});
  const auto start = Clock::now();
  paced(encoder, s, 0, 10, start, released, pattern);
  REQUIRE(waitLive(encoder, url, 5s) < 5);
  // Pull 3 s while the stream runs normally.
  auto pull1 = pull(url, dir.path / "pulled1.flv", 3, dir.path / "pull1.log");
  paced(encoder, s, 10, 4 * 30, start, released, pattern);
  INFO(readFile(dir.path / "pull1.log"));
  REQUIRE(pull1->wait(3s) == 0);

  // Outage: nginx gone for 3 s.
  server.stop();
  paced(encoder, s, 4 * 30, 7 * 30, start, released, pattern);
  {
    const OutputStats st = statsFor(encoder, url);
    CHECK(st.state != OutputState::Live);
    CHECK_FALSE(st.lastError.empty());
  }
  server.start();
  const auto restarted = Clock::now();
  int frame = 7 * 30;
  while (statsFor(encoder, url).state != OutputState::Live && frame < 10 * 30) {
    paced(encoder, s, frame, frame + 1, start, released, pattern);
    ++frame;
  }
  const double reconnectSeconds = std::chrono::duration<double>(Clock::now() - restarted).count();
  REQUIRE(statsFor(encoder, url).state == OutputState::Live);
  auto pull2 = pull(url, dir.path / "pulled2.flv", 1.5, dir.path / "pull2.log");
  paced(encoder, s, frame, kFrames, start, released, pattern);
  INFO(readFile(dir.path / "pull2.log"));
  CHECK(pull2->wait(5s) == 0);

  const OutputStats live = statsFor(encoder, url);
  CHECK(live.reconnects >= 1);
  CHECK(live.state == OutputState::Live);
  CHECK(live.droppedPackets > 0);
  CHECK(live.bitrateKbps > 500);
  CHECK(live.bitrateKbps < 2000);
  const OutputStats rec = statsFor(encoder, recording.string());
  CHECK(rec.droppedPackets == 0);
  encoder.finish();
  CHECK(released == kFrames);
  CHECK(statsFor(encoder, url).state == OutputState::Finished);

  checkPulled(dir.path / "pulled1.flv", 2.5, 3.3);
  checkPulled(dir.path / "pulled2.flv", 1.0, 1.8);
  const auto r = probe(recording);
  CHECK(streamOf(r, "video")["nb_read_frames"] == std::to_string(kFrames));
  std::printf(
      "rtmp: reconnected %.2f s after nginx came back (%llu reconnects, %llu packets dropped, "
      "%.0f kb/s); recording holds %s of %d frames\n",
      reconnectSeconds, (unsigned long long)live.reconnects,
      (unsigned long long)live.droppedPackets, live.bitrateKbps,
      streamOf(r, "video")["nb_read_frames"].get<std::string>().c_str(), kFrames);
}

TEST_CASE("an unreachable live output neither blocks the encoder nor finish()", "[rtmp]") {
  TempDir dir;
  const std::string url =
      "rtmp://127.0.0.1:" + std::to_string(mq::test::freeLoopbackPort()) + "/live/nobody";
  const fs::path file = dir.path / "rec.mkv";
  const EncoderSettings s = liveSettings();
  Pattern pattern(s.width, s.height);
  std::atomic<int> released{0};
  Encoder encoder(s, {url, file.string()});
  submitFrames(encoder, s, 0, 60, released, pattern);  // as fast as it goes
  std::this_thread::sleep_for(1s);
  const OutputStats st = statsFor(encoder, url);
  CHECK(st.state == OutputState::Connecting);
  CHECK_THAT(st.lastError, Catch::Contains("onnection refused"));
  CHECK(st.packetsWritten == 0);
  const auto before = Clock::now();
  encoder.finish();
  CHECK(Clock::now() - before < 4s);
  CHECK(statsFor(encoder, url).state == OutputState::Failed);
  CHECK(streamOf(probe(file), "video")["nb_read_frames"] == "60");
}

TEST_CASE("SRT caller to an ffmpeg listener", "[rtmp]") {
  TempDir dir;
  const int port = mq::test::freeLoopbackPort();
  const fs::path received = dir.path / "srt.ts";
  ChildProcess listener({"ffmpeg", "-v", "error", "-y", "-i",
                         "srt://127.0.0.1:" + std::to_string(port) + "?mode=listener", "-c", "copy",
                         received.string()},
                        dir.path / "srt.log");
  std::this_thread::sleep_for(300ms);  // let it bind
  const std::string url = "srt://127.0.0.1:" + std::to_string(port);
  const EncoderSettings s = liveSettings();
  Pattern pattern(s.width, s.height);
  std::atomic<int> released{0};
  {
    Encoder encoder(s, {url});
    const auto start = Clock::now();
    paced(encoder, s, 0, 4 * 30, start, released, pattern);
    const OutputStats st = statsFor(encoder, url);
    INFO(st.lastError);
    CHECK(st.state == OutputState::Live);
    encoder.finish();
  }
  INFO(readFile(dir.path / "srt.log"));
  if (listener.wait(5s) < 0) listener.signal(SIGINT);
  listener.wait(3s);
  checkPulled(received, 3.0, 4.3);
}

TEST_CASE("RTMPS through TLS in front of nginx-rtmp", "[rtmp]") {
  TempDir dir;
  RtmpServer server(/*tls=*/true);
  const std::string url = server.rtmpsUrl("secure");
  const EncoderSettings s = liveSettings();
  Pattern pattern(s.width, s.height);
  std::atomic<int> released{0};
  Encoder encoder(s, {url});
  const auto start = Clock::now();
  paced(encoder, s, 0, 10, start, released, pattern);
  INFO(statsFor(encoder, url).lastError);
  REQUIRE(waitLive(encoder, url, 5s) < 5);
  auto puller = pull(server.url("secure"), dir.path / "pulled.flv", 1.5, dir.path / "pull.log");
  paced(encoder, s, 10, 3 * 30, start, released, pattern);
  INFO(readFile(dir.path / "pull.log"));
  CHECK(puller->wait(5s) == 0);
  encoder.finish();
  CHECK(statsFor(encoder, url).state == OutputState::Finished);
  checkPulled(dir.path / "pulled.flv", 1.0, 1.8);
}
