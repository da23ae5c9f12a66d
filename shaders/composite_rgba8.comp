#version 460
// Composite to sRGB-encoded RGBA8 with straight alpha, for stills (PNG).
#include "composite.glsl"

layout(std430, set = 0, binding = 4) writeonly buffer Output { uint words[]; };

void main() {
  Tile tile = currentTile();
  ivec2 origin = blockOrigin(tile);
  vec4 out4[kBlock];
  if (kCopy) {
    vec3 e[kBlock];
    copyBlock(tile, origin, e);
    [[unroll]] for (int i = 0; i < kBlock; ++i) out4[i] = vec4(e[i], 1.0);
  } else {
    vec4 acc[kBlock];
    compositeBlock(tile, origin, acc);
    [[unroll]] for (int i = 0; i < kBlock; ++i) {
      vec4 c = acc[i];
      vec3 straight = c.a > 0.0 ? c.rgb / c.a : vec3(0.0);
      out4[i] = vec4(linearToSrgb(straight), c.a);
    }
  }
  [[unroll]] for (int i = 0; i < kBlock; ++i) {
    ivec2 p = origin + ivec2(i & 3, i >> 2);
    if (p.x >= int(pc.size.x) || p.y >= int(pc.size.y)) continue;
    words[uint(p.y) * pc.stride + uint(p.x)] = packUnorm4x8(out4[i]);
  }
}
