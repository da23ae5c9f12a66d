#include "golden.h"

#include <stb_image.h>
#include <stb_image_write.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <numbers>
#include <sstream>
#include <utility>

#include "render/texture_data.h"
#include "scene/property_json.h"

// Tolerance of the golden comparison (constants in golden.h), and why:
//  - The goldens are made on lavapipe, but the same suite runs on real GPUs,
//    whose exp/pow/erf, texture filtering weights and fused multiply-adds
//    round differently: a level or two of difference on smooth ramps, soft
//    shadows and antialiased edges is expected and not a defect. 3 levels
//    leaves room for that without hiding a wrong colour or blend formula,
//    which moves whole areas by far more.
//  - FreeType rasterises text on the CPU, but glyph bitmaps are sampled through
//    mip levels and sub-pixel offsets, so a few edge pixels of glyphs may move
//    by more: hence 0.1% of pixels may be off by any amount.
//  - A mean of 0.5 levels over every channel catches a small but systematic
//    shift (a gamma or premultiplication slip) that stays under 3 levels
//    everywhere.

namespace mq::test {
namespace {

std::string tempSibling(const fs::path& file) {
  return file.string() + ".tmp" + std::to_string(::getpid());
}

// Writes through a temporary file and a rename, so that test processes run in
// parallel by ctest never see a partial file.
void replaceFile(const fs::path& file, const std::function<bool(const std::string&)>& write) {
  fs::create_directories(file.parent_path());
  std::string tmp = tempSibling(file);
  if (!write(tmp)) {
    std::error_code ec;
    fs::remove(tmp, ec);
    FAIL("cannot write " << file.string());
  }
  fs::rename(tmp, file);
}

void writeText(const fs::path& file, const std::string& text) {
  replaceFile(file, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    return bool(out.flush());
  });
}

std::string readText(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) FAIL("cannot read " << file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

uint8_t toByte(double v) {
  return uint8_t(std::lround(std::clamp(v, 0.0, 1.0) * 255.0));
}

double smoothstep(double e0, double e1, double x) {
  double t = std::clamp((x - e0) / (e1 - e0), 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

// --- generated inputs ---------------------------------------------------------

// 256x256 disc whose alpha falls off smoothly over its outer 40 px, orange with
// a lighter centre: tests soft alpha edges (and shadows that follow them).
Image makeDisc() {
  Image img{256, 256, std::vector<uint8_t>(256 * 256 * 4)};
  for (uint32_t y = 0; y < 256; ++y) {
    for (uint32_t x = 0; x < 256; ++x) {
      double r = std::hypot(x + 0.5 - 128, y + 0.5 - 128);
      double inner = 1 - smoothstep(0, 120, r);
      uint8_t* p = &img.pixels[(size_t(y) * 256 + x) * 4];
      p[0] = 255;
      p[1] = toByte(0.44 + 0.5 * inner);
      p[2] = toByte(0.1 + 0.6 * inner);
      p[3] = toByte(1 - smoothstep(84, 124, r));
    }
  }
  return img;
}

// 256x256 five-pointed star, alpha strictly 0 or 255 (no antialiasing): hard
// edges that the compositor's filtering and shadow blur must handle.
Image makeStar() {
  std::array<std::array<double, 2>, 10> poly;
  for (int i = 0; i < 10; ++i) {
    double r = i % 2 ? 50 : 124;
    double a = -std::numbers::pi / 2 + i * std::numbers::pi / 5;
    poly[i] = {128 + r * std::cos(a), 132 + r * std::sin(a)};
  }
  Image img{256, 256, std::vector<uint8_t>(256 * 256 * 4)};
  for (uint32_t y = 0; y < 256; ++y) {
    for (uint32_t x = 0; x < 256; ++x) {
      double px = x + 0.5, py = y + 0.5;
      bool inside = false;  // even-odd ray cast
      for (size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++) {
        if ((poly[i][1] > py) != (poly[j][1] > py) &&
            px < (poly[j][0] - poly[i][0]) * (py - poly[i][1]) / (poly[j][1] - poly[i][1]) +
                     poly[i][0]) {
          inside = !inside;
        }
      }
      uint8_t* p = &img.pixels[(size_t(y) * 256 + x) * 4];
      p[0] = 0x7e;
      p[1] = toByte(0.25 + 0.5 * y / 256.0);
      p[2] = 0xe0;
      p[3] = inside ? 255 : 0;
    }
  }
  return img;
}

// 384x256 opaque image in four coloured quadrants (red, green / blue, yellow)
// inside an 8 px white frame: shows mirroring, rotation, crops and whether
// fit contain/cover kept the whole frame or trimmed it.
Image makeMarker() {
  const uint32_t w = 384, h = 256;
  Image img{w, h, std::vector<uint8_t>(size_t(w) * h * 4)};
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      static const uint8_t quadrant[4][3] = {
          {0xe5, 0x39, 0x35}, {0x43, 0xa0, 0x47}, {0x1e, 0x88, 0xe5}, {0xfd, 0xd8, 0x35}};
      bool frame = x < 8 || y < 8 || x >= w - 8 || y >= h - 8;
      const uint8_t* c = quadrant[(y >= h / 2) * 2 + (x >= w / 2)];
      uint8_t* p = &img.pixels[(size_t(y) * w + x) * 4];
      for (int k = 0; k < 3; ++k) p[k] = frame ? 255 : c[k];
      p[3] = 255;
    }
  }
  return img;
}

// 2048x2048 greyscale zone plate: rings whose frequency rises to the Nyquist
// limit at radius 1024 (faded to flat grey beyond). Shown small, a correctly
// mipmapped image is a smooth grey with a few rings at the centre; point
// sampling or a missing mip level shows large false rings (moiré).
std::vector<uint8_t> makeZonePlate() {
  const int n = 2048;
  std::vector<uint8_t> grey(size_t(n) * n);
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      double dx = x + 0.5 - n / 2, dy = y + 0.5 - n / 2;
      double r2 = dx * dx + dy * dy;
      double amplitude = 1 - smoothstep(900, 1000, std::sqrt(r2));
      grey[size_t(y) * n + x] = toByte(0.5 + 0.5 * amplitude * std::cos(std::numbers::pi * r2 / n));
    }
  }
  return grey;
}

