#version 460
// Composite straight to NV12, BT.709 limited range, for the video encoder:
// Y plane (width x height bytes) then interleaved CbCr (width x height/2).
#include "composite.glsl"

layout(std430, set = 0, binding = 4) writeonly buffer Output { uint words[]; };

// Through int: AVX2 converts floats to signed ints in vector registers, not
// to unsigned ones.
uint lumaByte(vec3 e) {
  return uint(int(clamp(16.0 + 219.0 * dot(e, vec3(0.2126, 0.7152, 0.0722)) + 0.5, 0.0, 255.0)));
}

// Four bytes into one word. Lavapipe stores a buffer word lane by lane, and
// LLVM then moves a pack by constant shifts into that per-lane loop (a scalar
// float->int conversion, shift and or per byte and lane). Shifting by a
// push constant (always 8) keeps the pack in vector code, before the loop.
uint pack4(uint b0, uint b1, uint b2, uint b3) {
  uint s = pc.byteShift;
  return b0 | (b1 << s) | (b2 << (2u * s)) | (b3 << (3u * s));
}

uvec2 chromaBytes(vec3 e) {
  float y = dot(e, vec3(0.2126, 0.7152, 0.0722));
  float cb = 128.0 + 224.0 * (e.b - y) / 1.8556;
  float cr = 128.0 + 224.0 * (e.r - y) / 1.5748;
  return uvec2(ivec2(clamp(vec2(cb, cr) + 0.5, 0.0, 255.0)));
}

void main() {
  Tile tile = currentTile();
  ivec2 origin = blockOrigin(tile);
  vec3 e[kBlock];
  if (kCopy) {
    copyBlock(tile, origin, e);
  } else {
    vec4 acc[kBlock];
    compositeBlock(tile, origin, acc);
    [[unroll]] for (int i = 0; i < kBlock; ++i) e[i] = linearToSrgb(acc[i].rgb);
  }
  if (origin.x >= int(pc.size.x) || origin.y >= int(pc.size.y)) return;
  uint width = pc.stride;
  uint chromaBase = (pc.stride * pc.size.y) >> 2;
  [[unroll]] for (int r = 0; r < 4; ++r) {
    if (origin.y + r >= int(pc.size.y)) break;
    int i = 4 * r;
    words[(uint(origin.y + r) * width + uint(origin.x)) >> 2] =
        pack4(lumaByte(e[i]), lumaByte(e[i + 1]), lumaByte(e[i + 2]), lumaByte(e[i + 3]));
  }
  // Chroma sites are the average of each 2x2 block, in gamma-encoded values as
  // every mainstream encoder path (and FFmpeg's swscale) does.
  [[unroll]] for (int r = 0; r < 4; r += 2) {
    if (origin.y + r >= int(pc.size.y)) break;
    int i = 4 * r;
    uvec2 c0 = chromaBytes(0.25 * (e[i] + e[i + 1] + e[i + 4] + e[i + 5]));
    uvec2 c1 = chromaBytes(0.25 * (e[i + 2] + e[i + 3] + e[i + 6] + e[i + 7]));
    words[chromaBase + ((uint((origin.y + r) >> 1) * width + uint(origin.x)) >> 2)] =
        pack4(c0.x, c0.y, c1.x, c1.y);
  }
}
