// Transitions between full-frame shots (tests/scenes/golden/transitions.json):
// a cut at 0.5 s, then a mix, a slide, a push and a wipe, each 0.5 s with a
// linear ease, one a second from 1 s. Goldens at the middle of each, plus
// numbers that say what each transition must do regardless of the golden.
// A soft wipe is checked on its own scene of two plain shots: the ramp's
// width and shape on a row of pixels. A stinger plays an alpha video, made by
// FFmpeg at run time, over a cut between two plain shots.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "golden.h"
#include "runtime/show_media.h"
#include "scene/scene.h"

using namespace mq;

namespace {

constexpr uint32_t kSize = 270;  // a quarter of the 1080 canvas

scene::Scene transitionsScene() {
  return test::loadGoldenScene("transitions");
}

// Two plain full-frame shots, red then blue, on a 400x100 canvas, and a wipe
// from red to blue in 1 s from show time 0 with `extra` transition fields.
scene::Scene plainWipe(const std::string& extra) {
  std::string text =
      R"({"format": "marquee.scene/1", "canvas": {"width": 400, "height": 100, "fps": 30},
  "nodes": [{"id": "old", "kind": "solid", "color": "#ff0000"},
            {"id": "new", "kind": "solid", "color": "#0000ff", "visible": false}],
  "transitions": [{"id": "w", "from": "old", "to": "new", "type": "wipe", "duration": 1,
                   "direction": "right", "ease": "linear")" +
      extra + R"(}],
  "cues": [{"time": 0, "start": "w"}]})";
  return scene::parseScene(text, test::workDir() / "plain-wipe.json");
}

const uint8_t* pixel(const test::Image& img, double fx, double fy) {
  return img.at(uint32_t(fx * (img.width - 1)), uint32_t(fy * (img.height - 1)));
}

}  // namespace

TEST_CASE("transitions: cut, mix, slide, push and wipe between shots",
          "[gpu][golden][transitions]") {
  scene::Scene s = transitionsScene();
  struct Moment {
    double time;
    const char* name;
  };
  const Moment moments[] = {{0.25, "before the cut"}, {0.5, "cut"},   {1.25, "mix"},
                            {2.25, "slide"},          {3.25, "push"}, {4.25, "wipe"},
                            {5.0, "after the wipe"}};
  for (const Moment& m : moments) {
    INFO(m.name << " at " << m.time << " s");
    std::ostringstream name;
    name << "transitions-" << m.time << "s";
    test::checkGolden(name.str(), test::render(s, kSize, kSize, m.time));
  }
}

TEST_CASE("transitions: what each one shows, in numbers", "[gpu][transitions]") {
  scene::Scene s = transitionsScene();
  // Shot colours at the top-left corner of each gradient (sRGB).
  auto red = [](const uint8_t* p) { return int(p[0]); };
  auto green = [](const uint8_t* p) { return int(p[1]); };
  auto blue = [](const uint8_t* p) { return int(p[2]); };

  // The cut replaces A (blue) with B (red) on its cue's frame, at once.
  test::Image before = test::render(s, kSize, kSize, 0.5 - 1.0 / 30);
  test::Image cut = test::render(s, kSize, kSize, 0.5);
  CHECK(blue(pixel(before, 0.02, 0.02)) > 200);
  CHECK(red(pixel(cut, 0.02, 0.02)) > 200);
  CHECK(blue(pixel(cut, 0.02, 0.02)) < 80);

  // Mid-mix: C (green) over B (red) at half opacity, everywhere at once.
  test::Image mix = test::render(s, kSize, kSize, 1.25);
  for (double f : {0.02, 0.5}) {
    const uint8_t* p = pixel(mix, f, 0.02);
    CHECK(red(p) > 100);
    CHECK(green(p) > 80);
  }
  // After the mix, B is hidden: pure C.
  test::Image mixed = test::render(s, kSize, kSize, 1.6);
  CHECK(red(pixel(mixed, 0.02, 0.02)) < 90);

  // Mid-slide to the left: D (yellow) covers the right half, C (green) still
  // shows on the left, unmoved.
  test::Image slide = test::render(s, kSize, kSize, 2.25);
  CHECK(red(pixel(slide, 0.9, 0.5)) > 200);
  CHECK(red(pixel(slide, 0.1, 0.5)) < 120);

  // Mid-push upwards: E (purple) fills the bottom half, D the top half.
  test::Image push = test::render(s, kSize, kSize, 3.25);
  CHECK(green(pixel(push, 0.1, 0.1)) > 150);  // yellow D
  CHECK(green(pixel(push, 0.1, 0.9)) < 80);   // purple E
  CHECK(blue(pixel(push, 0.1, 0.9)) > 100);

  // Mid-wipe to the right: F (teal) on the left, E (purple) on the right.
  test::Image wipe = test::render(s, kSize, kSize, 4.25);
  CHECK(green(pixel(wipe, 0.1, 0.5)) > 120);
  CHECK(red(pixel(wipe, 0.1, 0.5)) < 60);
  CHECK(red(pixel(wipe, 0.9, 0.5)) > 60);
  CHECK(green(pixel(wipe, 0.9, 0.5)) < 60);
}

