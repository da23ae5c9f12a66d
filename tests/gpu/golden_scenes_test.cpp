// Golden images of the scenes in tests/scenes/golden/, each in both canvas
// orientations, plus checks that need no golden: mipmapped minification
// measured numerically, and output scaling that keeps the layout.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <fstream>

#include "golden.h"

using namespace mq::test;

namespace {

// Each scene in both orientations (MQ_GOLDEN_SCENE_TEST in golden.h).
#define MQ_GOLDEN_SCENE(scene, description) \
  MQ_GOLDEN_SCENE_TEST(scene, description, "[gpu][golden]")

MQ_GOLDEN_SCENE("solid_gradient", "solids, linear and radial gradients, transparent stops")
MQ_GOLDEN_SCENE("image_alpha", "PNG images with soft and hard alpha, scaled up and down")
MQ_GOLDEN_SCENE("text", "accents, outline, centre/right alignment, wrapping in a box")
MQ_GOLDEN_SCENE("group", "pass-through group, isolated group with opacity and corner radius")
MQ_GOLDEN_SCENE("blend", "normal, add, multiply and screen over a common backdrop")
MQ_GOLDEN_SCENE("mask", "corner radius and crop on solids and images")
MQ_GOLDEN_SCENE("border", "border width, colour and radius on solids, images and groups")
MQ_GOLDEN_SCENE("shadow", "blurred, hard and alpha-following drop shadows")
MQ_GOLDEN_SCENE("transform", "rotation about the anchor, mirroring, fit contain and cover")
MQ_GOLDEN_SCENE("zoom", "zoom and zoom_center: macro insets, a clamped corner, a round loupe")
MQ_GOLDEN_SCENE("shine", "shine sweeps on a solid, an image, a sticker with alpha and text")

// Statistics of one channel over an output rectangle.
struct RegionStats {
  double mean = 0;
  int min = 255, max = 0;
};
RegionStats regionStats(const Image& img, uint32_t x0, uint32_t y0, uint32_t x1, uint32_t y1,
                        int channel) {
  RegionStats s;
  double sum = 0;
  for (uint32_t y = y0; y < y1; ++y) {
    for (uint32_t x = x0; x < x1; ++x) {
      int v = img.at(x, y)[channel];
      sum += v;
      s.min = std::min(s.min, v);
      s.max = std::max(s.max, v);
    }
  }
  s.mean = sum / double((x1 - x0) * (y1 - y0));
  return s;
}

// The golden pins the look of the minified images; these checks state what is
// right about it in numbers, so a regenerated golden cannot silently accept
// aliasing. They reuse the landscape render (renders are the slow part).
void checkMinification(const Image& img) {
  // "checker" is at (720,40)-(1040,360) on the 1080 square, which sits 420 px
  // from the left of the 1920 canvas; the output is a quarter of the canvas.
  // Stay 4 px inside its edges, away from the blend with the background.
  const uint32_t x0 = (420 + 720) / 4 + 4, y0 = 40 / 4 + 4, x1 = (420 + 1040) / 4 - 4,
                 y1 = 360 / 4 - 4;
  for (int c = 0; c < 3; ++c) {
    RegionStats st = regionStats(img, x0, y0, x1, y1, c);
    INFO("one-pixel checker, channel " << c << ": mean " << st.mean << ", range " << st.min << ".."
                                       << st.max);
    // Linear 0.5 is sRGB level 187.5; averaging the encoded values (not in
    // linear light) would give about 128, point sampling black, white or moiré.
    CHECK(std::abs(st.mean - 187.5) <= 4);
    CHECK(st.max - st.min <= 6);
  }
  // The zone plate's outer rings are far above the output's Nyquist limit:
  // filtered, they are flat grey; aliased, they come back as large rings of
  // nearly full contrast. "zoneplate" is at (40,40)-(680,680): its centre is
  // at output (195, 90), 160 px across. Sample the annulus between 45% and 75%
  // of its radius (rings there are 5x or more over the limit; the fade to flat
  // grey starts at 88%). The 2x2 box filter of the mip chain leaks a little,
  // which leaves faint rings along the axes (about +-5 levels): allow that.
  int lo = 255, hi = 0;
  const double cx = (420 + 360) / 4.0, cy = 360 / 4.0, radius = 80;
  for (uint32_t y = uint32_t(cy - radius); y < uint32_t(cy + radius); ++y) {
    for (uint32_t x = uint32_t(cx - radius); x < uint32_t(cx + radius); ++x) {
      double r = std::hypot(x + 0.5 - cx, y + 0.5 - cy) / radius;
      if (r < 0.45 || r > 0.75) continue;
      lo = std::min(lo, int(img.at(x, y)[1]));
      hi = std::max(hi, int(img.at(x, y)[1]));
    }
  }
  INFO("zone plate annulus range " << lo << ".." << hi);
  CHECK(hi - lo <= 16);
}

}  // namespace

