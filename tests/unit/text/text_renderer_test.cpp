#include "text/text_renderer.h"

#include <stb_image_write.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "core/error.h"

namespace fs = std::filesystem;
using namespace mq::text;

namespace {

const fs::path kDejaVu = "/usr/share/fonts/truetype/dejavu";

TextStyle style(std::string text) {
  TextStyle s;
  s.text = std::move(text);
  s.fontFile = kDejaVu / "DejaVuSans.ttf";
  return s;
}

// Ink statistics of one channel (3 = alpha) in box pixels (padding removed).
struct Ink {
  double sum = 0, centroidX = 0;
  int minX = INT32_MAX, maxX = INT32_MIN, minY = INT32_MAX, maxY = INT32_MIN;
};

Ink ink(const TextBitmap& b, int channel = 3, float threshold = 0.02f) {
  Ink r;
  for (int y = 0; y < b.height; ++y)
    for (int x = 0; x < b.width; ++x) {
      const float v = b.rgba[(size_t(y) * b.width + x) * 4 + channel];
      if (v <= threshold) continue;
      r.sum += v;
      r.centroidX += v * (x - b.padding);
      r.minX = std::min(r.minX, x - b.padding), r.maxX = std::max(r.maxX, x - b.padding);
      r.minY = std::min(r.minY, y - b.padding), r.maxY = std::max(r.maxY, y - b.padding);
    }
  if (r.sum > 0) r.centroidX /= r.sum;
  return r;
}

void checkValid(const TextBitmap& b) {
  REQUIRE(b.width > 0);
  REQUIRE(b.height > 0);
  REQUIRE(b.padding >= 2);
  REQUIRE(b.rgba.size() == size_t(b.width) * b.height * 4);
  for (size_t i = 0; i < b.rgba.size(); i += 4) {
    REQUIRE(b.rgba[i + 3] >= 0.0f);
    REQUIRE(b.rgba[i + 3] <= 1.0f + 1e-6f);
    for (int k = 0; k < 3; ++k) REQUIRE(b.rgba[i + k] <= b.rgba[i + 3] + 1e-6f);  // premultiplied
  }
}

// Linear premultiplied RGBA over a grey background, encoded as 8-bit sRGB.
void writePng(const TextBitmap& b, const char* path) {
  auto srgb = [](float v) {
    v = std::clamp(v, 0.0f, 1.0f);
    v = v <= 0.0031308f ? v * 12.92f : 1.055f * std::pow(v, 1 / 2.4f) - 0.055f;
    return static_cast<uint8_t>(std::lround(v * 255));
  };
  std::vector<uint8_t> pixels(size_t(b.width) * b.height * 3);
  for (int y = 0; y < b.height; ++y)
    for (int x = 0; x < b.width; ++x) {
      const float* p = &b.rgba[(size_t(y) * b.width + x) * 4];
      // Mark the box edges faintly so alignment can be judged.
      const int bx = x - b.padding, by = y - b.padding;
      const int bw = b.width - 2 * b.padding, bh = b.height - 2 * b.padding;
      const bool edge = ((bx == -1 || bx == bw) && by >= -1 && by <= bh) ||
                        ((by == -1 || by == bh) && bx >= -1 && bx <= bw);
      const float bg = edge ? 0.5f : 0.2f;
      for (int k = 0; k < 3; ++k)
        pixels[(size_t(y) * b.width + x) * 3 + k] = srgb(p[k] + bg * (1 - p[3]));
    }
  REQUIRE(stbi_write_png(path, b.width, b.height, 3, pixels.data(), b.width * 3) != 0);
}

}  // namespace

TEST_CASE("resolveFont finds installed families and files", "[text]") {
  const fs::path regular = resolveFont("DejaVu Sans", "/nonexistent");
  const fs::path bold = resolveFont("DejaVu Sans:bold", "/nonexistent");
  CHECK(regular.filename() == "DejaVuSans.ttf");
  CHECK(bold.filename() == "DejaVuSans-Bold.ttf");
  CHECK(resolveFont("DejaVu Sans:style=Bold Oblique", ".").filename() ==
        "DejaVuSans-BoldOblique.ttf");
  CHECK(resolveFont("dejavu sans", ".") == regular);  // case-insensitive
  CHECK(resolveFont("DejaVu Sans", ".") == regular);  // cached
  CHECK(resolveFont("sans-serif", ".").extension() == ".ttf");

  // Files: absolute, and relative to the base directory.
  CHECK(resolveFont((kDejaVu / "DejaVuSerif.ttf").string(), "/elsewhere") ==
        kDejaVu / "DejaVuSerif.ttf");
  CHECK(resolveFont("DejaVuSansMono.ttf", kDejaVu) == kDejaVu / "DejaVuSansMono.ttf");
}

