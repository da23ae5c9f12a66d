// Real renders checked from the outside: what FFmpeg's own tools see in the
// file (codec, size, frame count and rate, colour tags) and what --stats
// reports, since players, editors and the benchmark scripts rely on those.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "cli_harness.h"

using namespace mq::clitest;
using nlohmann::json;

namespace {

fs::path basicScene() {
  return cliScenesDir() / "basic_720p.json";
}

void requireOk(const RunResult& r) {
  INFO(r.describe());
  REQUIRE(r.exited);
  REQUIRE(r.status == 0);
}

// A render-time statistic: present, a number, not negative.
double nonNegative(const json& j, const char* key) {
  INFO("stats key " << key << " in " << j.dump());
  REQUIRE(j.contains(key));
  REQUIRE(j[key].is_number());
  CHECK(j[key].get<double>() >= 0);
  return j[key].get<double>();
}

}  // namespace

TEST_CASE("render writes H.264 tagged BT.709 limited range, with every frame, and stats",
          "[cli][render]") {
  TempDir dir;
  RunResult r = runMarquee(
      {"render", basicScene().string(), "--frames", "45", "-o", "out.mp4", "--stats", "s.json"},
      dir.path());
  requireOk(r);
  CHECK(r.out.find("wrote " + (dir / "out.mp4").string() + " (45 frames, rendered on ") !=
        std::string::npos);
  // The partial file was renamed, not left beside the result.
  CHECK(listTree(dir.path()) == std::set<std::string>{"out.mp4", "s.json"});

  json v = probeVideoStream(dir / "out.mp4");
  INFO(v.dump(2));
  CHECK(v["codec_name"] == "h264");
  CHECK(v["width"] == 1280);
  CHECK(v["height"] == 720);
  CHECK(v["nb_read_frames"] == "45");
  CHECK(v["avg_frame_rate"] == "30/1");
  CHECK(v["r_frame_rate"] == "30/1");
  CHECK(v["pix_fmt"] == "yuv420p");
  // What the output pass produces, declared so players convert it correctly.
  CHECK(v["color_space"] == "bt709");
  CHECK(v["color_transfer"] == "bt709");
  CHECK(v["color_primaries"] == "bt709");
  CHECK(v["color_range"] == "tv");
  CHECK(v["format"]["format_name"].get<std::string>().find("mp4") != std::string::npos);
  CHECK(std::stod(v["format"]["duration"].get<std::string>()) == Approx(1.5).margin(0.04));

  // A file must be playable and seekable from its first frame.
  json first =
      runJson({"ffprobe", "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1",
               "-show_entries", "frame=key_frame,pict_type", "-of", "json", "out.mp4"},
              dir.path());
  INFO(first.dump());
  REQUIRE(first["frames"].size() >= 1);
  CHECK(first["frames"][0]["key_frame"] == 1);
  CHECK(first["frames"][0]["pict_type"] == "I");

  json stats = json::parse(readFile(dir / "s.json"));
  INFO(stats.dump(2));
  CHECK(stats["frames"] == 45);
  CHECK(stats["width"] == 1280);
  CHECK(stats["height"] == 720);
  CHECK(stats["fps_target"] == 30.0);
  const json& ms = stats["render_ms"];
  double p50 = nonNegative(ms, "p50"), p99 = nonNegative(ms, "p99"), max = nonNegative(ms, "max");
  nonNegative(ms, "p95");
  CHECK(p50 <= p99);
  CHECK(p99 <= max);
  REQUIRE(stats["device"].is_string());
  CHECK(!stats["device"].get<std::string>().empty());
  CHECK(stats["fps"].get<double>() > 0);
  CHECK(stats["wall_s"].get<double>() > 0);
  CHECK(stats["encoded"] == true);
  REQUIRE(stats["outputs"].size() == 1);
  CHECK(stats["outputs"][0]["url"] == "out.mp4");
  CHECK(stats["outputs"][0]["state"] == "finished");
  CHECK(stats["outputs"][0]["packets"].get<int>() >= 45);
  // The encoder read the frames where the GPU wrote them.
  CHECK(stats["cpu_pixel_copy_bytes_per_frame"] == 0.0);
  CHECK(stats["video_encoder"] == "libx264");
}

TEST_CASE("render --duration is rounded to whole frames at the scene's rate", "[cli][render]") {
  // A small output size keeps this cheap: the frame count is what is tested.
  TempDir dir;
  requireOk(runMarquee({"render", basicScene().string(), "--duration", "1", "--output-size",
                        "320x180", "-o", "one_second.mp4"},
                       dir.path()));
  json v = probeVideoStream(dir / "one_second.mp4");
  INFO(v.dump(2));
  CHECK(v["nb_read_frames"] == "30");
  CHECK(v["avg_frame_rate"] == "30/1");
}

TEST_CASE("render --output-size sets the video size", "[cli][render]") {
  TempDir dir;
  requireOk(runMarquee({"render", basicScene().string(), "--frames", "2", "--output-size",
                        "640x360", "-o", "small.mp4"},
                       dir.path()));
  json v = probeVideoStream(dir / "small.mp4");
  INFO(v.dump(2));
  CHECK(v["width"] == 640);
  CHECK(v["height"] == 360);
  CHECK(v["nb_read_frames"] == "2");
}

