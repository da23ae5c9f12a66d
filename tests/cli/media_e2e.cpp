// Media in and out, end to end through the marquee executable: sources given
// with --input (FFmpeg-made files in several pixel formats and colour
// matrices, missing files, refused URLs), a live RTMP stream to a real nginx
// server that goes away mid-stream while a recording runs, and a render killed
// with SIGKILL that still leaves a playable recording.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <regex>
#include <thread>

#include "cli_harness.h"
#include "process.h"
#include "rtmp_server.h"

using namespace mq::clitest;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// A full-canvas video node showing the source "camera".
void writeCameraScene(const fs::path& file, int width, int height) {
  writeFile(file, R"({"format": "marquee.scene/1",
  "canvas": {"width": )" +
                      std::to_string(width) + R"(, "height": )" + std::to_string(height) +
                      R"(, "fps": 30},
  "nodes": [{"id": "camera", "kind": "video", "url": "builtin:camera",
             "size": [)" +
                      std::to_string(width) + ", " + std::to_string(height) + R"(]}]})");
}

void requireOk(const RunResult& r) {
  INFO(r.describe());
  REQUIRE(r.exited);
  REQUIRE(r.status == 0);
}

json readJson(const fs::path& file) {
  return json::parse(readFile(file));
}

// ffprobe's streams of a file or URL (codec, size, rate, duration).
json probeStreams(const std::string& input, const fs::path& cwd) {
  return runJson({"ffprobe", "-v", "error", "-show_entries",
                  "stream=codec_type,codec_name,width,height,r_frame_rate,sample_rate,channels:"
                  "format=duration",
                  "-of", "json", input},
                 cwd);
}

const json* streamOf(const json& probe, const std::string& type) {
  for (const json& s : probe["streams"])
    if (s["codec_type"] == type) return &s;
  return nullptr;
}

double probeDuration(const json& probe) {
  return std::stod(probe["format"]["duration"].get<std::string>());
}

}  // namespace

TEST_CASE("a source given with --input decodes in its own pixel format, matrix and range",
          "[cli][media][source]") {
  TempDir dir;
  writeCameraScene(dir / "scene.json", 320, 180);
  // One colour, encoded several ways; each must come back as the same sRGB.
  struct Clip {
    const char* file;
    std::vector<std::string> encode;
  };
  const Clip clips[] = {
      {"bt601_tv.mp4",
       {"-vf", "scale=out_color_matrix=bt601:out_range=tv,format=yuv420p", "-c:v", "libx264", "-qp",
        "0", "-colorspace", "smpte170m", "-color_range", "tv"}},
      {"bt709_pc.mkv",
       {"-vf", "scale=out_color_matrix=bt709:out_range=pc,format=yuv444p", "-c:v", "ffv1",
        "-colorspace", "bt709", "-color_range", "pc"}},
      {"bt2020_10bit.mkv",
       {"-vf", "scale=out_color_matrix=bt2020:out_range=tv,format=yuv420p10le", "-c:v", "ffv1",
        "-colorspace", "bt2020nc", "-color_range", "tv"}},
      // NUT does not store colour tags: untagged SD video is BT.601 limited, as players assume.
      {"nv12_untagged.nut",
       {"-vf", "scale=out_color_matrix=bt601:out_range=tv,format=nv12", "-c:v", "rawvideo"}},
      {"rgb24.nut", {"-vf", "format=rgb24", "-c:v", "rawvideo"}},
  };
  for (const Clip& c : clips) {
    DYNAMIC_SECTION(c.file) {
      std::vector<std::string> make = {
          "ffmpeg", "-nostdin", "-v", "error",
          "-f",     "lavfi",    "-i", "color=c=0xC83C28:s=320x180:r=30:d=1"};
      make.insert(make.end(), c.encode.begin(), c.encode.end());
      make.push_back(c.file);
      requireOk(runProgram(make, dir.path()));
      requireOk(runMarquee({"still", "scene.json", "--input", std::string("camera=") + c.file,
                            "--time", "0.5", "-o", "out.png"},
                           dir.path()));
      RgbImage img = loadRgb(dir / "out.png");
      const uint8_t* p = &img.rgb[(size_t(90) * img.width + 160) * 3];
      INFO("decoded " << int(p[0]) << "," << int(p[1]) << "," << int(p[2]));
      CHECK(std::abs(int(p[0]) - 0xC8) <= 3);
      CHECK(std::abs(int(p[1]) - 0x3C) <= 3);
      CHECK(std::abs(int(p[2]) - 0x28) <= 3);
    }
  }
}

TEST_CASE("a missing file or a refused URL shows the slate and the render completes",
          "[cli][media][source]") {
  TempDir dir;
  writeCameraScene(dir / "scene.json", 320, 180);
  for (std::string url : {"missing.mp4", "rtmp://127.0.0.1:1/live/nobody"}) {
    DYNAMIC_SECTION(url) {
      RunResult r = runMarquee({"render", "scene.json", "--input", "camera=" + url, "--frames",
                                "10", "-o", "out.mp4", "--stats", "stats.json"},
                               dir.path());
      INFO(r.describe());
      REQUIRE(r.exited);
      REQUIRE(r.status == 0);
      CHECK(r.err.find("source camera (" + url + ") showed its slate for 10 frames") !=
            std::string::npos);
      json stats = readJson(dir / "stats.json");
      const json& source = stats["sources"][0];
      CHECK(source["id"] == "camera");
      CHECK(source["slate_frames"] == 10);
      CHECK(source["state"] == "reconnecting");
      CHECK(source["open_failures"].get<int>() >= 1);
      CHECK(!source["last_error"].get<std::string>().empty());
      CHECK(stats["cpu_pixel_copy_bytes_per_frame"] == 0.0);
      CHECK(probeVideoStream(dir / "out.mp4")["nb_read_frames"] == "10");
      // The slate: dark grey with a light message, not black.
      requireOk(runMarquee({"still", "scene.json", "--input", "camera=" + url, "-o", "slate.png"},
                           dir.path()));
      RgbImage img = loadRgb(dir / "slate.png");
      CHECK(int(img.rgb[0]) == 0x1c);
    }
  }
}

TEST_CASE("render streams to a real RTMP server while recording; an outage is survived",
          "[cli][media][rtmp]") {
  TempDir dir;
  mq::test::RtmpServer server;
  const std::string url = server.url("show");
  const fs::path scene = sourceDir() / "scenes" / "default.json";
  // Paced to the wall clock like a live show, small so lavapipe keeps up.
  mq::test::ChildProcess marquee(
      {marqueeBinary().string(), "render", scene.string(), "--duration", "10", "--realtime",
       "--output-size", "360x640", "--input", "camera=builtin:camera?size=640x360",
       "--video-bitrate", "1200", "-o", url, "-o", (dir / "recording.mkv").string(), "--stats",
       (dir / "stats.json").string(), "--verbose"},
      dir / "marquee.log");
  // Pull the stream back as a viewer would, during the first seconds.
  std::this_thread::sleep_for(1500ms);
  mq::test::ChildProcess pull({"ffmpeg", "-nostdin", "-v", "error", "-rw_timeout", "5000000", "-i",
                               url, "-t", "2", "-c", "copy", (dir / "pulled.flv").string()},
                              dir / "pull.log");
  REQUIRE(pull.wait(15s) == 0);
  // The server goes away for 3 s mid-stream.
  server.stop();
  std::this_thread::sleep_for(3s);
  server.start();
  int status = marquee.wait(120s);
  INFO(readFile(dir / "marquee.log"));
  REQUIRE(status == 0);

  json pulled = probeStreams((dir / "pulled.flv").string(), dir.path());
  const json* v = streamOf(pulled, "video");
  const json* a = streamOf(pulled, "audio");
  REQUIRE(v);
  REQUIRE(a);
  CHECK((*v)["codec_name"] == "h264");
  CHECK((*v)["width"] == 360);
  CHECK((*v)["height"] == 640);
  CHECK((*v)["r_frame_rate"] == "30/1");
  CHECK((*a)["codec_name"] == "aac");
  CHECK((*a)["sample_rate"] == "48000");
  CHECK(probeDuration(pulled) > 1.5);

  // The recording went on through the outage: every frame, with sound.
  json rec = probeVideoStream(dir / "recording.mkv");
  CHECK(rec["nb_read_frames"] == "300");
  json recStreams = probeStreams((dir / "recording.mkv").string(), dir.path());
  REQUIRE(streamOf(recStreams, "audio"));
  CHECK(probeDuration(recStreams) == Approx(10.0).margin(0.1));

  json stats = readJson(dir / "stats.json");
  CHECK(stats["cpu_pixel_copy_bytes_per_frame"] == 0.0);
  const json* rtmp = nullptr;
  for (const json& o : stats["outputs"])
    if (o["url"] == url) rtmp = &o;
  REQUIRE(rtmp);
  CHECK((*rtmp)["reconnects"].get<int>() >= 1);
  CHECK((*rtmp)["state"] == "finished");
}

TEST_CASE("a render killed with SIGKILL leaves a recording playable to within a second",
          "[cli][media][crash]") {
  TempDir dir;
  writeCameraScene(dir / "scene.json", 320, 180);
  mq::test::ChildProcess marquee(
      {marqueeBinary().string(), "render", (dir / "scene.json").string(), "--duration", "30",
       "--realtime", "--input", "camera=builtin:camera?size=320x180", "-o",
       (dir / "recording.mkv").string(), "--verbose"},
      dir / "marquee.log");
  // Wait until it has been rendering for a few seconds, then kill it hard.
  std::string log;
  std::regex progress("rendered (\\d+) frames");
  int rendered = 0;
  for (int i = 0; i < 200 && rendered < 120; ++i) {
    std::this_thread::sleep_for(100ms);
    log = readFile(dir / "marquee.log");
    for (auto it = std::sregex_iterator(log.begin(), log.end(), progress);
         it != std::sregex_iterator(); ++it)
      rendered = std::stoi((*it)[1]);
  }
  REQUIRE(rendered >= 120);
  marquee.signal(SIGKILL);
  marquee.wait(5s);
  INFO(log);
  // The last progress line is at most a second old, so at least `rendered`
  // frames had been made; the file must hold all but the last second of them.
  json probe = probeVideoStream(dir / "recording.mkv");
  int frames = std::stoi(probe["nb_read_frames"].get<std::string>());
  INFO("rendered >= " << rendered << " frames when killed; the recording has " << frames);
  CHECK(frames >= rendered - 30);
  // And it decodes cleanly to its end.
  RunResult decode = runProgram(
      {"ffmpeg", "-nostdin", "-v", "error", "-xerror", "-i", "recording.mkv", "-f", "null", "-"},
      dir.path());
  INFO(decode.describe());
  CHECK(decode.exited);
}

TEST_CASE("a sound file that does not decode is bad input with its pointer", "[cli][media]") {
  TempDir dir;
  writeFile(dir / "bad.wav", "this is not audio");
  writeFile(dir / "scene.json", R"({"format": "marquee.scene/1",
  "canvas": {"width": 320, "height": 180, "fps": 30},
  "nodes": [{"id": "bed", "kind": "sound", "file": "bad.wav", "autoplay": true}]})");
  for (std::vector<std::string> args :
       {std::vector<std::string>{"validate", "scene.json"},
        std::vector<std::string>{"render", "scene.json", "--frames", "2", "-o", "out.mp4"}}) {
    RunResult r = runMarquee(args, dir.path());
    INFO(r.describe());
    REQUIRE(r.exited);
    CHECK(r.status == 2);
    CHECK(r.err.find("scene.json:3:52: /nodes/0/file: cannot load sound") != std::string::npos);
    CHECK(!fs::exists(dir / "out.mp4"));
  }
}