TEST_CASE("transitions: saved as written, loaded into clips", "[transitions]") {
  scene::Scene s = transitionsScene();
  const scene::Clip* mix = s.findClip("mix_to_c");
  REQUIRE(mix);
  CHECK(mix->generated);
  CHECK(mix->duration == Approx(0.5));
  const scene::Clip* slide = s.findClip("slide_to_d");
  REQUIRE(slide);
  CHECK(slide->duration == Approx(0.5));  // "15f" at 30 fps
  std::string saved = scene::saveScene(s);
  CHECK(saved.find("\"transitions\"") != std::string::npos);
  CHECK(saved.find("\"clips\"") == std::string::npos);  // the made clips are not saved
  std::filesystem::path again = test::workDir() / "transitions-resaved.json";
  std::ofstream(again, std::ios::binary) << saved;
  CHECK(scene::saveScene(scene::loadScene(again)) == saved);
}

TEST_CASE("transitions: a soft wipe's edge is a ramp as wide as its softness",
          "[gpu][transitions]") {
  // Mid-wipe to the right the new shot's crop trims 200 px from the right:
  // blue up to x = 160, a 40 px ramp to red at x = 200.
  test::Image soft = test::render(plainWipe(R"(, "softness": 40)"), 0, 0, 0.5);
  REQUIRE(soft.width == 400);
  int ramp = 0;
  for (uint32_t x = 0; x < soft.width; ++x) {
    INFO("x = " << x);
    const uint8_t* p = soft.at(x, 50);
    if (x > 0) {
      const uint8_t* left = soft.at(x - 1, 50);
      CHECK(p[2] <= left[2]);  // blue only falls, red only rises, left to right
      CHECK(p[0] >= left[0]);
    }
    if (p[2] > 2 && p[2] < 253) ++ramp;
    if (x < 158) CHECK((p[2] == 255 && p[0] == 0));
    if (x >= 201) CHECK((p[0] == 255 && p[2] == 0));
  }
  CHECK(ramp >= 36);
  CHECK(ramp <= 41);
  // Half-way up the ramp (x = 180) the two shots are mixed half and half in
  // linear light: 50% is sRGB level 188.
  CHECK(std::abs(int(soft.at(180, 50)[0]) - 188) <= 4);
  CHECK(std::abs(int(soft.at(180, 50)[2]) - 188) <= 4);
  // Every row is the same.
  for (uint32_t y : {0u, 99u})
    CHECK(std::equal(soft.at(0, y), soft.at(0, y) + 400 * 4, soft.at(0, 50)));

  // Softness 0 is the hard wipe, to the byte; its edge is one antialiased pixel.
  test::Image hard = test::render(plainWipe(""), 0, 0, 0.5);
  test::Image zero = test::render(plainWipe(R"(, "softness": 0)"), 0, 0, 0.5);
  CHECK(hard.pixels == zero.pixels);
  CHECK(hard.at(199, 50)[2] == 255);
  CHECK(hard.at(200, 50)[0] == 255);

  // Near the end the ramp narrows with the crop (no jump when it reaches 0).
  test::Image late = test::render(plainWipe(R"(, "softness": 40)"), 0, 0, 29.0 / 30);
  int lateRamp = 0;
  for (uint32_t x = 0; x < late.width; ++x) {
    const uint8_t* p = late.at(x, 50);
    if (p[2] > 2 && p[2] < 253) ++lateRamp;
  }
  CHECK(lateRamp <= 14);  // the crop is 13.3 px there
}

