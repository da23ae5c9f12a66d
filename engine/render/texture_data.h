// CPU-side texture preparation: every texture the compositor samples holds
// linear-light colour with premultiplied alpha, stored sRGB-encoded in 8 bits
// (VK_FORMAT_R8G8B8A8_SRGB: the sampler decodes to linear before filtering, so
// filtering and blending stay in linear light while dark tones keep their
// precision). The mip chain is built in linear light (a 4K image shown small is
// filtered, not aliased, and edges don't darken). Done once at load time.
//
// Why 8-bit sRGB and not RGBA16F: lavapipe fetches and filters it about 1.4x
// faster than half floats (texture reads dominate the composite), at half the
// memory. Why not UNORM with a decode in the shader (faster still): filtering
// would then happen on encoded values, which puts dark fringes on the
// antialiased edges of scaled or rotated stickers and text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace mq::render {

struct TextureData {
  uint32_t width = 0, height = 0;
  std::vector<std::vector<uint8_t>> levels;  // RGBA8 (sRGB-encoded) per mip level, level 0 first
  bool opaque = true;                        // every pixel has alpha 1
};

// sRGB-encoded 8-bit value to linear light.
float srgbToLinear(uint8_t value);
// Linear light in [0, 1] to the nearest sRGB-encoded 8-bit value.
uint8_t linearToSrgb8(float value);

// Builds the mip chain from linear premultiplied RGBA floats (width*height*4).
TextureData makeTexture(uint32_t width, uint32_t height, const std::vector<float>& rgba,
                        bool withMips);

// Decodes a PNG/JPEG file to linear premultiplied RGBA floats (width*height*4).
// Throws UserError naming the file when it does not decode.
std::vector<float> decodeImageLinear(const std::filesystem::path& file, uint32_t& width,
                                     uint32_t& height);

// Resamples linear premultiplied RGBA floats to width x height with a proper
// reconstruction filter (Mitchell; wide enough to average every source texel
// when shrinking), in linear light, premultiplied, as a picture is shown at a
// size it does not have. The result stays premultiplied (colour <= alpha).
std::vector<float> resampleLinear(const std::vector<float>& rgba, uint32_t width, uint32_t height,
                                  uint32_t newWidth, uint32_t newHeight);

// Drops the largest mip levels until both sides are at most maxSide: an image
// bigger than the atlas is kept at the largest level that fits (a 6000-pixel
// product photo is shown at 3000 pixels, more than any output shows it at).
void limitTextureSize(TextureData& data, uint32_t maxSide);

// Decodes a PNG/JPEG (sRGB, straight alpha). Throws mq::UserError naming the
// file and the decoder's reason.
TextureData loadImageTexture(const std::filesystem::path& file);

}  // namespace mq::render