// 2048x2048 greyscale one-pixel checkerboard of black and white: the highest
// frequency an image can hold. Averaged in linear light it is 50% grey, which
// is sRGB level 188 (not 128, the mean of the encoded values).
std::vector<uint8_t> makeChecker() {
  const int n = 2048;
  std::vector<uint8_t> grey(size_t(n) * n);
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) grey[size_t(y) * n + x] = (x + y) % 2 ? 255 : 0;
  }
  return grey;
}

// 384x256 studio green-screen shot, opaque: a screen shaded from a lighter
// green at the top to a darker one at the bottom (as a real screen is lit),
// a skin-coloured "host" ellipse with a blue badge and a near-white collar,
// antialiased against the screen, and a band of green spill 8 px wide inside
// its edge (35% of the screen's green mixed in: green dominates there).
// Keyed with the default key (pure green, similarity 0.4, softness 0.08) the
// screen is at a Cb,Cr distance of 0.30-0.36 (transparent), the spill band at
// about 0.51 and the host at 0.6 or more (opaque).
Image makeGreenScreen() {
  const uint32_t w = 384, h = 256;
  const double cx = 192, cy = 150, rx = 90, ry = 110;
  Image img{w, h, std::vector<uint8_t>(size_t(w) * h * 4)};
  for (uint32_t y = 0; y < h; ++y) {
    double v = y / double(h - 1);
    const double screen[3] = {40 - 20 * v, 190 - 50 * v, 80 - 30 * v};
    for (uint32_t x = 0; x < w; ++x) {
      double px = x + 0.5, py = y + 0.5;
      // Distance inside the ellipse edge, in pixels (approximate, fine here).
      double rho = std::hypot((px - cx) / rx, (py - cy) / ry);
      double inside = (1 - rho) * std::min(rx, ry);
      double fg[3] = {230, 180, 150};  // skin
      if (std::abs(px - cx) < 20 && std::abs(py - 170) < 20) fg[0] = 40, fg[1] = 80, fg[2] = 200;
      if (py > 215) fg[0] = fg[1] = fg[2] = 235;  // collar
      if (inside < 8) {
        for (int k = 0; k < 3; ++k) fg[k] = 0.65 * fg[k] + 0.35 * screen[k];
      }
      double coverage = std::clamp(inside + 0.5, 0.0, 1.0);
      uint8_t* p = &img.pixels[(size_t(y) * w + x) * 4];
      for (int k = 0; k < 3; ++k)
        p[k] = uint8_t(std::lround(screen[k] + (fg[k] - screen[k]) * coverage));
      p[3] = 255;
    }
  }
  return img;
}

