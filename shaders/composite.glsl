// The compositor: one compute dispatch draws every layer of a frame.
//
// Why one pass: on a CPU rasteriser (lavapipe) a pass per layer pays a full
// read-modify-write of the target per layer. Here each workgroup owns a
// 32x16-pixel tile, reads the list of layers that touch it (binned on the CPU,
// with layers hidden under an opaque one already dropped), composites them in
// registers and writes each pixel once, already converted to the output format.
// The same structure is what a GPU wants too.
//
// All colour math is in linear light with premultiplied alpha. Textures hold
// linear premultiplied RGBA16F (converted once at load), so filtering and
// mipmapping are correct without per-sample conversions.
//
// Each invocation shades a 4x2 block: 4 luma bytes make one word per row, and
// the 2x2 chroma sites of NV12 come from pixels the invocation already has.

layout(local_size_x = 8, local_size_y = 8) in;

const uint kKindSolid = 0u;
const uint kKindLinear = 1u;
const uint kKindRadial = 2u;
const uint kKindTexture = 3u;

const uint kBlendNormal = 0u;
const uint kBlendAdd = 1u;
const uint kBlendMultiply = 2u;
const uint kBlendScreen = 3u;

const uint kFlagPixelAligned = 1u;     // texel == output pixel: fetch, don't filter
const uint kFlagShadowFromAlpha = 2u;  // shadow follows the texture's alpha

// Lavapipe (Mesa 22) lacks shaderSampledImageArrayDynamicIndexing, so the
// texture array is only ever indexed with constants, through a switch on the
// (workgroup-uniform) slot. Keep in step with kMaxTextures in compositor.cpp.
const uint kMaxTextures = 32u;

struct Layer {
  vec4 inv0;      // local.x = dot(inv0.xy, p) + inv0.z; inv0.w = local units per output pixel
  vec4 inv1;      // local.y = dot(inv1.xy, p) + inv1.z
  vec4 box;       // visible box in local units: x0, y0, x1, y1
  vec4 shape;     // corner radius, border width, shadow sigma (local units), opacity
  vec4 fill;      // solid colour
  vec4 border;    // border colour
  vec4 shadow;    // shadow colour; a == 0: none
  vec4 shadowLod; // shadow offset (local units) xy, shadow mip level, content mip level
  vec4 uv;        // texture uv = local * uv.xy + uv.zw
  vec4 gradient;  // linear: start, end; radial: centre, radius; texture: size in texels
  uvec4 info;     // kind, blend, texture index, flags
};

layout(std430, set = 0, binding = 0) readonly buffer Layers { Layer layers[]; };
layout(std430, set = 0, binding = 1) readonly buffer Tiles { uvec2 tiles[]; };  // first, count
layout(std430, set = 0, binding = 2) readonly buffer TileLayers { uint tileLayers[]; };
layout(set = 0, binding = 3) uniform sampler2D textures[kMaxTextures];

layout(push_constant) uniform Push {
  vec4 background;  // linear premultiplied
  uvec2 size;       // output pixels
  uint tilesX;
  uint stride;      // bytes per luma row (NV12) or pixels per row (RGBA8); a multiple of 4
} pc;

#define MQ_SLOTS(F) F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11) F(12) \
  F(13) F(14) F(15) F(16) F(17) F(18) F(19) F(20) F(21) F(22) F(23) F(24) F(25) F(26) F(27) \
  F(28) F(29) F(30) F(31)

vec4 sampleSlot(uint slot, vec2 uv, float lod) {
  switch (slot) {
#define MQ_SAMPLE(n) case n: return textureLod(textures[n], uv, lod);
    MQ_SLOTS(MQ_SAMPLE)
  }
  return vec4(0.0);
}

vec4 fetchSlot(uint slot, ivec2 texel) {
  switch (slot) {
#define MQ_FETCH(n) case n: return texelFetch(textures[n], texel, 0);
    MQ_SLOTS(MQ_FETCH)
  }
  return vec4(0.0);
}

float roundBoxSdf(vec2 p, vec2 halfSize, float r) {
  vec2 q = abs(p) - halfSize + r;
  return length(max(q, 0.0)) + min(max(q.x, q.y), 0.0) - r;
}

// Abramowitz & Stegun 7.1.26; |error| < 1.5e-7, plenty for 8-bit output.
float erfApprox(float x) {
  float a = abs(x);
  float t = 1.0 / (1.0 + 0.3275911 * a);
  float y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t +
                   0.254829592) * t * exp(-a * a);
  return sign(x) * y;
}

