// GPU particle emitters (see engine/render/particles.h). Every particle is a
// pure function of the emitter, its seed, its index and the emitter's time.
#extension GL_EXT_control_flow_attributes : require

struct Emitter {
  vec4 origin;  // x, y, emit width, emitter time (s)
  vec4 cone;    // direction (rad), spread (rad), speed min, speed max
  vec4 phys;    // gravity x, y, drag (1/s), spin (rad/s)
  vec4 life;    // lifetime min, max, rate (0: burst), size min
  vec4 misc;    // size max
  uvec4 info;   // effect, count, seed, colour count
  uvec4 target; // atlas rectangle x, y, width, height
  vec4 offsets[2];
  vec4 colors[8];
  vec4 sprite;  // atlas rectangle; z == 0: none
  vec4 atlasInv;
  uvec4 region; // the part of the target that can hold particles: x, y, width, height
};

layout(std430, set = 0, binding = 0) readonly buffer EmitterBuffer { Emitter em; };
// Per target pixel: 1 + the index of the topmost particle covering it, 0: none.
layout(std430, set = 0, binding = 1) buffer Visibility { uint vis[]; };
// The atlas, for sprites.
layout(set = 0, binding = 2) uniform sampler2D atlas;

const uint kConfetti = 0u, kSparkle = 1u, kCoins = 2u;
const float kPi = 3.14159265358979;

uint pcg(uint v) {
  uint state = v * 747796405u + 2891336453u;
  uint word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
// Uniform in [0, 1): draw `n` of particle `i`.
float rnd(uint i, uint n) {
  uint h = pcg(em.info.z ^ pcg(i * 16u + n));
  return float(h >> 8) * (1.0 / 16777216.0);
}

struct Particle {
  bool alive;
  vec2 pos;     // target pixels
  vec2 ext;     // half extents of its shape, before rotation
  float angle;  // rotation (rad)
  float tumble; // phase of its flip / twinkle
  float alpha;
  vec4 color;   // linear premultiplied
};

Particle particle(uint i) {
  Particle p;
  float t = em.origin.w;
  float rate = em.life.z;
  float birth = rate > 0.0 ? float(i) / rate : 0.0;
  float age = t - birth;
  float life = mix(em.life.x, em.life.y, rnd(i, 0u));
  p.alive = age >= 0.0 && age < life;
  float a = em.cone.x + (rnd(i, 1u) - 0.5) * em.cone.y;
  float speed = mix(em.cone.z, em.cone.w, rnd(i, 2u));
  vec2 v0 = speed * vec2(cos(a), sin(a));
  vec2 p0 = em.origin.xy + vec2((rnd(i, 3u) - 0.5) * em.origin.z, 0.0);
  vec2 g = em.phys.xy;
  float k = em.phys.z;
  // dv/dt = g - k v, integrated exactly.
  if (k > 1e-4) {
    vec2 terminal = g / k;
    p.pos = p0 + terminal * age + (v0 - terminal) * ((1.0 - exp(-k * age)) / k);
  } else {
    p.pos = p0 + v0 * age + 0.5 * g * age * age;
  }
  float spin = em.phys.w;
  p.angle = rnd(i, 4u) * 2.0 * kPi + (rnd(i, 5u) * 2.0 - 1.0) * spin * age;
  p.tumble = rnd(i, 6u) * 2.0 * kPi + (0.3 + 0.7 * rnd(i, 7u)) * spin * age;
  float size = mix(em.life.w, em.misc.x, rnd(i, 8u));
  uint effect = em.info.x;
  if (em.sprite.z > 0.0) {
    p.ext = vec2(0.5 * size);
  } else if (effect == kConfetti) {
    p.ext = vec2(0.5 * size, 0.3 * size * max(0.08, abs(cos(p.tumble))));
  } else if (effect == kCoins) {
    p.ext = vec2(0.5 * size * max(0.08, abs(cos(p.tumble))), 0.5 * size);
    p.angle *= 0.15;  // coins stay nearly upright while they spin
  } else {
    p.ext = vec2(0.5 * size);
  }
  p.alpha = clamp((life - age) / (0.2 * life), 0.0, 1.0);
  // The stop at or before a random offset.
  float u = rnd(i, 9u);
  uint c = 0u;
  for (uint j = 1u; j < em.info.w; ++j) {
    if (em.offsets[j >> 2][j & 3u] <= u) c = j;
  }
  p.color = em.colors[c];
  return p;
}

// The particle's shape coordinates of target pixel centre `x`.
vec2 shapeCoords(Particle p, vec2 x) {
  vec2 d = x - p.pos;
  float c = cos(p.angle), s = sin(p.angle);
  return vec2(c * d.x + s * d.y, -s * d.x + c * d.y);
}

// Coverage of a pixel at shape coordinates q: rectangles for confetti and
// sprites, ellipses for coins and sparkles; antialiased over about a pixel.
float coverage(Particle p, vec2 q) {
  if (em.sprite.z > 0.0 || em.info.x == kConfetti) {
    vec2 c = clamp(p.ext + 0.5 - abs(q), 0.0, 1.0);
    return c.x * c.y;
  }
  float m = min(p.ext.x, p.ext.y);
  float d = (length(q / p.ext) - 1.0) * m;
  return clamp(0.5 - d, 0.0, 1.0);
}

// A sparkle's opacity at normalised shape coordinates n (|n| = 1 at its edge):
// a bright core and four rays, before twinkle and fading.
float sparkleShape(vec2 n) {
  float r = length(n);
  float core = exp(-r * r * 10.0);
  float rays = max(exp(-abs(n.x) * 14.0), exp(-abs(n.y) * 14.0)) * max(0.0, 1.0 - r);
  return clamp(core + rays, 0.0, 1.0) * step(r, 1.0);
}

// The sprite's texel (linear premultiplied) at shape coordinates q.
vec4 spriteTexel(Particle p, vec2 q) {
  vec2 uv = (q / p.ext) * 0.5 + 0.5;
  vec2 texel = em.sprite.xy + clamp(uv, 0.0, 1.0) * em.sprite.zw;
  return textureLod(atlas, texel * em.atlasInv.xy, 0.0);
}

// Whether the particle owns the pixel at shape coordinates q: where it shows
// at all (a sparkle's nearly transparent glow does not hide the one below).
bool covers(Particle p, vec2 q) {
  if (coverage(p, q) <= 0.0) return false;
  if (em.sprite.z > 0.0) return spriteTexel(p, q).a > 0.02;
  return em.info.x != kSparkle || sparkleShape(q / p.ext) > 0.04;
}