TEST_CASE("resolveFont rejects unknown families", "[text]") {
  try {
    resolveFont("Comic Nonsense", "/scenes");
    FAIL("expected UserError");
  } catch (const mq::UserError& e) {
    CHECK(std::string(e.what()) ==
          "font not found: \"Comic Nonsense\" (not a file relative to /scenes, and no installed "
          "font family of that name)");
  }
  CHECK_THROWS_AS(resolveFont("fonts/missing.ttf", "/scenes"), mq::UserError);
  CHECK_THROWS_AS(resolveFont("", "/scenes"), mq::UserError);
  CHECK_THROWS_AS(resolveFont(":bold", "/scenes"), mq::UserError);
}

TEST_CASE("renderText draws ASCII and accented text", "[text]") {
  const TextBitmap ascii = renderText(style("Hello"), 1);
  checkValid(ascii);
  CHECK(ink(ascii).sum > 100);
  CHECK(ascii.boxHeight == Approx(1.2 * 48));

  const TextBitmap accented = renderText(style("Café Crème — ½ prix, Ñandú, Zoë"), 1);
  checkValid(accented);
  CHECK(ink(accented).sum > 100);

  // The accent of É (precomposed) and of e + U+0301 (combining) sit above the
  // letter, so the ink starts higher than without it.
  CHECK(ink(renderText(style("É"), 1)).minY < ink(renderText(style("E"), 1)).minY - 5);
  CHECK(ink(renderText(style("e\xCC\x81"), 1)).minY < ink(renderText(style("e"), 1)).minY - 5);
}

TEST_CASE("renderText box grows with the text and scales with pixelsPerUnit", "[text]") {
  const TextBitmap short_ = renderText(style("Lower"), 1);
  const TextBitmap long_ = renderText(style("Lower third title"), 1);
  CHECK(long_.boxWidth > 2 * short_.boxWidth);
  CHECK(long_.width > short_.width);

  const TextBitmap x2 = renderText(style("Lower third title"), 2);
  CHECK(x2.boxWidth == Approx(long_.boxWidth));
  CHECK(x2.boxHeight == Approx(long_.boxHeight));
  CHECK(double(x2.width) / long_.width == Approx(2).epsilon(0.05));
  CHECK(double(x2.height) / long_.height == Approx(2).epsilon(0.1));
  CHECK(ink(x2).sum / ink(long_).sum == Approx(4).epsilon(0.05));            // area scales by 4
  CHECK(ink(x2).centroidX / 2 == Approx(ink(long_).centroidX).margin(0.5));  // layout is linear
}

TEST_CASE("renderText wraps within boxWidth", "[text]") {
  TextStyle s = style("The quick brown fox jumps over the lazy dog");
  const TextBitmap one = renderText(s, 1);
  s.boxWidth = 300;
  const TextBitmap wrapped = renderText(s, 1);
  CHECK(wrapped.boxWidth == 300);
  CHECK(wrapped.boxHeight >= 3 * one.boxHeight - 1e-6);
  CHECK(ink(wrapped).minX >= -2);
  CHECK(ink(wrapped).maxX < 300 + 2);

  // A word longer than the box is split between letters.
  s.text = "Supercalifragilisticexpialidocious";
  const TextBitmap split = renderText(s, 1);
  CHECK(split.boxHeight >= 2 * one.boxHeight - 1e-6);
  CHECK(ink(split).maxX < 300 + 2);

  // Explicit line breaks, with and without wrapping.
  CHECK(renderText(style("a\nb\nc"), 1).boxHeight == Approx(3 * 1.2 * 48));
  s.text = "well-known";
  s.boxWidth = 160;  // "well-" fits, "well-known" does not
  CHECK(renderText(s, 1).boxHeight == Approx(2 * 1.2 * 48));
}

TEST_CASE("renderText aligns lines in the box", "[text]") {
  TextStyle s = style("Title  ");  // trailing spaces must not shift right-aligned text
  s.boxWidth = 600;
  const double left = ink(renderText(s, 1)).centroidX;
  s.align = Align::Center;
  const Ink center = ink(renderText(s, 1));
  s.align = Align::Right;
  const Ink right = ink(renderText(s, 1));
  CHECK(left < 100);
  CHECK(center.centroidX == Approx(300).margin(6));
  CHECK(right.maxX == Approx(600).margin(6));
  CHECK(right.centroidX - center.centroidX == Approx(center.centroidX - left).margin(2));

  // Without a box width, shorter lines align within the widest one.
  s = style("Wide first line\nshort");
  s.align = Align::Right;
  const TextBitmap b = renderText(s, 1);
  const int bottomRow = b.padding + int(1.2 * 48 * 1.5);
  int rightmost = -1;
  for (int x = 0; x < b.width; ++x)
    for (int y = bottomRow; y < b.height; ++y)
      if (b.rgba[(size_t(y) * b.width + x) * 4 + 3] > 0.02f) rightmost = x - b.padding;
  CHECK(rightmost == Approx(b.boxWidth).margin(6));
}