// 384x224 opaque picture for the luma key: a black-to-white ramp across the
// top half; below, on black, a white disc and a mid-grey (level 128) disc.
Image makeLumaPicture() {
  const uint32_t w = 384, h = 224;
  Image img{w, h, std::vector<uint8_t>(size_t(w) * h * 4)};
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      double level = 0;
      if (y < h / 2) {
        level = x / double(w - 1);
      } else {
        double white = std::clamp(50.5 - std::hypot(x + 0.5 - 110, y + 0.5 - 168), 0.0, 1.0);
        double grey = std::clamp(50.5 - std::hypot(x + 0.5 - 274, y + 0.5 - 168), 0.0, 1.0);
        level = white + grey * 128 / 255.0;
      }
      uint8_t* p = &img.pixels[(size_t(y) * w + x) * 4];
      p[0] = p[1] = p[2] = toByte(level);
      p[3] = 255;
    }
  }
  return img;
}

// 256x256 opaque greyscale mask: five vertical bars of levels 0, 64, 128,
// 192 and 255 in the top half, a horizontal ramp from 0 to 255 below.
Image makeMaskBars() {
  const uint32_t n = 256;
  Image img{n, n, std::vector<uint8_t>(size_t(n) * n * 4)};
  for (uint32_t y = 0; y < n; ++y) {
    for (uint32_t x = 0; x < n; ++x) {
      static const uint8_t bars[5] = {0, 64, 128, 192, 255};
      uint8_t level = y < n / 2 ? bars[std::min<uint32_t>(4, x * 5 / n)] : uint8_t(x);
      uint8_t* p = &img.pixels[(size_t(y) * n + x) * 4];
      p[0] = p[1] = p[2] = level;
      p[3] = 255;
    }
  }
  return img;
}

void writeJpegGrey(const fs::path& file, const std::vector<uint8_t>& grey, int size) {
  replaceFile(file, [&](const std::string& tmp) {
    return stbi_write_jpg(tmp.c_str(), size, size, 1, grey.data(), 95) != 0;
  });
}

// The images the golden scenes refer to ("source": "disc.png"), by file name.
const std::vector<std::pair<const char*, std::function<void(const fs::path&)>>>& inputs() {
  static const std::vector<std::pair<const char*, std::function<void(const fs::path&)>>> list = {
      {"disc.png", [](const fs::path& f) { writePng(f, makeDisc()); }},
      {"star.png", [](const fs::path& f) { writePng(f, makeStar()); }},
      {"marker.png", [](const fs::path& f) { writePng(f, makeMarker()); }},
      {"zoneplate.jpg", [](const fs::path& f) { writeJpegGrey(f, makeZonePlate(), 2048); }},
      {"checker.jpg", [](const fs::path& f) { writeJpegGrey(f, makeChecker(), 2048); }},
      {"greenscreen.png", [](const fs::path& f) { writePng(f, makeGreenScreen()); }},
      {"lumakey.png", [](const fs::path& f) { writePng(f, makeLumaPicture()); }},
      {"maskbars.png", [](const fs::path& f) { writePng(f, makeMaskBars()); }},
  };
  return list;
}

