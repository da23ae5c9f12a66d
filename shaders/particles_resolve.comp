#version 460
// One invocation per target pixel: shades the topmost particle over it into
// the emitter's atlas rectangle (linear premultiplied, written sRGB-encoded
// through the atlas's UNORM view like an isolated group).
#include "particles.glsl"

layout(local_size_x = 8, local_size_y = 8) in;

layout(set = 0, binding = 3, rgba8) uniform writeonly image2D target;

vec3 linearToSrgb(vec3 c) {
  c = clamp(c, 0.0, 1.0);
  return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(vec3(0.0031308), c));
}

vec4 shade(Particle p, vec2 q) {
  float cover = coverage(p, q) * p.alpha;
  vec4 color = p.color;
  float flip = cos(p.tumble);
  if (em.sprite.z > 0.0) {
    return spriteTexel(p, q) * color * cover;
  }
  if (em.info.x == kConfetti) {
    // Paper catching the light as it tumbles; its back is a little darker.
    float light = 0.55 + 0.45 * abs(flip);
    if (flip < 0.0) light *= 0.8;
    return vec4(color.rgb * light, color.a) * cover;
  }
  vec2 n = q / p.ext;
  float r = length(n);
  if (em.info.x == kCoins) {
    // A gold disc: darker rim, embossed inner ring, a glint as it turns.
    float light = 0.75 + 0.3 * abs(flip);
    if (r > 0.82) light *= 0.7;
    else if (r > 0.62 && r < 0.7) light *= 0.8;
    light += 0.5 * pow(max(0.0, 1.0 - abs(n.x + n.y * 0.5 - 0.2 * flip) * 4.0), 2.0) * abs(flip);
    return vec4(min(color.rgb * light, vec3(color.a)), color.a) * cover;
  }
  // Sparkle: a bright core and four rays, twinkling.
  float core = exp(-r * r * 10.0);
  float twinkle = 0.45 + 0.55 * abs(sin(p.tumble));
  float a = sparkleShape(n) * twinkle * p.alpha;
  return vec4(mix(color.rgb, vec3(color.a), core * 0.6), color.a) * a;
}

void main() {
  ivec2 x = ivec2(gl_GlobalInvocationID.xy);
  if (x.x >= int(em.region.z) || x.y >= int(em.region.w)) return;
  x += ivec2(em.region.xy);
  uint key = vis[x.y * int(em.target.z) + x.x];
  vec4 c = vec4(0.0);
  if (key != 0u) {
    Particle p = particle(key - 1u);
    c = shade(p, shapeCoords(p, vec2(x) + 0.5));
  }
  imageStore(target, ivec2(em.target.xy) + x, vec4(linearToSrgb(c.rgb), c.a));
}