TEST_CASE("renderText outline surrounds the glyphs in the outline colour", "[text]") {
  TextStyle s = style("Outline");
  s.color[0] = 1, s.color[1] = 0, s.color[2] = 0;                       // red fill
  s.outlineColor[0] = 0, s.outlineColor[1] = 0, s.outlineColor[2] = 1;  // blue outline
  const TextBitmap plain = renderText(s, 1);
  s.outlineWidth = 4;
  const TextBitmap outlined = renderText(s, 1);
  checkValid(outlined);
  CHECK(outlined.padding >= plain.padding + 4);
  CHECK(ink(plain, 2).sum == 0);
  CHECK(ink(outlined, 2).sum > 500);  // blue appears
  CHECK(ink(outlined, 3).sum > ink(plain, 3).sum * 1.5);
  CHECK(ink(outlined, 0).sum == Approx(ink(plain, 0).sum).epsilon(0.01));  // fill on top, intact
  // ...around the glyphs: it reaches ~4 px further on every side.
  CHECK(ink(outlined).minX <= ink(plain).minX - 3);
  CHECK(ink(outlined).maxY >= ink(plain).maxY + 3);
}

TEST_CASE("renderText clips to boxHeight", "[text]") {
  TextStyle s = style("one\ntwo\nthree\nfour");
  const TextBitmap all = renderText(s, 1);
  s.boxHeight = 1.2 * 48 * 1.5;  // one and a half lines
  const TextBitmap clipped = renderText(s, 1);
  checkValid(clipped);
  CHECK(clipped.boxHeight == s.boxHeight);
  CHECK(clipped.height < all.height);
  CHECK(ink(clipped).maxY < std::ceil(s.boxHeight));
  CHECK(ink(clipped).sum < ink(all).sum * 0.6);
}

TEST_CASE("renderText is deterministic and handles edge cases", "[text]") {
  TextStyle s = style("Café Crème — ½ prix");
  s.outlineWidth = 2.5;
  s.boxWidth = 250;
  s.align = Align::Center;
  const TextBitmap a = renderText(s, 1.37), b = renderText(s, 1.37);
  CHECK(a.width == b.width);
  CHECK(a.height == b.height);
  CHECK(a.rgba == b.rgba);  // bit-identical floats

  const TextBitmap empty = renderText(style(""), 1);
  checkValid(empty);
  CHECK(ink(empty, 3, 0).sum == 0);
  CHECK(empty.boxWidth == 0);

  TextStyle missing = style("x");
  missing.fontFile = "/nonexistent/font.ttf";
  CHECK_THROWS_AS(renderText(missing, 1), mq::UserError);
  missing.fontFile = fs::path(MARQUEE_SOURCE_DIR) / "CMakeLists.txt";  // not a font
  CHECK_THROWS_AS(renderText(missing, 1), mq::UserError);
}

TEST_CASE("renderText rejects bad styles", "[text]") {
  TextStyle s = style("x");
  s.fontSize = 0;
  CHECK_THROWS_AS(renderText(s, 1), mq::UserError);
  s = style("x");
  s.lineHeight = -1;
  CHECK_THROWS_AS(renderText(s, 1), mq::UserError);
  s = style("x");
  s.boxWidth = 1e9;
  CHECK_THROWS_AS(renderText(s, 1), mq::UserError);
}

TEST_CASE("renderText is thread-safe", "[text]") {
  TextStyle s = style("Concurrent Ñandú");
  s.outlineWidth = 2;
  const TextBitmap expected = renderText(s, 1);
  std::vector<std::thread> threads;
  std::vector<int> same(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) same[t] += renderText(s, 1).rgba == expected.rgba;
      renderText(style("other"), 1.5 + t);  // same face, other sizes in between
      resolveFont("DejaVu Serif:italic", ".");
    });
  for (auto& t : threads) t.join();
  for (int n : same) CHECK(n == 10);
}

TEST_CASE("renderText is fast enough for a lower third", "[text]") {
  TextStyle s = style("Breaking News — Élections: résultats en direct");
  s.fontSize = 80;
  s.outlineWidth = 3;
  s.boxWidth = 1920;
  s.boxHeight = 140;
  renderText(s, 1);  // warm the face cache
  const auto t0 = std::chrono::steady_clock::now();
  const TextBitmap b = renderText(s, 1);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  INFO("1920x140 lower third: " << ms << " ms");
  CHECK(b.width >= 1920);
  CHECK(ms < 250);  // generous: Debug builds on a shared machine
}

TEST_CASE("renderText writes a PNG for visual inspection", "[text]") {
  TextStyle s = style("Café Crème — ½ prix\nÑandú, Zoë, e\xCC\x81t\xC3\xA9");
  s.fontSize = 56;
  s.color[0] = 1.0f, s.color[1] = 0.8f, s.color[2] = 0.2f;
  s.outlineWidth = 3;
  s.boxWidth = 640;
  s.align = Align::Center;
  const TextBitmap b = renderText(s, 1);
  writePng(b, "/tmp/marquee_text_cafe.png");
  s.fontFile = kDejaVu / "DejaVuSerif-Italic.ttf";
  s.align = Align::Right;
  writePng(renderText(s, 1.5), "/tmp/marquee_text_cafe_italic_right.png");
}
