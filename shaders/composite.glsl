// The compositor: a few compute dispatches draw every layer of a frame.
//
// Why this shape: on a CPU rasteriser (lavapipe) a pass per layer pays a full
// read-modify-write of the target per layer. Here each workgroup owns a
// 32x16-pixel tile, reads the list of layers that touch it (binned on the CPU,
// with layers hidden under an opaque one already dropped), composites them in
// registers and writes each pixel once, already converted to the output format.
//
// Lavapipe also runs both sides of every branch (it masks lanes, it does not
// jump), so optional work is switched off with specialisation constants
// instead: the CPU sorts tiles into classes by the features their layers use
// (texture sampling, shadows, shadows that follow alpha) and dispatches each
// class with a pipeline compiled for exactly those features.
//
// All colour math is in linear light with premultiplied alpha. Textures hold
// linear premultiplied colour, sRGB-encoded RGBA8 (converted once at load) in
// one atlas; texels are decoded to linear light before they are filtered
// (fetchLinear, sampleRect), so filtering and mip levels are correct.
//
// Each invocation shades a 4x4 block: 4 luma bytes make one word per row, and
// the 2x2 chroma sites of NV12 come from pixels the invocation already has,
// and each layer's parameters are fetched once for 16 pixels.

#extension GL_EXT_control_flow_attributes : require

layout(local_size_x = 8, local_size_y = 4) in;

// Which of these a build of the shader switches at pipeline creation
// (specialisation constants); the others are fixed when it is compiled, on
// where MQ_FIXED_FEATURES says so and off otherwise. Lavapipe turns a
// pipeline's SPIR-V into its IR whole before it drops the code of the
// switched-off features, so a build with less code compiles faster: the build
// (shaders/CMakeLists.txt) makes several and the compositor takes the smallest
// that covers a tile class. Bit `id` of the masks is constant_id `id`.
#ifndef MQ_SPEC_FEATURES
#define MQ_SPEC_FEATURES 0x1fff
#define MQ_FIXED_FEATURES 0
#endif
// gradients, images, text, groups
#if (MQ_SPEC_FEATURES & 1) != 0
layout(constant_id = 0) const bool kTextured = true;
#else
const bool kTextured = (MQ_FIXED_FEATURES & 1) != 0;
#endif
// drop shadows
#if (MQ_SPEC_FEATURES & 2) != 0
layout(constant_id = 1) const bool kShadow = true;
#else
const bool kShadow = (MQ_FIXED_FEATURES & 2) != 0;
#endif
// shadows that follow texture alpha
#if (MQ_SPEC_FEATURES & 4) != 0
layout(constant_id = 2) const bool kShadowAlpha = true;
#else
const bool kShadowAlpha = (MQ_FIXED_FEATURES & 4) != 0;
#endif
// some layer's edge, corner or border is in the tile
#if (MQ_SPEC_FEATURES & 8) != 0
layout(constant_id = 3) const bool kEdges = true;
#else
const bool kEdges = (MQ_FIXED_FEATURES & 8) != 0;
#endif
// some layer blends other than normal
#if (MQ_SPEC_FEATURES & 16) != 0
layout(constant_id = 4) const bool kBlendModes = true;
#else
const bool kBlendModes = (MQ_FIXED_FEATURES & 16) != 0;
#endif
// some texture is not texel-for-pixel
#if (MQ_SPEC_FEATURES & 32) != 0
layout(constant_id = 5) const bool kFiltered = true;
#else
const bool kFiltered = (MQ_FIXED_FEATURES & 32) != 0;
#endif
// the tile is one opaque image (1:1, or a scaled video)
#if (MQ_SPEC_FEATURES & 64) != 0
layout(constant_id = 6) const bool kCopy = false;
#else
const bool kCopy = (MQ_FIXED_FEATURES & 64) != 0;
#endif
// gradients of up to 4 stops, computed
#if (MQ_SPEC_FEATURES & 128) != 0
layout(constant_id = 7) const bool kGradient = true;
#else
const bool kGradient = (MQ_FIXED_FEATURES & 128) != 0;
#endif
// some layer is chroma or luma keyed
#if (MQ_SPEC_FEATURES & 256) != 0
layout(constant_id = 8) const bool kKey = true;
#else
const bool kKey = (MQ_FIXED_FEATURES & 256) != 0;
#endif
// some layer has a mask
#if (MQ_SPEC_FEATURES & 512) != 0
layout(constant_id = 9) const bool kMask = true;
#else
const bool kMask = (MQ_FIXED_FEATURES & 512) != 0;
#endif
// some layer has a shine sweep
#if (MQ_SPEC_FEATURES & 1024) != 0
layout(constant_id = 10) const bool kShine = true;
#else
const bool kShine = (MQ_FIXED_FEATURES & 1024) != 0;
#endif
// the first layer is an opaque image under the others (compositeBlock)
#if (MQ_SPEC_FEATURES & 2048) != 0
layout(constant_id = 11) const bool kBase = false;
#else
const bool kBase = (MQ_FIXED_FEATURES & 2048) != 0;
#endif
// that image is not texel-for-pixel
#if (MQ_SPEC_FEATURES & 4096) != 0
layout(constant_id = 12) const bool kBaseFiltered = false;
#else
const bool kBaseFiltered = (MQ_FIXED_FEATURES & 4096) != 0;
#endif

