#version 460
// Composite straight to NV12, BT.709 limited range, for the video encoder:
// Y plane (width x height bytes) then interleaved CbCr (width x height/2).
#include "composite.glsl"

layout(std430, set = 0, binding = 4) writeonly buffer Output { uint words[]; };

uint lumaByte(vec3 e) {
  return uint(clamp(16.0 + 219.0 * dot(e, vec3(0.2126, 0.7152, 0.0722)) + 0.5, 0.0, 255.0));
}

uvec2 chromaBytes(vec3 e) {
  float y = dot(e, vec3(0.2126, 0.7152, 0.0722));
  float cb = 128.0 + 224.0 * (e.b - y) / 1.8556;
  float cr = 128.0 + 224.0 * (e.r - y) / 1.5748;
  return uvec2(clamp(vec2(cb, cr) + 0.5, 0.0, 255.0));
}

void main() {
  ivec2 origin = ivec2(gl_WorkGroupID.xy) * ivec2(32, 16) + ivec2(gl_LocalInvocationID.xy) * ivec2(4, 2);
  vec4 acc[8];
  compositeBlock(origin, acc);
  if (origin.x >= int(pc.size.x) || origin.y >= int(pc.size.y)) return;
  vec3 e[8];
  for (int i = 0; i < 8; ++i) e[i] = linearToSrgb(acc[i].rgb);
  uint width = pc.stride;
  uint row0 = (uint(origin.y) * width + uint(origin.x)) >> 2;
  words[row0] = lumaByte(e[0]) | (lumaByte(e[1]) << 8) | (lumaByte(e[2]) << 16) | (lumaByte(e[3]) << 24);
  words[row0 + (width >> 2)] =
      lumaByte(e[4]) | (lumaByte(e[5]) << 8) | (lumaByte(e[6]) << 16) | (lumaByte(e[7]) << 24);
  // Chroma sites are the average of each 2x2 block, in gamma-encoded values as
  // every mainstream encoder path (and FFmpeg's swscale) does.
  uvec2 c0 = chromaBytes(0.25 * (e[0] + e[1] + e[4] + e[5]));
  uvec2 c1 = chromaBytes(0.25 * (e[2] + e[3] + e[6] + e[7]));
  uint chromaBase = (pc.stride * pc.size.y) >> 2;
  words[chromaBase + ((uint(origin.y >> 1) * width + uint(origin.x)) >> 2)] =
      c0.x | (c0.y << 8) | (c1.x << 16) | (c1.y << 24);
}