TEST_CASE("live data from a --data feed fills text templates frame-exactly", "[cli][data]") {
  TempDir dir;
  auto scene = [&](const std::string& text) {
    return R"({"format": "marquee.scene/1",
  "canvas": {"width": 480, "height": 120, "fps": 30, "background": "#202030"},
  "nodes": [{"id": "stock", "kind": "text", "position": [20, 30], "font_size": 40,
             "text": ")" +
           text + R"("}]})";
  };
  writeFile(dir / "many.json", scene("Only 1,037 Blue XLs left!"));
  writeFile(dir / "one.json", scene("Only 1 Blue XL left!"));
  // 1037 from the start (":n0": with a thousands separator), then 1 from show
  // time 1.0 s, which is frame 30.
  writeFile(dir / "template.json",
            scene("Only {stock.blue_xl:n0} {stock.blue_xl|Blue XL|Blue XLs} left!"));
  writeFile(dir / "feed.jsonl",
            "{\"set\": {\"stock\": {\"blue_xl\": 1037}}}\n{\"t\": 1.0, \"set\": "
            "{\"stock.blue_xl\": 1}}\n");
  auto still = [&](const std::string& sceneFile, const std::string& time, const std::string& out,
                   bool data) {
    std::vector<std::string> args = {"still", sceneFile, "--time", time, "-o", out};
    if (data) {
      args.push_back("--data");
      args.push_back("feed.jsonl");
    }
    requireOk(runMarquee(args, dir.path()));
    return loadRgb(dir / out);
  };
  RgbImage before = still("template.json", "0.967", "before.png", true);  // frame 29
  RgbImage after = still("template.json", "1.0", "after.png", true);      // frame 30
  CHECK(before.rgb == still("many.json", "0", "many.png", false).rgb);
  CHECK(after.rgb == still("one.json", "0", "one.png", false).rgb);
  CHECK(before.rgb != after.rgb);
  // A malformed template is bad input naming the node's text.
  writeFile(dir / "broken.json", scene("Only {stock left"));
  RunResult r = runMarquee({"validate", "broken.json"}, dir.path());
  INFO(r.describe());
  CHECK(r.status == 2);
  CHECK(r.err.find("/nodes/0/text") != std::string::npos);
}