TEST_CASE("transitions: a soft wipe between the golden shots", "[gpu][golden][transitions]") {
  // The golden scene's wipe with a 120 px edge (30 px at this quarter size).
  std::filesystem::path source =
      std::filesystem::path(MARQUEE_SOURCE_DIR) / "tests/scenes/golden/transitions.json";
  std::ifstream in(source, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string json = text.str();
  const std::string wipe = "\"type\": \"wipe\",";
  size_t at = json.find(wipe);
  REQUIRE(at != std::string::npos);
  json.insert(at + wipe.size(), " \"softness\": 120,");
  scene::Scene s = scene::parseScene(json, test::workDir() / "transitions-soft.json");
  test::checkGolden("transitions-soft-wipe-4.25s", test::render(s, kSize, kSize, 4.25));
}

namespace {

// A 1 s stinger at 30 fps, made with FFmpeg: transparent but for an opaque
// white bar 20 px wide at x = 10 k in its frame k, so each frame tells which
// of the stinger's frames it shows. In the formats stingers come in:
// QuickTime RLE (ARGB), ProRes 4444 (10-bit 4:4:4 with an alpha plane) and
// WebM VP9 with alpha (4:2:0 with an alpha plane, read through libvpx).
struct StingerFormat {
  const char* name;
  const char* file;
  const char* encode;  // FFmpeg output options
};
const StingerFormat kStingerFormats[] = {
    {"qtrle argb", "stinger-bar.mov", "-c:v qtrle -pix_fmt argb"},
    {"prores 4444 yuva444p10le", "stinger-bar-prores.mov",
     "-c:v prores_ks -profile:v 4444 -pix_fmt yuva444p10le"},
    {"vp9 yuva420p", "stinger-bar-vp9.webm",
     "-c:v libvpx-vp9 -pix_fmt yuva420p -lossless 1 -auto-alt-ref 0"},
};

std::filesystem::path makeStinger(const StingerFormat& format) {
  std::filesystem::path file = test::workDir() / format.file;
  std::string command =
      "ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "
      "\"color=c=black@0:s=320x180:r=30:d=1,format=rgba,geq=r=255:g=255:b=255:"
      "a='if(between(X\\,N*10\\,N*10+19)\\,255\\,0)'\" " +
      std::string(format.encode) + " \"" + file.string() + "\"";
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
  return file;
}

void checkStinger(const StingerFormat& format);

}  // namespace

TEST_CASE("transitions: a stinger plays over the cut, frame for frame",
          "[gpu][golden][transitions]") {
  for (const StingerFormat& format : kStingerFormats) {
    DYNAMIC_SECTION(format.name) {
      makeStinger(format);
      checkStinger(format);
    }
  }
}

namespace {

// Checks the stinger made in `format` over a cut, frame by frame.
void checkStinger(const StingerFormat& format) {
  // Red to blue under the stinger, started at 1 s (frame 30) and again at
  // 2.5 s (frame 75); the shots switch 15 frames in; the transition lasts the
  // video's 1 s.
  std::string text =
      R"({"format": "marquee.scene/1", "canvas": {"width": 320, "height": 180, "fps": 30},
  "nodes": [{"id": "old", "kind": "solid", "color": "#ff0000"},
            {"id": "new", "kind": "solid", "color": "#0000ff", "visible": false}],
  "transitions": [{"id": "sting", "from": "old", "to": "new", "type": "stinger",
                   "source": ")" +
      std::string(format.file) + R"(", "cut_point": "15f"}],
  "cues": [{"time": 1, "start": "sting"}, {"time": 2.5, "start": "sting"}]})";
  scene::Scene s = scene::parseScene(text, test::workDir() / "stinger.json");
  REQUIRE(s.findClip("sting"));
  CHECK(s.findClip("sting")->duration == Approx(1.0));
  runtime::ShowMedia media(s, s.canvas.fps, {});

  auto frameAt = [&](int64_t frame) {
    INFO("frame " << frame);
    return test::render(s, 0, 0, frameTimeSeconds(frame, s.canvas.fps), media.videoFrames(frame));
  };
  auto isRed = [](const uint8_t* p) { return p[0] >= 250 && p[1] <= 5 && p[2] <= 5; };
  auto isBlue = [](const uint8_t* p) { return p[0] <= 5 && p[1] <= 5 && p[2] >= 250; };
  auto isWhite = [](const uint8_t* p) { return p[0] >= 250 && p[1] >= 250 && p[2] >= 250; };
  // The bar of stinger frame k covers x in [10 k, 10 k + 19].
  auto barAt = [&](const test::Image& img, int k) {
    return isWhite(img.at(uint32_t(10 * k + 2), 90)) &&
           isWhite(img.at(uint32_t(10 * k + 17), 90)) &&
           !isWhite(img.at(uint32_t(10 * k + 22), 90));
  };

  test::Image before = frameAt(29);
  CHECK(isRed(before.at(10, 90)));  // no stinger yet: its frame 0 has the bar at 0..19
  test::Image first = frameAt(30);
  CHECK(barAt(first, 0));
  CHECK(isRed(first.at(100, 90)));
  // Frame k of the stinger on the k-th frame from the start; the old shot
  // shows through its transparent pixels until the cut point...
  test::Image early = frameAt(35);
  CHECK(barAt(early, 5));
  CHECK(isRed(early.at(160, 90)));
  CHECK(isRed(early.at(20, 10)));
  test::Image lastOld = frameAt(44);
  CHECK(barAt(lastOld, 14));
  CHECK(isRed(lastOld.at(250, 90)));
  // ...and the new one from it; the bar covers both shots.
  test::Image cut = frameAt(45);
  CHECK(barAt(cut, 15));
  CHECK(isBlue(cut.at(250, 90)));
  CHECK(isBlue(cut.at(20, 90)));
  test::Image mid = frameAt(50);
  CHECK(barAt(mid, 20));
  CHECK(isBlue(mid.at(100, 90)));
  // The golden is of the lossless RGB stinger; the others pass through Y'CbCr.
  if (std::string(format.file) == "stinger-bar.mov")
    test::checkGolden("transitions-stinger-frame50", mid);
  test::Image last = frameAt(59);
  CHECK(barAt(last, 29));
  // The stinger is gone when it ends.
  test::Image after = frameAt(60);
  for (uint32_t x = 0; x < after.width; x += 7) CHECK(isBlue(after.at(x, 90)));

  // Started again: from its first frame, over the old shot again.
  test::Image again = frameAt(80);
  CHECK(barAt(again, 5));
  CHECK(isRed(again.at(160, 90)));
}

}  // namespace