vec4 sampleContent(in Layer L, vec2 local) {
  uint kind = L.info.x;
  if (kind == kKindSolid) return L.fill;
  if (kind == kKindLinear || kind == kKindRadial) {
    float t;
    if (kind == kKindLinear) {
      vec2 ab = L.gradient.zw - L.gradient.xy;
      t = dot(local - L.gradient.xy, ab) / max(dot(ab, ab), 1e-12);
    } else {
      t = length(local - L.gradient.xy) / L.gradient.z;
    }
    // 256-texel ramp: sample texel centres so t=0 and t=1 hit the end stops exactly.
    t = clamp(t, 0.0, 1.0) * (255.0 / 256.0) + 0.5 / 256.0;
    return sampleSlot(L.info.z, vec2(t, 0.5), 0.0);
  }
  vec2 uv = local * L.uv.xy + L.uv.zw;
  if ((L.info.w & kFlagPixelAligned) != 0u) {
    ivec2 texel = ivec2(floor(uv * L.gradient.xy));
    if (any(lessThan(texel, ivec2(0))) || any(greaterThanEqual(texel, ivec2(L.gradient.xy)))) {
      return vec4(0.0);
    }
    return fetchSlot(L.info.z, texel);
  }
  return sampleSlot(L.info.z, uv, L.shadowLod.w);
}

// Blurred alpha for a shadow that follows the texture: a coarse mip level is a
// box-filtered copy; four taps around the point round it towards a Gaussian.
float textureShadowAlpha(in Layer L, vec2 local) {
  vec2 uv = local * L.uv.xy + L.uv.zw;
  vec2 d = L.shape.z * 0.7 * abs(L.uv.xy);
  float lod = L.shadowLod.z;
  float a = sampleSlot(L.info.z, uv + vec2(d.x, d.y), lod).a +
            sampleSlot(L.info.z, uv + vec2(-d.x, d.y), lod).a +
            sampleSlot(L.info.z, uv + vec2(d.x, -d.y), lod).a +
            sampleSlot(L.info.z, uv + vec2(-d.x, -d.y), lod).a;
  return 0.25 * a;
}

// The layer's colour at output pixel centre p, before blending: content masked
// by the rounded, cropped box, the border ring over it, the shadow beneath.
vec4 shadeLayer(in Layer L, vec2 p) {
  vec2 local = vec2(dot(L.inv0.xy, p) + L.inv0.z, dot(L.inv1.xy, p) + L.inv1.z);
  float pix = L.inv0.w;
  vec2 centre = 0.5 * (L.box.xy + L.box.zw);
  vec2 halfSize = 0.5 * (L.box.zw - L.box.xy);
  float radius = min(L.shape.x, min(halfSize.x, halfSize.y));
  float d = roundBoxSdf(local - centre, halfSize, radius);
  float coverage = clamp(0.5 - d / pix, 0.0, 1.0);
  vec4 colour = vec4(0.0);
  if (coverage > 0.0) {
    colour = sampleContent(L, local);
    float borderWidth = L.shape.y;
    if (borderWidth > 0.0) {
      float inner = clamp(0.5 - (d + borderWidth) / pix, 0.0, 1.0);
      colour = colour * inner + (L.border + colour * (1.0 - L.border.a)) * (coverage - inner);
    } else {
      colour *= coverage;
    }
  }
  if (L.shadow.a > 0.0 && colour.a < 1.0) {
    vec2 shadowLocal = local - L.shadowLod.xy;
    float sd = roundBoxSdf(shadowLocal - centre, halfSize, radius);
    float sigma = L.shape.z;
    float a = sigma > 0.0 ? 0.5 - 0.5 * erfApprox(sd / (sigma * 1.41421356))
                          : clamp(0.5 - sd / pix, 0.0, 1.0);
    if ((L.info.w & kFlagShadowFromAlpha) != 0u && a > 0.0) a *= textureShadowAlpha(L, shadowLocal);
    colour += L.shadow * (a * (1.0 - colour.a));
  }
  return colour * L.shape.w;
}

// Premultiplied blend of s over d (W3C Compositing and Blending formulas).
vec4 blendOver(uint mode, vec4 s, vec4 d) {
  if (mode == kBlendNormal) return s + d * (1.0 - s.a);
  if (mode == kBlendAdd) return min(s + d, vec4(1.0));
  if (mode == kBlendMultiply) {
    return vec4(s.rgb * d.rgb + s.rgb * (1.0 - d.a) + d.rgb * (1.0 - s.a), s.a + d.a - s.a * d.a);
  }
  return s + d - s * d;  // screen
}

vec3 linearToSrgb(vec3 c) {
  c = clamp(c, 0.0, 1.0);
  return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(vec3(0.0031308), c));
}

// Composites the 8 pixels of this invocation's 4x2 block into acc (row-major).
void compositeBlock(ivec2 origin, out vec4 acc[8]) {
  for (int i = 0; i < 8; ++i) acc[i] = pc.background;
  uvec2 tile = tiles[gl_WorkGroupID.y * pc.tilesX + gl_WorkGroupID.x];
  for (uint k = 0u; k < tile.y; ++k) {
    Layer L = layers[tileLayers[tile.x + k]];
    for (int i = 0; i < 8; ++i) {
      vec2 p = vec2(origin + ivec2(i & 3, i >> 2)) + 0.5;
      acc[i] = blendOver(L.info.y, shadeLayer(L, p), acc[i]);
    }
  }
}