TEST_CASE("a rule on live data starts a clip on the frame its threshold is crossed, once",
          "[cli][data]") {
  TempDir dir;
  // The badge is hidden until the "drop" clip shows it; a rule starts the
  // clip for 2 s when viewers reach 50 000, once, with hysteresis.
  writeFile(dir / "scene.json", R"({"format": "marquee.scene/1",
  "canvas": {"width": 160, "height": 90, "fps": 30, "background": "#000000"},
  "nodes": [{"id": "badge", "kind": "solid", "color": "#ff0000", "opacity": 0}],
  "clips": [{"id": "drop", "duration": 10, "tracks": [
    {"node": "badge", "property": "opacity", "keys": [{"time": 0, "value": 1}]}]}],
  "data": {"viewers": 0},
  "rules": [{"id": "milestone", "when": "viewers >= 50000", "once": true, "hysteresis": 500,
             "do": {"start": "drop", "for": 2}}]})");
  writeFile(dir / "feed.jsonl",
            "{\"set\": {\"viewers\": 49000}}\n"
            "{\"t\": 1.0, \"set\": {\"viewers\": 50500}}\n"
            "{\"t\": 1.5, \"set\": {\"viewers\": 49990}}\n"
            "{\"t\": 2.0, \"set\": {\"viewers\": 50010}}\n");
  requireOk(runMarquee({"validate", "scene.json"}, dir.path()));
  auto badgeShown = [&](const std::string& time) {
    requireOk(
        runMarquee({"still", "scene.json", "--data", "feed.jsonl", "--time", time, "-o", "f.png"},
                   dir.path()));
    return loadRgb(dir / "f.png").rgb[0] > 128;
  };
  CHECK_FALSE(badgeShown("0.967"));  // frame 29: 49 000 viewers
  CHECK(badgeShown("1.0"));          // frame 30: 50 500, the rule fires
  CHECK(badgeShown("2.967"));        // still within its 2 s
  CHECK_FALSE(badgeShown("3.0"));    // stopped after 2 s; 50 010 at 2 s did not fire it again
  // Bad rules are bad input with their pointer.
  std::string scene = readFile(dir / "scene.json");
  writeFile(dir / "bad.json",
            std::regex_replace(scene, std::regex("\"start\": \"drop\""), "\"start\": \"nodrop\""));
  RunResult r = runMarquee({"validate", "bad.json"}, dir.path());
  INFO(r.describe());
  CHECK(r.status == 2);
  CHECK(r.err.find("/rules/0/do/start: expected the id of a clip") != std::string::npos);
}