TEST_CASE("render --render-only writes the stats and nothing else", "[cli][render]") {
  TempDir dir;
  RunResult r = runMarquee(
      {"render", basicScene().string(), "--render-only", "--frames", "10", "--stats", "s.json"},
      dir.path());
  requireOk(r);
  CHECK(listTree(dir.path()) == std::set<std::string>{"s.json"});
  json stats = json::parse(readFile(dir / "s.json"));
  INFO(stats.dump(2));
  CHECK(stats["frames"] == 10);
  CHECK(stats["encoded"] == false);
  CHECK(!stats.contains("output"));
  CHECK(stats["fps"].get<double>() > 0);
  nonNegative(stats["render_ms"], "p50");
}

TEST_CASE("render writes .mov and .mkv too, with the same stream", "[cli][render]") {
  TempDir dir;
  for (const auto& [file, container] : std::vector<std::pair<std::string, std::string>>{
           {"clip.mov", "mov"}, {"clip.mkv", "matroska"}}) {
    requireOk(runMarquee(
        {"render", basicScene().string(), "--frames", "2", "--output-size", "320x180", "-o", file},
        dir.path()));
    json v = probeVideoStream(dir / file);
    INFO(v.dump(2));
    CHECK(v["format"]["format_name"].get<std::string>().find(container) != std::string::npos);
    CHECK(v["codec_name"] == "h264");
    CHECK(v["nb_read_frames"] == "2");
    CHECK(v["color_space"] == "bt709");
    CHECK(v["color_range"] == "tv");
  }
  CHECK(listTree(dir.path()) == std::set<std::string>{"clip.mkv", "clip.mov"});
}

// crf 0 is lossless H.264, which needs x264's High 4:4:4 Predictive profile.
TEST_CASE("render --crf 0, the lossless end of the documented range, is accepted",
          "[cli][render]") {
  TempDir dir;
  requireOk(runMarquee({"render", basicScene().string(), "--frames", "1", "--output-size",
                        "320x180", "--crf", "0", "-o", "lossless.mp4"},
                       dir.path()));
  json v = probeVideoStream(dir / "lossless.mp4");
  INFO(v.dump(2));
  CHECK(v["codec_name"] == "h264");
  CHECK(v["nb_read_frames"] == "1");
}

TEST_CASE("still writes a PNG of the canvas size, or of --output-size", "[cli][still]") {
  TempDir dir;
  requireOk(runMarquee({"still", basicScene().string(), "-o", "frame.png"}, dir.path()));
  RgbImage full = loadRgb(dir / "frame.png");
  CHECK(full.width == 1280);
  CHECK(full.height == 720);

  requireOk(runMarquee(
      {"still", basicScene().string(), "-o", "small.png", "--output-size", "640x360"}, dir.path()));
  RgbImage small = loadRgb(dir / "small.png");
  CHECK(small.width == 640);
  CHECK(small.height == 360);

  // The scene has no animation, so any time shows the same picture.
  requireOk(
      runMarquee({"still", basicScene().string(), "-o", "later.png", "--time", "2.5"}, dir.path()));
  RgbImage later = loadRgb(dir / "later.png");
  CHECK(later.width == 1280);
  CHECK(later.height == 720);
  CHECK(later.rgb == full.rgb);

  // Written through a partial file that is renamed: nothing else is left.
  CHECK(listTree(dir.path()) == std::set<std::string>{"frame.png", "later.png", "small.png"});
}

TEST_CASE("render is deterministic: the same scene gives the same frames and the same bytes",
          "[cli][render][determinism]") {
  TempDir dir;
  // Enough frames for the encoder to make predicted frames, whose choices
  // (threads, rate control) are where nondeterminism would show.
  for (const char* out : {"a.mp4", "b.mp4"})
    requireOk(
        runMarquee({"render", basicScene().string(), "--frames", "5", "-o", out}, dir.path()));
  auto framemd5 = [&](const char* file) {
    RunResult r = runProgram(
        {"ffmpeg", "-nostdin", "-v", "error", "-i", file, "-f", "framemd5", "-"}, dir.path());
    requireOk(r);
    return r.out;
  };
  std::string a = framemd5("a.mp4"), b = framemd5("b.mp4");
  CHECK(std::count(a.begin(), a.end(), '\n') >= 5);  // the md5s are there to compare
  CHECK(a == b);
  // Byte-identical files: no dates, random ids or file names in the container.
  CHECK(readFile(dir / "a.mp4") == readFile(dir / "b.mp4"));

  // Matroska writes random UIDs unless the muxer is in bit-exact mode.
  for (const char* out : {"a.mkv", "b.mkv"})
    requireOk(runMarquee(
        {"render", basicScene().string(), "--frames", "2", "--output-size", "320x180", "-o", out},
        dir.path()));
  CHECK(readFile(dir / "a.mkv") == readFile(dir / "b.mkv"));
}

// SIGTERM (or Ctrl-C) mid-render stops at the next frame: the partial file is
// removed, nothing appears under the destination name, and the status is 1.
TEST_CASE("an interrupted render leaves no file behind", "[cli][render]") {
  TempDir dir;
  RunResult r = runMarqueeInterrupted({"render", basicScene().string(), "--frames", "100000",
                                       "--output-size", "320x180", "-o", "long.mp4"},
                                      dir.path(), 3.0);
  INFO(r.describe());
  REQUIRE(r.exited);
  CHECK(r.status == 1);
  CHECK(r.err.find("interrupted") != std::string::npos);
  CHECK(listTree(dir.path()).empty());
}
