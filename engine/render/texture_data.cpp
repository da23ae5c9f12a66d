#include "render/texture_data.h"

#include <stb_image.h>
#include <stb_image_resize.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "core/error.h"

namespace mq::render {
namespace {

const std::array<float, 256>& srgbTable() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    for (int i = 0; i < 256; ++i) {
      double c = i / 255.0;
      t[i] = float(c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4));
    }
    return t;
  }();
  return table;
}

}  // namespace

float srgbToLinear(uint8_t value) {
  return srgbTable()[value];
}

uint8_t linearToSrgb8(float value) {
  // The nearest code is the number of thresholds (the linear values halfway,
  // in code space, between consecutive codes) at or below the value. A table
  // of buckets over [0, 1) holds that count at each bucket's start; a few
  // steps up the thresholds finish it (near black a bucket spans several
  // codes). Exact, and much cheaper than a search: every texel of every image
  // and mip level passes through here at load.
  constexpr int kBuckets = 1024;
  struct Tables {
    std::array<float, 255> thresholds;
    std::array<uint8_t, kBuckets> start;
  };
  static const Tables tables = [] {
    Tables t{};
    for (int i = 0; i < 255; ++i) {
      double c = (i + 0.5) / 255.0;
      t.thresholds[i] = float(c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4));
    }
    for (int b = 0; b < kBuckets; ++b) {
      float low = float(b) / kBuckets;
      t.start[b] = uint8_t(std::upper_bound(t.thresholds.begin(), t.thresholds.end(), low) -
                           t.thresholds.begin());
    }
    return t;
  }();
  if (value < 0.0f) return 0;
  if (!(value < 1.0f)) return 255;  // and NaN
  int code = tables.start[int(value * kBuckets)];
  while (code < 255 && tables.thresholds[code] <= value) ++code;
  return uint8_t(code);
}

TextureData makeTexture(uint32_t width, uint32_t height, const std::vector<float>& rgba,
                        bool withMips) {
  TextureData tex;
  tex.width = width;
  tex.height = height;
  std::vector<float> level = rgba;
  uint32_t w = width, h = height;
  for (size_t i = 3; i < rgba.size(); i += 4) {
    if (rgba[i] < 1.0f) {
      tex.opaque = false;
      break;
    }
  }
  for (;;) {
    std::vector<uint8_t> encoded(level.size());
    for (size_t i = 0; i < level.size(); i += 4) {
      encoded[i + 0] = linearToSrgb8(level[i + 0]);
      encoded[i + 1] = linearToSrgb8(level[i + 1]);
      encoded[i + 2] = linearToSrgb8(level[i + 2]);
      // Alpha is linear in every format; round to nearest.
      encoded[i + 3] = uint8_t(std::clamp(level[i + 3], 0.0f, 1.0f) * 255.0f + 0.5f);
    }
    tex.levels.push_back(std::move(encoded));
    if (!withMips || (w == 1 && h == 1)) break;
    // 2x2 box filter in linear premultiplied light; odd edges repeat the last texel.
    uint32_t nw = std::max(1u, w / 2), nh = std::max(1u, h / 2);
    std::vector<float> next(size_t(nw) * nh * 4);
    for (uint32_t y = 0; y < nh; ++y) {
      uint32_t y0 = std::min(2 * y, h - 1), y1 = std::min(2 * y + 1, h - 1);
      for (uint32_t x = 0; x < nw; ++x) {
        uint32_t x0 = std::min(2 * x, w - 1), x1 = std::min(2 * x + 1, w - 1);
        for (int c = 0; c < 4; ++c) {
          next[(size_t(y) * nw + x) * 4 + c] =
              0.25f * (level[(size_t(y0) * w + x0) * 4 + c] + level[(size_t(y0) * w + x1) * 4 + c] +
                       level[(size_t(y1) * w + x0) * 4 + c] + level[(size_t(y1) * w + x1) * 4 + c]);
        }
      }
    }
    level = std::move(next);
    w = nw;
    h = nh;
  }
  return tex;
}

void limitTextureSize(TextureData& data, uint32_t maxSide) {
  while ((data.width > maxSide || data.height > maxSide) && data.levels.size() > 1) {
    data.levels.erase(data.levels.begin());
    data.width = std::max(1u, data.width / 2);
    data.height = std::max(1u, data.height / 2);
  }
}

std::vector<float> decodeImageLinear(const std::filesystem::path& file, uint32_t& width,
                                     uint32_t& height) {
  int w = 0, h = 0, channels = 0;
  stbi_uc* pixels = stbi_load(file.c_str(), &w, &h, &channels, 4);
  if (!pixels) {
    const char* reason = stbi_failure_reason();
    throw UserError("cannot decode image " + file.string() + ": " + (reason ? reason : "unknown"));
  }
  if (w > 16384 || h > 16384) {
    stbi_image_free(pixels);
    throw UserError("image " + file.string() + " is " + std::to_string(w) + "x" +
                    std::to_string(h) + "; the largest supported is 16384x16384");
  }
  std::vector<float> rgba(size_t(w) * h * 4);
  const auto& table = srgbTable();
  for (size_t i = 0; i < size_t(w) * h; ++i) {
    float a = pixels[i * 4 + 3] / 255.0f;
    rgba[i * 4 + 0] = table[pixels[i * 4 + 0]] * a;
    rgba[i * 4 + 1] = table[pixels[i * 4 + 1]] * a;
    rgba[i * 4 + 2] = table[pixels[i * 4 + 2]] * a;
    rgba[i * 4 + 3] = a;
  }
  stbi_image_free(pixels);
  width = uint32_t(w);
  height = uint32_t(h);
  return rgba;
}

std::vector<float> resampleLinear(const std::vector<float>& rgba, uint32_t width, uint32_t height,
                                  uint32_t newWidth, uint32_t newHeight) {
  std::vector<float> out(size_t(newWidth) * newHeight * 4);
  // Premultiplied already: stb filters the channels as they are. Clamped
  // edges: the picture's border repeats rather than fading into black.
  if (!stbir_resize_float_generic(rgba.data(), int(width), int(height), 0, out.data(),
                                  int(newWidth), int(newHeight), 0, 4, 3,
                                  STBIR_FLAG_ALPHA_PREMULTIPLIED, STBIR_EDGE_CLAMP,
                                  STBIR_FILTER_MITCHELL, STBIR_COLORSPACE_LINEAR, nullptr)) {
    throw RuntimeError("cannot resample a " + std::to_string(width) + "x" + std::to_string(height) +
                       " picture to " + std::to_string(newWidth) + "x" + std::to_string(newHeight));
  }
  // Mitchell's small negative lobes can overshoot next to hard edges: keep
  // every texel a valid premultiplied colour.
  for (size_t i = 0; i < out.size(); i += 4) {
    float a = std::clamp(out[i + 3], 0.0f, 1.0f);
    out[i + 3] = a;
    for (int c = 0; c < 3; ++c) out[i + c] = std::clamp(out[i + c], 0.0f, a);
  }
  return out;
}

TextureData loadImageTexture(const std::filesystem::path& file) {
  uint32_t w = 0, h = 0;
  std::vector<float> rgba = decodeImageLinear(file, w, h);
  return makeTexture(w, h, rgba, true);
}

}  // namespace mq::render
