// Transitions between full-frame shots (tests/scenes/golden/transitions.json):
// a cut at 0.5 s, then a mix, a slide, a push and a wipe, each 0.5 s with a
// linear ease, one a second from 1 s. Goldens at the middle of each, plus
// numbers that say what each transition must do regardless of the golden.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "golden.h"
#include "scene/scene.h"

using namespace mq;

namespace {

constexpr uint32_t kSize = 270;  // a quarter of the 1080 canvas

scene::Scene transitionsScene() {
  return test::loadGoldenScene("transitions");
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