bool updateRequested() {
  const char* v = std::getenv("MARQUEE_UPDATE_GOLDENS");
  return v && std::strcmp(v, "1") == 0;
}

// Diff visualisation: the expected image dimmed to a quarter for orientation,
// differences within tolerance amplified x8 in grey, pixels out of tolerance red.
Image diffImage(const Image& expected, const Image& actual, int tolerance) {
  Image out{actual.width, actual.height, std::vector<uint8_t>(actual.pixels.size())};
  for (size_t i = 0; i < out.pixels.size(); i += 4) {
    int d = 0;
    for (int k = 0; k < 4; ++k) {
      d = std::max(d, std::abs(int(expected.pixels[i + k]) - int(actual.pixels[i + k])));
    }
    uint8_t* p = &out.pixels[i];
    if (d > tolerance) {
      p[0] = 255, p[1] = 0, p[2] = 0;
    } else {
      int luma = (expected.pixels[i] + 2 * expected.pixels[i + 1] + expected.pixels[i + 2]) / 16;
      for (int k = 0; k < 3; ++k) p[k] = uint8_t(std::min(255, luma + 8 * d));
    }
    p[3] = 255;
  }
  return out;
}

}  // namespace

gpu::Device& sharedDevice() {
  static gpu::Device device({.validation = true});
  return device;
}

const fs::path& workDir() {
  static const fs::path dir = [] {
    fs::path d = fs::path(MARQUEE_BUILD_DIR) / "golden-work";
    // ctest runs every test case in its own process; generating the two
    // 2048x2048 JPEGs each time would add up. The stamp records the build of
    // this file (where the generators live), so inputs are remade when the
    // generators may have changed, or when one went missing. It is written
    // last: a process that sees it knows every image is complete.
    const std::string stamp = std::string("golden.cpp built ") + __DATE__ + " " + __TIME__;
    std::error_code ec;
    bool fresh = fs::exists(d / "inputs.stamp", ec) && readText(d / "inputs.stamp") == stamp;
    for (const auto& [name, make] : inputs()) fresh = fresh && fs::exists(d / name, ec);
    if (!fresh) {
      for (const auto& [name, make] : inputs()) make(d / name);
      writeText(d / "inputs.stamp", stamp);
    }
    return d;
  }();
  return dir;
}

void copyIntoWorkDir(const fs::path& source) {
  writeText(workDir() / source.filename(), readText(source));
}

scene::Scene loadGoldenScene(const std::string& name) {
  fs::path source = fs::path(MARQUEE_SOURCE_DIR) / "tests/scenes/golden" / (name + ".json");
  fs::path copy = workDir() / (name + ".json");
  writeText(copy, readText(source));
  return scene::loadScene(copy);
}

const char* orientationName(Orientation o) {
  return o == Orientation::Landscape ? "landscape" : "vertical";
}

scene::Scene oriented(const scene::Scene& square, Orientation o) {
  using scene::Prop;
  scene::Scene out = square;
  int w = o == Orientation::Landscape ? 1920 : 1080;
  int h = o == Orientation::Landscape ? 1080 : 1920;
  scene::Node frame = scene::makeNode(scene::NodeKind::Group, "golden-frame");
  frame.values[size_t(Prop::Position)] =
      scene::Vec2{(w - square.canvas.width) / 2.0, (h - square.canvas.height) / 2.0};
  frame.values[size_t(Prop::Size)] =
      scene::Vec2{double(square.canvas.width), double(square.canvas.height)};
  frame.children = std::move(out.nodes);
  out.nodes = {std::move(frame)};
  out.canvas.width = w;
  out.canvas.height = h;
  return out;
}

