// An opaque image placed texel-for-pixel must come out exactly as it went in:
// sRGB decode, linear-light compositing and sRGB encode are inverse to each
// other there. This covers both the full composite path (tiles at the image's
// edge, which also hold the background) and the copy path (tiles inside it).
#include <stb_image_write.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>

#include "golden.h"
#include "scene/scene.h"

using namespace mq;

TEST_CASE("an opaque image placed 1:1 is reproduced exactly", "[gpu][exact]") {
  const int w = 200, h = 120;
  std::vector<uint8_t> rgb(size_t(w) * h * 3);
  uint32_t state = 12345;
  for (auto& v : rgb) {
    state = state * 1664525u + 1013904223u;  // deterministic noise, every code value
    v = uint8_t(state >> 24);
  }
  std::filesystem::path file = test::workDir() / "exact_noise.png";
  REQUIRE(stbi_write_png(file.c_str(), w, h, 3, rgb.data(), w * 3));

  scene::Scene s;
  s.canvas.width = 320;
  s.canvas.height = 200;
  s.canvas.background = {20, 40, 60, 255};
  s.baseDir = test::workDir();
  scene::Node n = scene::makeNode(scene::NodeKind::Image, "noise");
  n.values[size_t(scene::Prop::Source)] = std::string("exact_noise.png");
  n.values[size_t(scene::Prop::Position)] = scene::Vec2{37, 21};  // not tile-aligned
  s.nodes.push_back(n);

  test::Image out = test::render(s, 0, 0);
  REQUIRE(out.width == 320);
  REQUIRE(out.height == 200);
  int worst = 0;
  for (uint32_t y = 0; y < out.height; ++y) {
    for (uint32_t x = 0; x < out.width; ++x) {
      const uint8_t* p = out.at(x, y);
      bool inside = x >= 37 && x < 37 + w && y >= 21 && y < 21 + h;
      uint8_t expect[3] = {20, 40, 60};
      if (inside) {
        const uint8_t* src = &rgb[(size_t(y - 21) * w + (x - 37)) * 3];
        expect[0] = src[0];
        expect[1] = src[1];
        expect[2] = src[2];
      }
      for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(int(p[c]) - int(expect[c])));
      REQUIRE(p[3] == 255);
    }
  }
  CHECK(worst == 0);
}

// Images larger than the texture atlas are kept at the largest mip level that
// fits; the layer keeps the image's natural size.
TEST_CASE("an image wider than the atlas is shown from a smaller mip level", "[gpu][exact]") {
  const int w = 6000, h = 40;
  std::vector<uint8_t> rgb(size_t(w) * h * 3);
  for (int x = 0; x < w; ++x) {
    for (int y = 0; y < h; ++y) {
      uint8_t* p = &rgb[(size_t(y) * w + x) * 3];
      p[0] = x < w / 2 ? 200 : 30;  // left half light, right half dark
      p[1] = 90;
      p[2] = 160;
    }
  }
  std::filesystem::path file = test::workDir() / "wide.png";
  REQUIRE(stbi_write_png(file.c_str(), w, h, 3, rgb.data(), w * 3));
  scene::Scene s;
  s.canvas.width = 600;
  s.canvas.height = 40;
  s.baseDir = test::workDir();
  scene::Node n = scene::makeNode(scene::NodeKind::Image, "wide");
  n.values[size_t(scene::Prop::Source)] = std::string("wide.png");
  n.values[size_t(scene::Prop::Scale)] = scene::Vec2{0.1, 1};  // natural 6000 wide, shown at 600
  s.nodes.push_back(n);
  test::Image out = test::render(s, 0, 0);
  CHECK(int(out.at(100, 20)[0]) == Approx(200).margin(2));
  CHECK(int(out.at(500, 20)[0]) == Approx(30).margin(2));
  CHECK(int(out.at(300, 20)[1]) == Approx(90).margin(2));
}

namespace {

double srgbDecode(double c) {
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}
double srgbEncode(double l) {
  return l <= 0.0031308 ? l * 12.92 : 1.055 * std::pow(l, 1 / 2.4) - 0.055;
}

// Expected opaque colour of a horizontal gradient at t, interpolated in linear light.
std::array<int, 3> expectedGradient(const scene::Stops& stops, double t) {
  size_t k = 0;
  while (k + 1 < stops.size() && stops[k + 1].offset < t) ++k;
  const scene::Color a = stops[k].color;
  const scene::Color b = stops[std::min(k + 1, stops.size() - 1)].color;
  double span = stops[std::min(k + 1, stops.size() - 1)].offset - stops[k].offset;
  double f = span > 0 ? std::clamp((t - stops[k].offset) / span, 0.0, 1.0) : 0.0;
  if (t <= stops.front().offset) f = 0;
  std::array<int, 3> out{};
  const uint8_t ca[3] = {a.r, a.g, a.b}, cb[3] = {b.r, b.g, b.b};
  for (int c = 0; c < 3; ++c) {
    double l = srgbDecode(ca[c] / 255.0) * (1 - f) + srgbDecode(cb[c] / 255.0) * f;
    out[c] = int(std::lround(srgbEncode(l) * 255));
  }
  return out;
}

}  // namespace