const uint kKindSolid = 0u;
const uint kKindLinear = 1u;
const uint kKindRadial = 2u;
const uint kKindTexture = 3u;

const uint kBlendNormal = 0u;
const uint kBlendAdd = 1u;
const uint kBlendMultiply = 2u;
const uint kBlendScreen = 3u;

const uint kFlagShadowFromAlpha = 1u;
const uint kFlagAnalyticStops = 4u;  // gradient from `stops`, not a ramp texture
const uint kFlagChromaKey = 8u;
const uint kFlagLumaKey = 16u;
const uint kFlagKeyInvert = 32u;
const uint kFlagMask = 64u;
const uint kFlagMaskLuminance = 128u;  // the mask's luminance, not its alpha
const uint kFlagMaskInvert = 256u;
const uint kFlagShine = 512u;
// Tile-layer list entries: the layer index and flags (engine/render/tile_binner.h).
const uint kEntryInterior = 0x80000000u;    // the tile lies inside the layer's interior (no
                                            // edge, corner or border in it)
const uint kEntryShadowOnly = 0x40000000u;  // the tile lies outside the layer's box: only its
                                            // shadow shows
const uint kEntryLayer = 0x3fffffffu;

struct Layer {
  vec4 inv0;          // local.x = dot(inv0.xy, p) + inv0.z; inv0.w = local units per output pixel
  vec4 inv1;          // local.y = dot(inv1.xy, p) + inv1.z
  vec4 box;           // visible box in local units: x0, y0, x1, y1
  vec4 shape;         // corner radius, border width, shadow sigma (local units), opacity
  vec4 fill;          // solid colour
  vec4 border;        // border colour
  vec4 shadow;        // shadow colour; a == 0: none
  vec4 shadowOffset;  // local units (xy)
  vec4 contentMap;    // texel = local * contentMap.xy + contentMap.zw, in the level's texels
  vec4 contentRect;   // that mip level's rectangle in the atlas: x, y, w, h
  vec4 shadowMap;     // the same for the (coarser) level the shadow samples
  vec4 shadowRect;
  vec4 gradient;      // linear: start, end; radial: centre, radius (local units)
  vec4 stopOffsets;   // up to 4 stops, ascending; unused ones repeat the last
  vec4 stops[4];      // linear premultiplied colours
  uvec4 info;         // kind, blend, flags; texel-for-pixel: atlas offset (alignedOffset)
  vec4 key;           // chroma: key Cb, Cr, similarity, softness; luma: threshold, -, -, softness
  vec4 keySpill;      // one-hot of the channel spill suppression clips (xyz), strength (w)
  vec4 maskMap;       // like contentMap, for the mask image
  vec4 maskRect;
  vec4 feather;       // crop_softness: 1 / ramp width per side (l, t, r, b); 0: hard
  vec4 shineLine;     // shine sweep: centre line dot(local, xy) == z, half width w
  vec4 shineColour;   // its light, linear, times the strength
};