Image imageOf(const render::FrameOutput& f) {
  Image img;
  img.width = f.width;
  img.height = f.height;
  img.pixels.resize(size_t(f.width) * f.height * 4);
  for (uint32_t y = 0; y < f.height; ++y) {
    std::memcpy(&img.pixels[size_t(y) * f.width * 4], &f.bytes[size_t(y) * f.stride * 4],
                size_t(f.width) * 4);
  }
  return img;
}

Image render(const scene::Scene& scene, uint32_t width, uint32_t height, double time,
             const render::VideoFrames& videos) {
  return renderWith(scene, {width, height}, time, videos);
}

Image renderWith(const scene::Scene& scene, render::OutputSpec spec, double time,
                 const render::VideoFrames& videos) {
  spec.format = render::OutputFormat::Rgba8;
  gpu::Device& device = sharedDevice();
  // The count is cumulative over the shared device; compare against the count
  // before this render so one bad case does not fail every later one.
  uint64_t before = device.validationMessages();
  Image img;
  {
    render::Compositor comp(device, scene, spec);
    img = imageOf(comp.wait(comp.submit(time, videos)));
  }  // the compositor's destruction is covered by the validation check too
  INFO("Vulkan validation messages are printed above");
  REQUIRE(device.validationMessages() == before);
  return img;
}

DiffStats compare(const Image& expected, const Image& actual, int tolerance) {
  REQUIRE(expected.width == actual.width);
  REQUIRE(expected.height == actual.height);
  DiffStats s;
  s.pixels = uint64_t(actual.width) * actual.height;
  uint64_t sum = 0;
  for (size_t i = 0; i < actual.pixels.size(); i += 4) {
    int d = 0;
    for (int k = 0; k < 4; ++k) {
      int c = std::abs(int(expected.pixels[i + k]) - int(actual.pixels[i + k]));
      sum += uint64_t(c);
      d = std::max(d, c);
    }
    s.maxDiff = std::max(s.maxDiff, d);
    if (d > tolerance) ++s.outOfTolerance;
  }
  s.meanAbsDiff = s.pixels ? double(sum) / double(s.pixels * 4) : 0.0;
  return s;
}

void checkGolden(const std::string& name, const Image& actual) {
  fs::path golden = fs::path(MARQUEE_SOURCE_DIR) / "tests/golden" / (name + ".png");
  if (!fs::exists(golden)) {
    if (updateRequested()) {
      writePng(golden, actual);
      WARN("wrote missing golden " << golden.string() << "; look at it before committing");
      return;
    }
    FAIL("golden " << golden.string() << " is missing; create it with\n  MARQUEE_UPDATE_GOLDENS=1 "
                   << MARQUEE_BUILD_DIR << "/tests/test_golden\nand look at it before committing");
  }
  Image expected = readPng(golden);
  bool sameSize = expected.width == actual.width && expected.height == actual.height;
  DiffStats s;
  if (sameSize) s = compare(expected, actual, kGoldenTolerance);
  bool pass =
      sameSize && s.withinFraction() >= kGoldenMinWithin && s.meanAbsDiff <= kGoldenMaxMeanAbsDiff;
  if (pass) return;
  if (updateRequested()) {
    // Goldens within tolerance are left alone above, so float noise never
    // churns the committed PNGs; only real changes are rewritten.
    writePng(golden, actual);
    WARN("replaced golden " << golden.string() << " (it did not match); review the change");
    return;
  }
  fs::path dir = fs::path(MARQUEE_BUILD_DIR) / "golden-failures";
  fs::path actualPath = dir / (name + ".actual.png");
  fs::path diffPath = dir / (name + ".diff.png");
  writePng(actualPath, actual);
  if (!sameSize) {
    FAIL_CHECK(name << ": golden is " << expected.width << "x" << expected.height << ", render is "
                    << actual.width << "x" << actual.height
                    << "\n  actual: " << actualPath.string());
    return;
  }
  writePng(diffPath, diffImage(expected, actual, kGoldenTolerance));
  FAIL_CHECK(name << " differs from " << golden.string() << ":\n  " << 100.0 * s.withinFraction()
                  << "% of pixels within " << kGoldenTolerance << " levels (need "
                  << 100.0 * kGoldenMinWithin << "%), " << s.outOfTolerance
                  << " out of tolerance, max diff " << s.maxDiff << ", mean abs diff "
                  << s.meanAbsDiff << " (need <= " << kGoldenMaxMeanAbsDiff << ")"
                  << "\n  actual: " << actualPath.string() << "\n  diff:   " << diffPath.string()
                  << " (red: out of tolerance; grey: difference x8)"
                  << "\n  if the change is intended: MARQUEE_UPDATE_GOLDENS=1 rewrites it");
}