TEST_CASE("golden image_mipmap: 2048x2048 JPEGs shown small are filtered, not aliased",
          "[gpu][golden][mipmap]") {
  SECTION("landscape 1920x1080") {
    checkMinification(checkGoldenScene("image_mipmap", Orientation::Landscape));
  }
  SECTION("vertical 1080x1920") {
    checkGoldenScene("image_mipmap", Orientation::Vertical);
  }
}

// `--output-size` renders the same layout at another resolution: the canvas
// is scaled, and text is rasterised at the size it is shown. A full-size frame
// box-filtered 2x must therefore look like the half-size frame. Edges are
// filtered differently (a 2x2 box of antialiased pixels against one pixel's
// coverage; glyphs hinted at each size), so the tolerance is looser than the
// goldens': it catches moved, resized or rewrapped content, not edge shading.
TEST_CASE("rendering at half the canvas size keeps the layout", "[gpu][scale]") {
  // Text is where a layout change would show first (line breaks, glyph
  // advances); one full-size render is all the time budget allows on lavapipe.
  mq::scene::Scene s = oriented(loadGoldenScene("text"), Orientation::Landscape);
  Image full = render(s, 1920, 1080);
  Image half = render(s, 960, 540);
  DiffStats d = compare(downscale2x(full), half, 24);
  INFO(100.0 * d.withinFraction() << "% of pixels within 24 levels, max " << d.maxDiff << ", mean "
                                  << d.meanAbsDiff);
  // Measured on lavapipe: 99.995% within, mean 0.04; with the text moved by
  // one output pixel in the half-size render: 96.4% within, mean 2.1.
  CHECK(d.withinFraction() >= 0.999);
  CHECK(d.meanAbsDiff <= 0.5);
}

// One clip moves a box per easing family from the left rail to the right one
// over 1 s (the top row also fades red to blue in linear light, the bottom
// row's opacity rises), holds its last values after 1 s, and a stop cue at
// 1.5 s returns every box to its own place and colour (grey, in the middle).
// Landscape only: the orientation adds nothing to what animation changes.
TEST_CASE("golden animation: easing families, held end, stop cue", "[gpu][golden][animation]") {
  for (double t : {0.0, 0.5, 1.0, 1.25, 2.0}) {
    DYNAMIC_SECTION("t = " << t) {
      checkGoldenSceneAt("animation", Orientation::Landscape, t);
    }
  }
}

// The effect presets, all started at 0 (tests/scenes/golden/effects.json):
// at 0.3 s the badge is mid-bounce (out-elastic, past its own scale), the
// flash fading, the shine band a third of the way, both counters rolling; at
// 2 s every effect has ended on the nodes' own values (the flash gone).
TEST_CASE("golden effects: sticker, flash, shine, roll-up mid-way and ended",
          "[gpu][golden][effects]") {
  for (double t : {0.3, 2.0}) {
    DYNAMIC_SECTION("t = " << t) {
      checkGoldenSceneAt("effects", Orientation::Landscape, t);
    }
  }
}