struct Tile {
  uint x, y;          // tile coordinates
  uint first, count;  // range in the tile-layer list
};

// Layers, tiles and the tile-layer list are read through texel buffers, not
// storage buffers: lavapipe gathers a texel-buffer read for 8 invocations at
// once, where it loads a storage buffer lane by lane (with a bounds check and
// a store-forwarding stall per lane). Those loads were most of the time of a
// copied tile. A layer is 24 texels of the RGBA32F view, in the order of the
// struct above; its `info` texel is read through the RGBA32UI view of the same
// bytes, so its bits never pass through float arithmetic.
layout(set = 0, binding = 0) uniform samplerBuffer layerTexels;
layout(set = 0, binding = 6) uniform usamplerBuffer layerWords;
layout(set = 0, binding = 1) uniform usamplerBuffer tileTexels;
layout(set = 0, binding = 2) uniform usamplerBuffer tileLayerTexels;

const int kLayerTexels = 26;
const int kInv0 = 0, kInv1 = 1, kBox = 2, kShape = 3, kFill = 4, kBorder = 5, kShadowColour = 6,
          kShadowOffset = 7, kContentMap = 8, kContentRect = 9, kShadowMap = 10, kShadowRect = 11,
          kGradientGeometry = 12, kStopOffsets = 13, kStops = 14, kInfo = 18, kKeyParams = 19,
          kKeySpill = 20, kMaskMap = 21, kMaskRect = 22, kFeather = 23, kShineLine = 24, kShineColour = 25;

vec4 layerField(uint li, int field) {
  return texelFetch(layerTexels, int(li) * kLayerTexels + field);
}

uint tileLayerEntry(uint index) {
  return texelFetch(tileLayerTexels, int(index)).x;
}

layout(set = 0, binding = 3) uniform sampler2D atlas;     // sRGB view: reads linear light (masks)
layout(set = 0, binding = 5) uniform sampler2D atlasRaw;  // UNORM view: reads encoded values

layout(push_constant) uniform Push {
  vec4 background;    // linear premultiplied
  uvec2 size;         // output pixels
  uint stride;        // bytes per luma row (NV12) or pixels per row (RGBA8); a multiple of 4
  uint tileBase;      // this dispatch's first entry in `tiles`
  ivec2 targetOffset; // where an isolated group's image starts in the atlas
  vec2 atlasInvSize;
  uint byteShift;     // 8 (see pack4 in composite_nv12.comp)
} pc;

