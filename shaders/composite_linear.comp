#version 460
// Composite to a linear premultiplied RGBA16F image: an isolated group that a
// parent composite then samples like any other texture.
#include "composite.glsl"

layout(set = 0, binding = 4, rgba16f) uniform writeonly image2D target;

void main() {
  ivec2 origin = ivec2(gl_WorkGroupID.xy) * ivec2(32, 16) + ivec2(gl_LocalInvocationID.xy) * ivec2(4, 2);
  vec4 acc[8];
  compositeBlock(origin, acc);
  for (int i = 0; i < 8; ++i) {
    ivec2 p = origin + ivec2(i & 3, i >> 2);
    if (p.x < int(pc.size.x) && p.y < int(pc.size.y)) imageStore(target, p, acc[i]);
  }
}