// A zoom is the same picture as scaling the box up and cropping it back: the
// two renders must agree (an independent check of the zoom arithmetic, which a
// regenerated golden alone would not give).
TEST_CASE("zoom shows what scale and crop show", "[gpu][zoom]") {
  // Written beside the golden inputs (marker.png) and loaded like any scene.
  auto load = [](const char* name, const char* node) {
    fs::path file = workDir() / (std::string("zoom-check-") + name + ".json");
    std::ofstream(file) << R"({"format": "marquee.scene/1",
      "canvas": {"width": 640, "height": 480, "fps": 30, "background": "#000000"},
      "nodes": [)" << node
                        << "]}";
    return mq::scene::loadScene(file);
  };
  // zoom 2 about (0.25, 0.75) in a 200x200 box at (100, 100)...
  auto zoomed = load("zoomed", R"({"id": "z", "kind": "image", "source": "marker.png",
      "position": [100, 100], "size": [200, 200], "zoom": 2, "zoom_center": [0.25, 0.75]})");
  // ...is the picture shown 400x400 with its point (100, 300) on the box
  // centre (200, 200), so at (100, -100), cropped to the box.
  auto cropped = load("cropped", R"({"id": "c", "kind": "image", "source": "marker.png",
      "position": [100, -100], "size": [400, 400], "crop": [0, 200, 200, 0]})");
  Image a = render(zoomed, 0, 0), b = render(cropped, 0, 0);
  DiffStats d = compare(a, b, 1);
  INFO("max diff " << d.maxDiff << ", pixels out of tolerance " << d.outOfTolerance);
  CHECK(d.outOfTolerance == 0);
  // And the zoom did something: the zoomed box is not the unzoomed picture.
  auto plain = load("plain", R"({"id": "p", "kind": "image", "source": "marker.png",
      "position": [100, 100], "size": [200, 200]})");
  CHECK(compare(render(plain, 0, 0), a, 8).outOfTolerance > 10000);
}

// A shine sweep brightens a band across the layer and nothing else: outside
// the band the layer is as without it, inside it is lighter (never past its
// alpha), and transparent parts of the layer stay transparent.
TEST_CASE("shine lights a band of the layer and leaves the rest as it was", "[gpu][shine]") {
  auto load = [](const char* name, const char* extra) {
    fs::path file = workDir() / (std::string("shine-check-") + name + ".json");
    std::ofstream(file) << R"({"format": "marquee.scene/1",
      "canvas": {"width": 400, "height": 200, "fps": 30, "background": "#000000"},
      "nodes": [{"id": "bar", "kind": "solid", "position": [50, 50], "size": [300, 100],
                 "color": "#3050a0")"
                        << extra << "}]}";
    return mq::scene::loadScene(file);
  };
  // A vertical band 40 px wide whose centre is at the box's middle (x = 200).
  Image with = render(load("with", R"(, "shine": 1, "shine_position": 0.5, "shine_width": 40,
                                         "shine_angle": 0)"),
                      0, 0);
  Image without = render(load("without", ""), 0, 0);
  for (uint32_t x : {60u, 120u, 170u, 230u, 280u, 340u}) {
    INFO("x " << x);
    CHECK(std::memcmp(with.at(x, 100), without.at(x, 100), 4) == 0);
  }
  const uint8_t* centre = with.at(200, 100);
  const uint8_t* plain = without.at(200, 100);
  for (int c = 0; c < 3; ++c) CHECK(int(centre[c]) > int(plain[c]) + 40);
  CHECK(with.at(190, 100)[2] > plain[2]);  // inside the band, towards its edge
  CHECK(with.at(190, 100)[2] < centre[2]);
  // Outside the layer (the background) nothing is lit.
  CHECK(std::memcmp(with.at(200, 20), without.at(200, 20), 4) == 0);
}
