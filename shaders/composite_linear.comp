#version 460
// Composite an isolated group into its atlas rectangle, which a parent
// composite then samples like any other texture: linear premultiplied colour,
// sRGB-encoded here because the atlas is written through a UNORM view of its
// sRGB texels (the sampler decodes them back to linear).
#include "composite.glsl"

// The atlas itself (binding 3 samples it): the group's rectangle never
// overlaps any rectangle this dispatch reads.
layout(set = 0, binding = 4, rgba8) uniform writeonly image2D target;

void main() {
  Tile tile = currentTile();
  ivec2 origin = blockOrigin(tile);
  vec4 encoded[kBlock];
  if (kCopy) {
    vec3 e[kBlock];
    copyBlock(tile, origin, e);
    [[unroll]] for (int i = 0; i < kBlock; ++i) encoded[i] = vec4(e[i], 1.0);
  } else {
    vec4 acc[kBlock];
    compositeBlock(tile, origin, acc);
    [[unroll]] for (int i = 0; i < kBlock; ++i) encoded[i] = vec4(linearToSrgb(acc[i].rgb), acc[i].a);
  }
  [[unroll]] for (int i = 0; i < kBlock; ++i) {
    ivec2 p = origin + ivec2(i & 3, i >> 2);
    if (p.x < int(pc.size.x) && p.y < int(pc.size.y)) imageStore(target, pc.targetOffset + p, encoded[i]);
  }
}
