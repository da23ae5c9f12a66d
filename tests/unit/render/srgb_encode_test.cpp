// Texture upload encodes every texel of every image and mip level from linear
// light to 8-bit sRGB; the fast path must give the nearest code, exactly.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>

#include "render/texture_data.h"

using namespace mq::render;

namespace {

// The nearest 8-bit sRGB code, in code space, by brute force.
uint8_t nearestCode(float linear) {
  double c =
      linear <= 0.0031308 ? linear * 12.92 : 1.055 * std::pow(double(linear), 1 / 2.4) - 0.055;
  return uint8_t(std::clamp(std::floor(c * 255.0 + 0.5), 0.0, 255.0));
}

}  // namespace

TEST_CASE("sRGB encoding: every code decodes and encodes back to itself", "[render][srgb]") {
  for (int v = 0; v < 256; ++v) {
    INFO("code " << v);
    CHECK(int(linearToSrgb8(srgbToLinear(uint8_t(v)))) == v);
  }
}

TEST_CASE("sRGB encoding: the nearest code for values across [0, 1] and beyond", "[render][srgb]") {
  int mismatches = 0;
  for (int i = 0; i <= 2000000; ++i) {
    float linear = float(i) / 2000000.0f;
    // Halfway points may round either way in float; skip values within a
    // rounding error of one.
    double c =
        linear <= 0.0031308 ? linear * 12.92 : 1.055 * std::pow(double(linear), 1 / 2.4) - 0.055;
    double frac = c * 255.0 - std::floor(c * 255.0);
    if (std::abs(frac - 0.5) < 1e-4) continue;
    mismatches += linearToSrgb8(linear) != nearestCode(linear);
  }
  CHECK(mismatches == 0);
  CHECK(linearToSrgb8(-0.5f) == 0);
  CHECK(linearToSrgb8(0.0f) == 0);
  CHECK(linearToSrgb8(1.0f) == 255);
  CHECK(linearToSrgb8(7.0f) == 255);
  CHECK(linearToSrgb8(std::numeric_limits<float>::infinity()) == 255);
}
