// Sound and picture stay together: a flash-and-beep clip (a white frame and a
// 1 kHz beep at the same instant, once a second) is played as the camera, and
// in the output every beep must have its flash within one frame (33.3 ms at
// 30 fps): in an offline render, in live mode, and in live mode through each
// kind of injected stall.
#include <catch2/catch.hpp>
#include <cstdio>

#include "cli_harness.h"
#include "sync_analyzer.h"

using namespace mq::clitest;
using json = nlohmann::json;

namespace {

constexpr double kFrame = 1.0 / 30;

void writeScene(const fs::path& file) {
  writeFile(file, R"({"format": "marquee.scene/1",
  "canvas": {"width": 320, "height": 180, "fps": 30},
  "nodes": [{"id": "camera", "kind": "video", "url": "builtin:camera", "size": [320, 180]}]})");
}

void requireOk(const RunResult& r) {
  INFO(r.describe());
  REQUIRE(r.exited);
  REQUIRE(r.status == 0);
}

void checkSync(const fs::path& file, size_t minPairs) {
  mq::test::SyncReport report = mq::test::analyzeSync(file);
  INFO(report.describe());
  std::printf("sync %s: %zu pairs, max |offset| %.1f ms\n", file.filename().c_str(),
              report.pairs.size(), report.maxAbsOffset() * 1000);
  CHECK(report.pairs.size() >= minPairs);
  for (const mq::test::SyncPair& p : report.pairs) {
    INFO("beep at " << p.beep << " s, flash at " << p.flash << " s");
    CHECK(std::abs(p.offset()) <= kFrame + 1e-3);
  }
}

}  // namespace

TEST_CASE("sync: an offline render keeps every flash with its beep", "[cli][sync]") {
  TempDir dir;
  writeScene(dir / "scene.json");
  mq::test::makeFlashBeepClip(dir / "flash.mkv", 30, 8);
  requireOk(runMarquee(
      {"render", "scene.json", "--input", "camera=flash.mkv", "--duration", "8", "-o", "out.mp4"},
      dir.path()));
  // Beeps at 0 .. 7 s; the one at 0 has no flash onset before it (the output
  // starts on the white frame), so 7 pairs.
  checkSync(dir / "out.mp4", 7);
}

TEST_CASE("sync: live mode keeps every flash with its beep, also through stalls",
          "[cli][sync][live]") {
  TempDir dir;
  writeScene(dir / "scene.json");
  mq::test::makeFlashBeepClip(dir / "flash.mkv", 30, 12);
  struct Run {
    const char* name;
    std::vector<std::string> injections;
    size_t minPairs;
  };
  // Stalls land between flashes; a stalled decoder may cost the beep or the
  // flash right after it (that second then has no pair), never their sync.
  // On a loaded machine the renderer may also miss a flash's tick (a lagged
  // frame repeats the previous picture): fewer pairs, the same sync.
  const Run runs[] = {
      {"plain", {}, 6},
      {"stalls",
       {"render-stall:200ms@2.5s", "decode-stall:source=camera:500ms@4.4s",
        "encode-stall:300ms@6.5s"},
       5},
  };
  for (const Run& run : runs) {
    DYNAMIC_SECTION(run.name) {
      std::vector<std::string> args = {"live",       "scene.json", "--input", "camera=flash.mkv",
                                       "--duration", "9",          "-o",      "live.mkv",
                                       "--stats",    "stats.json"};
      for (const std::string& i : run.injections) {
        args.push_back("--inject");
        args.push_back(i);
      }
      requireOk(runMarquee(args, dir.path()));
      json stats = json::parse(readFile(dir / "stats.json"));
      INFO(stats.dump(1));
      CHECK(stats["frames"] == 270);
      CHECK(stats["av_offset_ms"]["max_abs"].get<double>() <= kFrame * 1000 + 1e-6);
      CHECK(stats["cpu_pixel_copy_bytes_per_frame"] == 0.0);
      checkSync(dir / "live.mkv", run.minPairs);
      if (!run.injections.empty()) {
        // Each stall shows up where it should: repeats for the renderer and
        // the decoder, skips or a deep queue for the encoder.
        CHECK(stats["lagged"].get<int>() > 0);
        CHECK(stats["sources"][0]["repeated"].get<int>() > 0);
        CHECK(stats["skipped"].get<int>() > 0);
      }
    }
  }
}

TEST_CASE("sync: 25 fps and 60 fps sources in a 30 fps show keep their own time over 60 s",
          "[cli][sync][rates]") {
  TempDir dir;
  // Left half: a 25 fps clip; right half: a 60 fps clip; each flashes white on
  // the first frame of every second of its own media time.
  writeFile(dir / "scene.json", R"({"format": "marquee.scene/1",
  "canvas": {"width": 160, "height": 90, "fps": 30},
  "nodes": [
    {"id": "cam25", "kind": "video", "url": "flash25.mkv", "size": [80, 90]},
    {"id": "cam60", "kind": "video", "url": "flash60.mkv", "position": [80, 0], "size": [80, 90]}
  ]})");
  mq::test::makeFlashBeepClip(dir / "flash25.mkv", 25, 60, 80, 90);
  mq::test::makeFlashBeepClip(dir / "flash60.mkv", 60, 60, 80, 90);
  requireOk(runMarquee(
      {"render", "scene.json", "--duration", "60", "-o", "out.mkv", "--stats", "stats.json"},
      dir.path(), 300));
  for (const char* crop : {"80:90:0:0", "80:90:80:0"}) {
    INFO("crop " << crop);
    std::vector<double> flashes = mq::test::flashOnsets(dir / "out.mkv", crop);
    // Flashes at 1, 2, ... 59 s of show time (the one at 0 starts the output).
    REQUIRE(flashes.size() == 59);
    double worst = 0;
    for (size_t k = 0; k < flashes.size(); ++k) {
      double expected = double(k + 1);
      worst = std::max(worst, std::abs(flashes[k] - expected));
      INFO("flash " << k + 1 << " at " << flashes[k] << " s");
      CHECK(std::abs(flashes[k] - expected) <= kFrame + 1e-3);
    }
    std::printf("rates %s: 59 flashes, worst |drift| %.1f ms\n", crop, worst * 1000);
  }
  json stats = json::parse(readFile(dir / "stats.json"));
  CHECK(stats["cpu_pixel_copy_bytes_per_frame"] == 0.0);
  CHECK(stats["sources"][0]["fps"] == 25.0);
  CHECK(stats["sources"][1]["fps"] == 60.0);
}
