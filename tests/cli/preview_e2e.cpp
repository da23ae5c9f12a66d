// --preview-out: the program is the clean picture (a still or a render the
// same bytes as one without a preview), the preview shows focus peaking along
// the sharp edges of tests/scenes/gpu/preview_overlays.json and zebra stripes
// over its white square, in the colour asked for; still, render and live.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli_harness.h"

using namespace mq::clitest;

namespace {

size_t countColour(const RgbImage& img, uint8_t r, uint8_t g, uint8_t b) {
  size_t n = 0;
  for (size_t i = 0; i + 2 < img.rgb.size(); i += 3)
    n += img.rgb[i] == r && img.rgb[i + 1] == g && img.rgb[i + 2] == b;
  return n;
}

const uint8_t* pixel(const RgbImage& img, int x, int y) {
  return &img.rgb[(size_t(y) * size_t(img.width) + size_t(x)) * 3];
}

}  // namespace

TEST_CASE("still --preview-out writes a clean program and a preview with overlays",
          "[cli][preview]") {
  TempDir dir;
  std::string scene = (sourceDir() / "tests/scenes/gpu/preview_overlays.json").string();
  RunResult plain = runMarquee({"still", scene, "-o", "plain.png"}, dir.path());
  INFO(plain.describe());
  REQUIRE(plain.exited);
  REQUIRE(plain.status == 0);
  RunResult r = runMarquee({"still", scene, "-o", "program.png", "--preview-out", "preview.png",
                            "--zebra", "0.9", "--peaking", "0.8", "--peaking-color", "#00ff00"},
                           dir.path());
  INFO(r.describe());
  REQUIRE(r.exited);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("preview.png (preview)") != std::string::npos);

  CHECK(readFile(dir / "program.png") == readFile(dir / "plain.png"));
  RgbImage program = loadRgb(dir / "program.png");
  RgbImage preview = loadRgb(dir / "preview.png");
  REQUIRE(preview.width == 250);
  REQUIRE(preview.height == 130);
  CHECK(countColour(program, 0, 255, 0) == 0);
  CHECK(countColour(preview, 0, 255, 0) == 1016);  // both sides of every edge of both squares
  // Zebra inside the white square: stripes where (x + y) % 8 < 4, white between.
  const uint8_t* stripe = pixel(preview, 40, 40);
  const uint8_t* between = pixel(preview, 44, 40);
  CHECK((stripe[0] == 0 && stripe[1] == 0 && stripe[2] == 0));
  CHECK((between[0] == 255 && between[1] == 255 && between[2] == 255));
  // Flat grey: untouched.
  CHECK(pixel(preview, 120, 8)[0] == pixel(program, 120, 8)[0]);
}

TEST_CASE("render --preview-out encodes the preview beside an unchanged program",
          "[cli][preview]") {
  TempDir dir;
  std::string scene = (sourceDir() / "tests/scenes/gpu/preview_overlays.json").string();
  RunResult plain = runMarquee({"render", scene, "-o", "plain.mp4", "--frames", "3"}, dir.path());
  INFO(plain.describe());
  REQUIRE(plain.exited);
  REQUIRE(plain.status == 0);
  RunResult r = runMarquee(
      {"render", scene, "-o", "program.mp4", "--frames", "3", "--preview-out", "preview.mp4"},
      dir.path());
  INFO(r.describe());
  REQUIRE(r.exited);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("preview.mp4 (3 frames, preview)") != std::string::npos);

  // The encode is deterministic: the program file is the same bytes.
  CHECK(readFile(dir / "program.mp4") == readFile(dir / "plain.mp4"));
  CHECK(probeVideoStream(dir / "preview.mp4")["nb_read_frames"] == "3");
  // The first preview frame, decoded: red along the white square's left
  // edge (x 31-32), the grey around it as in the program.
  RunResult decode = runProgram({"ffmpeg", "-v", "error", "-i", "preview.mp4", "-frames:v", "1",
                                 "-pix_fmt", "rgb24", "-f", "rawvideo", "preview.rgb"},
                                dir.path());
  INFO(decode.describe());
  REQUIRE(decode.status == 0);
  std::vector<uint8_t> rgb = readBytes(dir / "preview.rgb");
  REQUIRE(rgb.size() == size_t(250 * 130 * 3));
  auto at = [&](int x, int y) { return &rgb[(size_t(y) * 250 + size_t(x)) * 3]; };
  for (int y : {45, 64, 80}) {
    INFO("edge row " << y);
    const uint8_t* p = at(32, y);
    CHECK(int(p[0]) > 150);
    CHECK(int(p[1]) < 100);
  }
  const uint8_t* grey = at(120, 8);
  CHECK(std::abs(int(grey[0]) - int(grey[1])) < 8);
}

TEST_CASE("live --preview-out streams the preview beside a clean program", "[cli][preview][live]") {
  TempDir dir;
  std::string scene = (sourceDir() / "tests/scenes/gpu/preview_overlays.json").string();
  RunResult r = runMarquee({"live", scene, "-o", "program.mkv", "--duration", "2", "--preview-out",
                            "preview.mkv", "--peaking-color", "#00ff00", "--stats", "stats.json"},
                           dir.path());
  INFO(r.describe());
  REQUIRE(r.exited);
  REQUIRE(r.status == 0);
  nlohmann::json stats = nlohmann::json::parse(readFile(dir / "stats.json"));
  REQUIRE(stats.contains("preview"));
  CHECK(stats["preview"]["outputs"][0]["state"] == "finished");
  // Both carry the whole show: 60 frames at 30 fps (a frame the preview's
  // encoder could not take in time would be skipped there only, and counted).
  CHECK(probeVideoStream(dir / "program.mkv")["nb_read_frames"] == "60");
  int previewFrames =
      std::stoi(probeVideoStream(dir / "preview.mkv")["nb_read_frames"].get<std::string>());
  CHECK(previewFrames == 60 - stats["preview"]["skipped"].get<int>());
  CHECK(previewFrames >= 50);
  // A frame from each, decoded: green peaking along the white square's left
  // edge (x 31-32) in the preview only.
  for (const char* file : {"program.mkv", "preview.mkv"}) {
    RunResult decode =
        runProgram({"ffmpeg", "-v", "error", "-ss", "1", "-i", file, "-frames:v", "1", "-pix_fmt",
                    "rgb24", "-f", "rawvideo", std::string(file) + ".rgb"},
                   dir.path());
    INFO(decode.describe());
    REQUIRE(decode.status == 0);
  }
  std::vector<uint8_t> program = readBytes(dir / "program.mkv.rgb");
  std::vector<uint8_t> preview = readBytes(dir / "preview.mkv.rgb");
  REQUIRE(program.size() == size_t(250 * 130 * 3));
  REQUIRE(preview.size() == program.size());
  auto green = [](const std::vector<uint8_t>& rgb, int x, int y) {
    const uint8_t* p = &rgb[(size_t(y) * 250 + size_t(x)) * 3];
    return p[1] > 150 && p[0] < 100 && p[2] < 100;
  };
  for (int y : {45, 64, 80}) {
    INFO("edge row " << y);
    CHECK(green(preview, 32, y));
    CHECK_FALSE(green(program, 32, y));
  }
}