namespace {

Image renderGoldenScene(const std::string& name, Orientation o, double time,
                        const std::string& suffix) {
  scene::Scene s = oriented(loadGoldenScene(name), o);
  std::string full = name + "-" + orientationName(o) + suffix;
  fs::path copy = workDir() / (full + ".json");
  writeText(copy, scene::saveScene(s));
  bool landscape = o == Orientation::Landscape;
  uint32_t w = landscape ? kGoldenLong : kGoldenShort, h = landscape ? kGoldenShort : kGoldenLong;
  INFO("reproduce: marquee still " << copy.string() << " -o " << full << ".png --output-size " << w
                                   << "x" << h << " --time " << time);
  Image img = render(s, w, h, time);
  checkGolden(full, img);
  return img;
}

}  // namespace

Image checkGoldenScene(const std::string& name, Orientation o) {
  return renderGoldenScene(name, o, 0, "");
}

Image checkGoldenSceneAt(const std::string& name, Orientation o, double time) {
  return renderGoldenScene(name, o, time, "-" + scene::formatNumber(time) + "s");
}

Image readPng(const fs::path& file) {
  int w = 0, h = 0, channels = 0;
  stbi_uc* data = stbi_load(file.c_str(), &w, &h, &channels, 4);
  if (!data) FAIL("cannot decode " << file.string() << ": " << stbi_failure_reason());
  Image img{uint32_t(w), uint32_t(h), std::vector<uint8_t>(data, data + size_t(w) * h * 4)};
  stbi_image_free(data);
  return img;
}

void writePng(const fs::path& file, const Image& image) {
  // Highest zlib level: the goldens are committed, so smaller is worth the time.
  stbi_write_png_compression_level = 9;
  replaceFile(file, [&](const std::string& tmp) {
    return stbi_write_png(tmp.c_str(), int(image.width), int(image.height), 4, image.pixels.data(),
                          int(image.width * 4)) != 0;
  });
}

Image downscale2x(const Image& image) {
  Image out{image.width / 2, image.height / 2, {}};
  out.pixels.resize(size_t(out.width) * out.height * 4);
  auto encode = [](double linear) {
    linear = std::clamp(linear, 0.0, 1.0);
    double s = linear <= 0.0031308 ? linear * 12.92 : 1.055 * std::pow(linear, 1 / 2.4) - 0.055;
    return toByte(s);
  };
  for (uint32_t y = 0; y < out.height; ++y) {
    for (uint32_t x = 0; x < out.width; ++x) {
      // Average premultiplied linear values, as the compositor's filtering does.
      double acc[4] = {0, 0, 0, 0};
      for (uint32_t k = 0; k < 4; ++k) {
        const uint8_t* p = image.at(2 * x + (k & 1), 2 * y + (k >> 1));
        double a = p[3] / 255.0;
        for (int c = 0; c < 3; ++c) acc[c] += render::srgbToLinear(p[c]) * a;
        acc[3] += a;
      }
      uint8_t* q = &out.pixels[(size_t(y) * out.width + x) * 4];
      double a = acc[3] / 4;
      for (int c = 0; c < 3; ++c) q[c] = a > 0 ? encode(acc[c] / 4 / a) : 0;
      q[3] = toByte(a);
    }
  }
  return out;
}

}  // namespace mq::test