// Short gradients are computed in the shader, long ones sampled from a ramp
// texture; both must interpolate their stops in linear light.
TEST_CASE("gradients interpolate their stops in linear light, short and long", "[gpu][exact]") {
  auto stopsOf = [](std::vector<std::pair<double, scene::Color>> v) {
    scene::Stops s;
    for (auto& [o, c] : v) s.push_back({o, c});
    return s;
  };
  const scene::Stops shortStops =
      stopsOf({{0.0, {255, 0, 0, 255}}, {0.5, {0, 255, 0, 255}}, {1.0, {0, 0, 255, 255}}});
  const scene::Stops longStops = stopsOf({{0.0, {255, 0, 0, 255}},
                                          {0.2, {255, 255, 0, 255}},
                                          {0.4, {0, 255, 0, 255}},
                                          {0.6, {0, 255, 255, 255}},
                                          {0.8, {0, 0, 255, 255}},
                                          {1.0, {255, 0, 255, 255}}});
  for (const scene::Stops* stops : {&shortStops, &longStops}) {
    scene::Scene s;
    s.canvas.width = 512;
    s.canvas.height = 32;
    scene::Node n = scene::makeNode(scene::NodeKind::Gradient, "g");
    n.values[size_t(scene::Prop::Size)] = scene::Vec2{512, 32};
    n.values[size_t(scene::Prop::GradientStops)] = *stops;
    s.nodes.push_back(n);
    test::Image out = test::render(s, 0, 0);
    int worst = 0;
    for (uint32_t x = 0; x < 512; x += 7) {
      double t = (x + 0.5) / 512.0;
      auto e = expectedGradient(*stops, t);
      const uint8_t* p = out.at(x, 16);
      for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(int(p[c]) - e[c]));
    }
    INFO(stops->size() << " stops");
    // The ramp holds 256 texels per gradient, so between texel centres it
    // interpolates linearly in linear light too; 8-bit storage costs ~1 level.
    CHECK(worst <= 2);
  }
}

// A tile whose bottom layer is an opaque image at full opacity, blended
// normally, samples that image straight into its accumulator and shades only
// the layers above with their own features (the compositor's base path). The
// same picture with its bottom image blended "screen" over black goes through
// the general path (screen over black is the image itself, exactly). The two
// must be identical, byte for byte: for an image placed texel-for-pixel and
// for one scaled (filtered), under a translucent bar, a gradient and a
// rotated, semi-transparent copy of the image.
TEST_CASE("an opaque image under other layers comes out as the general path draws it",
          "[gpu][exact]") {
  const int w = 200, h = 120;
  std::vector<uint8_t> rgb(size_t(w) * h * 3);
  uint32_t state = 777;
  for (auto& v : rgb) {
    state = state * 1664525u + 1013904223u;
    v = uint8_t(state >> 24);
  }
  REQUIRE(stbi_write_png((test::workDir() / "base_noise.png").c_str(), w, h, 3, rgb.data(), w * 3));
  auto sceneText = [](const std::string& bottom, const std::string& blend) {
    return R"({"format": "marquee.scene/1",
      "canvas": {"width": 320, "height": 200, "fps": 30, "background": "#000000"},
      "nodes": [
        {"id": "bottom", "kind": "image", "source": "base_noise.png", )" +
           bottom + R"(, "blend": ")" + blend + R"("},
        {"id": "bar", "kind": "solid", "position": [0, 90], "size": [320, 40], "color": "#d81b6080"},
        {"id": "fade", "kind": "gradient", "position": [0, 0], "size": [320, 70],
         "gradient": "linear", "start": [0, 0], "end": [0, 1],
         "stops": [{"offset": 0, "color": "#000000aa"}, {"offset": 1, "color": "#00000000"}]},
        {"id": "copy", "kind": "image", "source": "base_noise.png", "position": [160, 100],
         "anchor": [0.5, 0.5], "scale": [0.5, 0.5], "rotation": 10, "opacity": 0.8}]})";
  };
  for (const char* bottom :
       {R"("position": [37, 21])", R"("position": [10, 10], "size": [300, 180])"}) {
    DYNAMIC_SECTION("bottom image " << bottom) {
      std::filesystem::path file = test::workDir() / "base.json";
      test::Image based = test::render(scene::parseScene(sceneText(bottom, "normal"), file), 0, 0);
      test::Image general =
          test::render(scene::parseScene(sceneText(bottom, "screen"), file), 0, 0);
      REQUIRE(based.pixels.size() == general.pixels.size());
      size_t differing = 0;
      for (size_t i = 0; i < based.pixels.size(); ++i)
        differing += based.pixels[i] != general.pixels[i];
      CHECK(differing == 0);
    }
  }
}

// The composite shaders are built several times, with the features a build
// leaves out compiled away (shaders/CMakeLists.txt); each tile class's
// pipeline comes from the smallest build that covers it. A build must draw
// exactly what the default build (every feature a specialisation constant)
// draws for the same classes: byte for byte. Between them, the bench scene
// (an opaque backdrop under gradient, shadowed inset, bar, text and stickers:
// the base builds and the copy path) and the effects scene at 1.5 s (shadows
// that follow alpha, gradients, shine, without a base) use every build.
TEST_CASE("every build of the composite shader draws what the default build draws",
          "[gpu][exact]") {
  const std::filesystem::path benchScene =
      std::filesystem::path(MARQUEE_SOURCE_DIR) / "bench/scenes/eight_layers.json";
  const std::pair<scene::Scene, double> cases[] = {{scene::loadScene(benchScene), 0.0},
                                                   {test::loadGoldenScene("effects"), 1.5}};
  for (const auto& [s, time] : cases) {
    DYNAMIC_SECTION(s.name << " at " << time << " s") {
      test::Image smallest = test::renderWith(s, {}, time);
      test::Image full = test::renderWith(s, {.smallestShaderBuilds = false}, time);
      REQUIRE(smallest.pixels.size() == full.pixels.size());
      size_t differing = 0;
      for (size_t i = 0; i < smallest.pixels.size(); ++i)
        differing += smallest.pixels[i] != full.pixels[i];
      CHECK(differing == 0);
    }
  }
}