// A stinger with a sound track plays it as the transition's sound: from each
// start, on the frame its first picture shows. `"source_sound": false`
// silences it, and a transition's own `sound` plays instead of it.
TEST_CASE("transitions: a stinger plays its own sound from each start", "[transitions][audio]") {
  std::filesystem::path file = test::workDir() / "stinger-with-sound.mov";
  std::string command =
      "ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "
      "\"color=c=black@0:s=160x90:r=30:d=1,format=rgba\" -f lavfi -i "
      "\"sine=frequency=1000:duration=1:sample_rate=48000\" -c:v qtrle -pix_fmt argb "
      "-c:a pcm_s16le \"" +
      file.string() + "\"";
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
  const std::string pop =
      (std::filesystem::path(MARQUEE_SOURCE_DIR) / "assets/audio/sfx_pop.wav").string();

  // Frames (at 30 fps) on which the mix is loud, and the zero crossings of
  // the left channel in the middle of the first start.
  struct Heard {
    std::vector<int64_t> loud;
    int crossings = 0;
  };
  auto listen = [&](const std::string& extra) {
    std::string text =
        R"({"format": "marquee.scene/1", "canvas": {"width": 160, "height": 90, "fps": 30},
  "nodes": [{"id": "old", "kind": "solid", "color": "#ff0000"},
            {"id": "new", "kind": "solid", "color": "#0000ff", "visible": false},
            {"id": "pop", "kind": "sound", "file": ")" +
        pop + R"("}],
  "transitions": [{"id": "sting", "from": "old", "to": "new", "type": "stinger",
                   "source": "stinger-with-sound.mov", "cut_point": "15f")" +
        extra + R"(}],
  "cues": [{"time": 1, "start": "sting"}, {"time": 2.5, "start": "sting"}]})";
    scene::Scene s = scene::parseScene(text, test::workDir() / "stinger-sound.json");
    runtime::ShowMedia media(s, s.canvas.fps, {});
    Heard heard;
    std::vector<float> audio;
    for (int64_t n = 0; n < 120; ++n) {
      media.mixAudio(n, audio);
      float peak = 0;
      for (float v : audio) peak = std::max(peak, std::fabs(v));
      if (peak > 1e-3f) heard.loud.push_back(n);
      if (n == 45) {
        for (size_t i = 2; i < audio.size(); i += 2)  // interleaved stereo
          heard.crossings += (audio[i - 2] < 0) != (audio[i] < 0);
      }
    }
    return heard;
  };
  auto frames = [](int64_t first, int64_t count) {
    std::vector<int64_t> v;
    for (int64_t k = 0; k < count; ++k) v.push_back(first + k);
    return v;
  };
  auto both = [&](int64_t count) {
    std::vector<int64_t> v = frames(30, count), second = frames(75, count);
    v.insert(v.end(), second.begin(), second.end());
    return v;
  };

  // Its 1 s tone, from frames 30 and 75 (the cues at 1 s and 2.5 s), 30 frames each.
  Heard own = listen("");
  CHECK(own.loud == both(30));
  // 1 kHz: 2000 zero crossings a second, 66.7 in a frame's 1600 samples.
  CHECK(own.crossings >= 64);
  CHECK(own.crossings <= 69);

  CHECK(listen(R"(, "source_sound": false)").loud.empty());

  // The pop (0.2 s, 6 frames) instead of the tone.
  CHECK(listen(R"(, "sound": "pop")").loud == both(6));
}