// The fields a dispatch's features need, loaded once per layer per invocation.
// Fields of disabled features are never loaded (the branches fold away at
// pipeline creation); lavapipe loads buffer data lane by lane, so this matters.
Layer loadLayer(uint li) {
  Layer l;
  l.inv0 = layerField(li, kInv0);
  l.inv1 = layerField(li, kInv1);
  l.shape = layerField(li, kShape);
  l.fill = layerField(li, kFill);
  l.info = texelFetch(layerWords, int(li) * kLayerTexels + kInfo);
  l.box = vec4(0.0);
  l.border = l.feather = vec4(0.0);
  if (kEdges) {
    l.box = layerField(li, kBox);
    l.border = layerField(li, kBorder);
    l.feather = layerField(li, kFeather);
  }
  l.contentMap = l.contentRect = l.gradient = l.stopOffsets = vec4(0.0);
  l.stops[0] = l.stops[1] = l.stops[2] = l.stops[3] = vec4(0.0);
  if (kTextured) {
    l.contentMap = layerField(li, kContentMap);
    l.contentRect = layerField(li, kContentRect);
  }
  if (kTextured || kGradient) l.gradient = layerField(li, kGradientGeometry);
  if (kGradient) {
    l.stopOffsets = layerField(li, kStopOffsets);
    [[unroll]] for (int j = 0; j < 4; ++j) l.stops[j] = layerField(li, kStops + j);
  }
  l.shadow = l.shadowOffset = l.shadowMap = l.shadowRect = vec4(0.0);
  if (kShadow) {
    l.shadow = layerField(li, kShadowColour);
    l.shadowOffset = layerField(li, kShadowOffset);
    if (!kEdges) l.box = layerField(li, kBox);
  }
  if (kShadowAlpha) {
    l.shadowMap = layerField(li, kShadowMap);
    l.shadowRect = layerField(li, kShadowRect);
  }
  l.shineLine = l.shineColour = vec4(0.0);
  if (kShine) {
    l.shineLine = layerField(li, kShineLine);
    l.shineColour = layerField(li, kShineColour);
  }
  l.key = l.keySpill = l.maskMap = l.maskRect = vec4(0.0);
  if (kKey) {
    l.key = layerField(li, kKeyParams);
    l.keySpill = layerField(li, kKeySpill);
  }
  if (kMask) {
    l.maskMap = layerField(li, kMaskMap);
    l.maskRect = layerField(li, kMaskRect);
  }
  return l;
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

// The sRGB curve's inverse above its linear toe, ((c + 0.055) / 1.055)^2.4,
// as a degree-5 polynomial (interpolating at the Chebyshev nodes of
// [0.04045, 1]): every 8-bit value decodes within 0.09 of the step to its
// neighbour and encodes back to itself (below).
vec3 srgbToLinear(vec3 c) {
  vec3 curve = ((((0.0530167185 * c - 0.223318592) * c + 0.594468534) * c + 0.545740187) * c +
                0.0290462524) * c + 0.00105850445;
  return mix(c * (1.0 / 12.92), curve, greaterThan(c, vec3(0.04045)));
}

// One atlas texel in linear light. Lavapipe decodes an sRGB view's texels
// one lane at a time (most of the cost of a textured pixel); the UNORM view
// is one vector gather, and the curve above a few multiply-adds.
vec4 fetchLinear(ivec2 at) {
  vec4 t = texelFetch(atlasRaw, at, 0);
  return vec4(srgbToLinear(t.rgb), t.a);
}

// Bilinear sample of one atlas rectangle; coordinates may reach half a texel
// into the transparent gutter, so edges fade out like CLAMP_TO_BORDER.
// Filtered by hand from four texels decoded as above (the sampler decodes
// them lane by lane, like texelFetch on the sRGB view).
vec4 sampleRect(vec2 texel, vec4 rect) {
  vec2 t = rect.xy + clamp(texel, vec2(-0.5), rect.zw + 0.5) - 0.5;
  vec2 cell = floor(t);
  vec2 w = t - cell;
  ivec2 p = ivec2(cell);
  vec4 top = mix(fetchLinear(p), fetchLinear(p + ivec2(1, 0)), w.x);
  vec4 bottom = mix(fetchLinear(p + ivec2(0, 1)), fetchLinear(p + ivec2(1, 1)), w.x);
  return mix(top, bottom, w.y);
}

// A texture placed texel-for-pixel: fetched, not filtered. Clamping one texel
// into the gutter keeps outside points transparent.
vec4 fetchAligned(vec2 texel, vec4 rect) {
  return fetchLinear(ivec2(floor(rect.xy + clamp(texel, vec2(-1.0), rect.zw))));
}

vec3 linearToSrgb(vec3 c);

// Keys a texel (linear premultiplied) of a keyed layer; others pass unchanged.
// The matte is computed on the gamma-encoded picture, as video keyers work on
// Y'CbCr: chroma key by the distance of the texel's BT.709 Cb,Cr from the key
// colour's (so the screen's shading, which changes Y', not Cb,Cr, keys
// evenly), luma key by Y'. Past the similarity (threshold) the matte rises
// smoothly to 1 over `softness`. Spill suppression clips the key colour's
// strongest channel to the largest of the other two; that clip commutes with
// the sRGB curve and with premultiplying, so it is done on the texel as is.
vec4 keyTexel(in Layer L, vec4 c) {
  uint flags = L.info.z;
  vec3 encoded = linearToSrgb(c.rgb / max(c.a, 1e-6));
  float y = dot(encoded, vec3(0.2126, 0.7152, 0.0722));
  vec2 cbcr = vec2((encoded.b - y) / 1.8556, (encoded.r - y) / 1.5748);
  bool luma = (flags & kFlagLumaKey) != 0u;
  bool invert = (flags & kFlagKeyInvert) != 0u;
  float d = luma ? y : distance(cbcr, L.key.xy);
  float edge = luma ? L.key.x : L.key.z;
  float soft = L.key.w;
  float t = soft > 0.0 ? clamp((d - edge) / soft, 0.0, 1.0) : (d > edge ? 1.0 : 0.0);
  float matte = t * t * (3.0 - 2.0 * t);
  matte = invert ? 1.0 - matte : matte;
  vec3 channel = L.keySpill.xyz;
  vec3 others = c.rgb * (1.0 - channel);
  float excess = max(dot(c.rgb, channel) - max(others.r, max(others.g, others.b)), 0.0);
  float spill = luma || invert ? 0.0 : L.keySpill.w * excess;
  vec4 keyed = vec4(c.rgb - channel * spill, c.a) * matte;
  return (flags & (kFlagChromaKey | kFlagLumaKey)) != 0u ? keyed : c;
}

// How much of the layer its mask keeps at `local` (1 without a mask). The
// mask is stretched over the box; outside it the edge texels repeat.
float maskAt(in Layer L, vec2 local) {
  uint flags = L.info.z;
  vec2 texel = local * L.maskMap.xy + L.maskMap.zw;
  vec2 t = L.maskRect.xy + clamp(texel, vec2(0.5), L.maskRect.zw - 0.5);
  vec4 m = textureLod(atlas, t * pc.atlasInvSize, 0.0);
  // Luminance as the file holds it (sRGB-encoded: a grey of level 128 keeps
  // half), times the mask's alpha.
  float yl = clamp(dot(m.rgb, vec3(0.2126, 0.7152, 0.0722)) / max(m.a, 1e-6), 0.0, 1.0);
  float luminance = (yl <= 0.0031308 ? yl * 12.92 : 1.055 * pow(yl, 1.0 / 2.4) - 0.055) * m.a;
  float v = (flags & kFlagMaskLuminance) != 0u ? luminance : m.a;
  v = (flags & kFlagMaskInvert) != 0u ? 1.0 - v : v;
  return (flags & kFlagMask) != 0u ? v : 1.0;
}

vec4 content(in Layer L, vec2 local) {
  if (!kTextured && !kGradient) return L.fill;
  uint kind = L.info.x;
  // Every kind computes its coordinate; one sample serves them all.
  vec2 ab = L.gradient.zw - L.gradient.xy;
  float t = kind == kKindLinear ? dot(local - L.gradient.xy, ab) / max(dot(ab, ab), 1e-12)
                                : length(local - L.gradient.xy) / L.gradient.z;
  t = clamp(t, 0.0, 1.0);
  vec4 c = L.fill;
  if (kTextured) {
    vec2 texel = kind == kKindTexture ? local * L.contentMap.xy + L.contentMap.zw
                                      : vec2(0.5 + t * (L.contentRect.z - 1.0), 0.5);
    vec4 sampled;
    if (kFiltered) {
      sampled = sampleRect(texel, L.contentRect);
    } else {
      sampled = fetchAligned(texel, L.contentRect);  // every texture here is texel-for-pixel
    }
    if (kKey) sampled = keyTexel(L, sampled);
    c = kind == kKindSolid ? L.fill : sampled;
  }
  if (kGradient) {
    // Piecewise linear through the stops, in linear light (what the ramp
    // texture of longer gradients holds too).
    vec4 g = L.stops[0];
    [[unroll]] for (int j = 1; j < 4; ++j) {
      float span = L.stopOffsets[j] - L.stopOffsets[j - 1];
      float f = span > 0.0 ? clamp((t - L.stopOffsets[j - 1]) / span, 0.0, 1.0)
                           : (t >= L.stopOffsets[j] ? 1.0 : 0.0);
      g = mix(g, L.stops[j], f);
    }
    c = (L.info.z & kFlagAnalyticStops) != 0u ? g : c;
  }
  return c;
}

// The layer's colour at output pixel centre p, before blending: content masked
// by the rounded, cropped box, the border ring over it, the shadow beneath.
vec4 shadeLayer(in Layer L, bool interior, bool shadowOnly, vec2 p) {
  vec2 local = vec2(dot(L.inv0.xy, p) + L.inv0.z, dot(L.inv1.xy, p) + L.inv1.z);
  float pix = L.inv0.w;
  vec2 centre = 0.5 * (L.box.xy + L.box.zw);
  vec2 halfSize = 0.5 * (L.box.zw - L.box.xy);
  float radius = min(L.shape.x, min(halfSize.x, halfSize.y));
  vec4 colour = content(L, local);
  if (kEdges) {
    float d = roundBoxSdf(local - centre, halfSize, radius);
    float coverage = clamp(0.5 - d / pix, 0.0, 1.0);
    float inner = L.shape.y > 0.0 ? clamp(0.5 - (d + L.shape.y) / pix, 0.0, 1.0) : coverage;
    vec4 edged = colour * inner + (L.border + colour * (1.0 - L.border.a)) * (coverage - inner);
    // Feathered crop edges ramp in linearly; a hard side's term is exactly 1.
    vec4 ramp = clamp(vec4(local - L.box.xy, L.box.zw - local) * L.feather +
                          vec4(equal(L.feather, vec4(0.0))), 0.0, 1.0);
    edged *= min(min(ramp.x, ramp.y), min(ramp.z, ramp.w));
    colour = interior ? colour : edged;
  }
  if (kMask) colour *= maskAt(L, local);
  if (kShine) {
    // Light added where the layer is (times its alpha), fading smoothly to
    // nothing at the band's edges; it never brightens past the alpha.
    float t = clamp(1.0 - abs(dot(local, L.shineLine.xy) - L.shineLine.z) / L.shineLine.w, 0.0, 1.0);
    float band = (L.info.z & kFlagShine) != 0u ? t * t * (3.0 - 2.0 * t) : 0.0;
    colour.rgb = min(colour.rgb + L.shineColour.rgb * (band * colour.a), vec3(colour.a));
  }
  if (kShadow) {
    // Outside its box the layer's own colour is exactly 0 (no coverage);
    // there the tile's class may lack the features that colour needs.
    colour = shadowOnly ? vec4(0.0) : colour;
    vec2 shadowLocal = local - L.shadowOffset.xy;
    float sd = roundBoxSdf(shadowLocal - centre, halfSize, radius);
    float sigma = L.shape.z;
    float a = sigma > 0.0 ? 0.5 - 0.5 * erfApprox(sd / (sigma * 1.41421356))
                          : clamp(0.5 - sd / pix, 0.0, 1.0);
    if (kShadowAlpha) {
      // A coarse mip level is a box-filtered copy: bilinear on it is a soft blur.
      vec4 texel = sampleRect(shadowLocal * L.shadowMap.xy + L.shadowMap.zw, L.shadowRect);
      float alpha = kKey ? keyTexel(L, texel).a : texel.a;
      a *= (L.info.z & kFlagShadowFromAlpha) != 0u ? alpha : 1.0;
    }
    if (kMask) a *= maskAt(L, shadowLocal);  // the mask's shape, unblurred
    colour += L.shadow * (a * (1.0 - colour.a));
  }
  return colour * L.shape.w;
}

// Premultiplied blend of s over d (W3C Compositing and Blending formulas).
vec4 blendOver(uint mode, vec4 s, vec4 d) {
  vec4 normal = s + d * (1.0 - s.a);
  if (!kBlendModes) return normal;
  vec4 add = min(s + d, vec4(1.0));
  vec4 multiply =
      vec4(s.rgb * d.rgb + s.rgb * (1.0 - d.a) + d.rgb * (1.0 - s.a), s.a + d.a - s.a * d.a);
  vec4 screen = s + d - s * d;
  return mode == kBlendNormal ? normal
       : mode == kBlendAdd ? add
       : mode == kBlendMultiply ? multiply : screen;
}

// The sRGB curve above its linear toe, 1.055 c^(1/2.4) - 0.055, as a degree-5
// polynomial in sqrt(c) (interpolating at the Chebyshev nodes of
// [sqrt(0.0031308), 1]; at most 0.18 of an 8-bit level off). pow() is
// exp2(log2()) with range checks on a CPU rasteriser, several times the cost,
// and this runs for every output pixel.
vec3 linearToSrgb(vec3 c) {
  c = clamp(c, 0.0, 1.0);
  vec3 s = sqrt(c);
  vec3 curve = (((((0.337028861 * s - 1.13839769) * s + 1.55840886) * s - 1.20152819) * s +
                 1.48291004) * s - 0.0383227877);
  return mix(c * 12.92, curve, step(vec3(0.0031308), c));
}

// This invocation's tile and the top-left pixel of its 4x4 block.
Tile currentTile() {
  uvec4 t = texelFetch(tileTexels, int(pc.tileBase + gl_WorkGroupID.x));
  return Tile(t.x, t.y, t.z, t.w);
}
ivec2 blockOrigin(Tile tile) {
  return ivec2(tile.x * 32u, tile.y * 16u) + ivec2(gl_LocalInvocationID.xy) * ivec2(4, 4);
}

const int kBlock = 16;  // pixels per invocation, 4x4, row-major

// How the tile's first layer maps output pixels to its texels (the base and
// copy paths read only that layer).
struct TexelMap {
  vec4 inv0, inv1;  // output pixel -> local units (see Layer)
  vec4 map, rect;   // local units -> texels; the texels' atlas rectangle
};
TexelMap firstLayerTexels(Tile tile) {
  uint li = tileLayerEntry(tile.first) & kEntryLayer;
  return TexelMap(layerField(li, kInv0), layerField(li, kInv1), layerField(li, kContentMap),
                  layerField(li, kContentRect));
}
// A layer placed texel for pixel (kFlagPixelAligned) shows at output pixel p
// the atlas texel p + this offset (computed on the CPU, in info.w), which
// needs one word of the layer instead of its four mapping fields.
ivec2 alignedOffset(Tile tile) {
  uint li = tileLayerEntry(tile.first) & kEntryLayer;
  uint packed = texelFetch(layerWords, int(li) * kLayerTexels + kInfo).w;
  return ivec2(int(packed << 16u) >> 16, int(packed) >> 16);
}
// The texel for pixel i of the block at `origin`. Pixels past the output
// (never written) take the last one inside, so every read stays in the
// layer's rectangle (the output of a group is in the same atlas).
ivec2 alignedTexel(ivec2 origin, int i, ivec2 offset) {
  return min(origin + ivec2(i & 3, i >> 2), ivec2(pc.size) - 1) + offset;
}

vec2 texelAt(TexelMap m, int i, ivec2 origin) {
  vec2 p = vec2(origin + ivec2(i & 3, i >> 2)) + 0.5;
  vec2 local = vec2(dot(m.inv0.xy, p) + m.inv0.z, dot(m.inv1.xy, p) + m.inv1.z);
  return local * m.map.xy + m.map.zw;
}

// Composites the block's pixels into acc.
void compositeBlock(Tile tile, ivec2 origin, out vec4 acc[kBlock]) {
  [[unroll]] for (int i = 0; i < kBlock; ++i) acc[i] = pc.background;
  uint k = 0u;
  if (kBase) {
    // An opaque image at full opacity, blended normally, covering the tile:
    // what shadeLayer and blendOver make of it is its texel (over the
    // background, for the edge of a picture filtered into its gutter), so
    // that is sampled alone; the layers above have their own features.
    if (kBaseFiltered) {
      TexelMap m = firstLayerTexels(tile);
      [[unroll]] for (int i = 0; i < kBlock; ++i) {
        vec4 s = sampleRect(texelAt(m, i, origin), m.rect);
        acc[i] = s + acc[i] * (1.0 - s.a);
      }
    } else {
      ivec2 offset = alignedOffset(tile);
      [[unroll]] for (int i = 0; i < kBlock; ++i) {
        vec4 s = fetchLinear(alignedTexel(origin, i, offset));
        acc[i] = s + acc[i] * (1.0 - s.a);
      }
    }
    k = 1u;
  }
  // A do-while, not a for loop: lavapipe tests a loop's exit after its body
  // (a `for` condition only masks the lanes off), so a for loop ran its body
  // once more for every tile with all lanes masked, at a good part of the
  // cost of a real pass over the layer. The `if` only masks lanes too; it
  // matters for tiles with no layers.
  if (k < tile.count) do {
    uint entry = tileLayerEntry(tile.first + k);
    Layer L = loadLayer(entry & kEntryLayer);
    bool interior = (entry & kEntryInterior) != 0u;
    bool shadowOnly = (entry & kEntryShadowOnly) != 0u;
    [[unroll]] for (int i = 0; i < kBlock; ++i) {
      vec2 p = vec2(origin + ivec2(i & 3, i >> 2)) + 0.5;
      acc[i] = blendOver(L.info.y, shadeLayer(L, interior, shadowOnly, p), acc[i]);
    }
    ++k;
  } while (k < tile.count);
}

// The fast path for kCopy tiles: one opaque image covers the tile, with normal
// blending at full opacity. Its texels already are sRGB-encoded output, so
// they are copied (the full path would decode, composite over nothing and
// encode them back to the same values): texel-for-pixel for any image, and
// with kFiltered, bilinear in the encoded values for a video picture scaled
// to its box (what video scalers do: R'G'B' is filtered as it comes; the full
// path filters in linear light and costs several times as much per pixel).
void copyBlock(Tile tile, ivec2 origin, out vec3 encoded[kBlock]) {
  if (kFiltered) {
    TexelMap m = firstLayerTexels(tile);
    vec4 rect = m.rect;
    [[unroll]] for (int i = 0; i < kBlock; ++i) {
      // Clamped to the outer texel centres: the edge repeats instead of
      // blending with the transparent gutter.
      vec2 t = rect.xy + clamp(texelAt(m, i, origin), vec2(0.5), rect.zw - 0.5);
      encoded[i] = textureLod(atlasRaw, t * pc.atlasInvSize, 0.0).rgb;
    }
  } else {
    ivec2 offset = alignedOffset(tile);
    [[unroll]] for (int i = 0; i < kBlock; ++i) {
      encoded[i] = texelFetch(atlasRaw, alignedTexel(origin, i, offset), 0).rgb;
    }
  }
}
