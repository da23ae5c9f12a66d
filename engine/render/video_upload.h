// Decoded video pictures on their way to the atlas: the parameters the
// conversion shader (shaders/video_to_rgb.comp) reads, and the packing of a
// picture's planes into an upload buffer — byte for byte as the decoder made
// them, with no colour conversion on the CPU.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "media/media_source.h"

namespace mq::render {

// std430 layout of the shader's Params block.
struct VideoParams {
  std::array<float, 16> toRgb;  // column-major 4x4
  std::array<uint32_t, 4> planeOffset, planeStride, size, layout0, layout1, order;
  std::array<float, 4> scale;
  // The whole picture's pixels relative to the converted region's corner
  // (min x, min y, max x, max y, inclusive): sharpening reads neighbours up
  // to there.
  std::array<int32_t, 4> bounds;
  // x: sharpening's negative lobe weight at full adaptation (-1/8 .. -1/5)
  std::array<float, 4> sharpen;
};
static_assert(sizeof(VideoParams) == 208);

// Y'CbCr (in 8-bit code units) to R'G'B' in [0, 1] for the stream's matrix and
// range, as a 4x4 matrix acting on (y, cb, cr, 1), column-major. Identity
// (RGB formats) maps (r, g, b) codes to [0, 1].
std::array<float, 16> yuvToRgbMatrix(media::YuvMatrix matrix, media::YuvRange range);

// Bytes the planes of `frame` take when packed (rows kept at their stride,
// each plane 4-byte aligned).
size_t packedPlaneBytes(const media::VideoFrame& frame);

// Copies the planes to `dst` (packedPlaneBytes() bytes) and returns the
// shader parameters for writing the picture at (targetX, targetY).
VideoParams packVideoFrame(const media::VideoFrame& frame, uint8_t* dst, uint32_t targetX,
                           uint32_t targetY);

}  // namespace mq::render
