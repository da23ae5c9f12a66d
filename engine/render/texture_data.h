// CPU-side texture preparation: every texture the compositor samples is linear
// light, premultiplied alpha, RGBA16F, with a full mip chain built in linear
// light (so a 4K image shown small is filtered, not aliased, and edges don't
// darken). Done once at load time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace mq::render {

struct TextureData {
  uint32_t width = 0, height = 0;
  std::vector<std::vector<uint16_t>> levels;  // RGBA half floats per mip level, level 0 first
  bool opaque = true;                         // every pixel has alpha 1
};

// sRGB-encoded 8-bit value to linear light.
float srgbToLinear(uint8_t value);
uint16_t floatToHalf(float value);

// Builds the mip chain from linear premultiplied RGBA floats (width*height*4).
TextureData makeTexture(uint32_t width, uint32_t height, const std::vector<float>& rgba,
                        bool withMips);

// Decodes a PNG/JPEG (sRGB, straight alpha). Throws mq::UserError naming the
// file and the decoder's reason.
TextureData loadImageTexture(const std::filesystem::path& file);

}  // namespace mq::render