TEST_CASE("live mode takes data from a pipe as it arrives", "[cli][data][live]") {
  TempDir dir;
  writeFile(dir / "scene.json", R"({"format": "marquee.scene/1",
  "canvas": {"width": 480, "height": 120, "fps": 30, "background": "#202030"},
  "nodes": [{"id": "stock", "kind": "text", "position": [20, 30], "font_size": 40,
             "text": "Only {stock.blue_xl} {stock.blue_xl|Blue XL|Blue XLs} left!"}]})");
  writeFile(dir / "five.json", R"({"format": "marquee.scene/1",
  "canvas": {"width": 480, "height": 120, "fps": 30, "background": "#202030"},
  "nodes": [{"id": "stock", "kind": "text", "position": [20, 30], "font_size": 40,
             "text": "Only 5 Blue XLs left!"}]})");
  // An operator's script: 5 at once, 1 once the show has run for a second
  // (its first once-a-second statistics line; start-up time varies a lot
  // with validation on a loaded machine, so wall-clock sleeps alone race it).
  std::string script =
      "(printf '{\"set\": {\"stock\": {\"blue_xl\": 5}}}\\n'; "
      "while [ ! -s second.jsonl ]; do sleep 0.05; done; "
      "printf '{\"set\": {\"stock\": {\"blue_xl\": 1}}}\\n') | '" +
      marqueeBinary().string() +
      "' live scene.json --duration 2.5 --data - -o live.mkv --stats-live second.jsonl";
  requireOk(runProgram({"sh", "-c", script}, dir.path()));
  requireOk(runProgram({"ffmpeg", "-nostdin", "-v", "error", "-ss", "0.3", "-i", "live.mkv",
                        "-frames:v", "1", "-y", "early.png"},
                       dir.path()));
  requireOk(runProgram({"ffmpeg", "-nostdin", "-v", "error", "-ss", "2.2", "-i", "live.mkv",
                        "-frames:v", "1", "-y", "late.png"},
                       dir.path()));
  requireOk(runMarquee({"still", "five.json", "-o", "five.png"}, dir.path()));
  RgbImage early = loadRgb(dir / "early.png"), late = loadRgb(dir / "late.png");
  RgbImage five = loadRgb(dir / "five.png");
  // Through H.264 the text is not bit-exact: compare with PSNR.
  double toFive = psnr(early.rgb.data(), five.rgb.data(), five.rgb.size());
  double lateToFive = psnr(late.rgb.data(), five.rgb.data(), five.rgb.size());
  INFO("early vs 'Only 5': " << toFive << " dB; late vs 'Only 5': " << lateToFive << " dB");
  CHECK(toFive > 30);
  CHECK(lateToFive < toFive - 5);  // the text changed once the second line arrived
}
