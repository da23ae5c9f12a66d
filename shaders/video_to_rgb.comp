#version 460
#extension GL_EXT_control_flow_attributes : require
// Decoded video planes to the atlas: one invocation per pixel reads the
// picture's Y/Cb/Cr (or RGB) samples straight from the bytes the decoder made
// (uploaded unconverted, any of the layouts in media_source.h), applies the
// stream's own matrix and range, and writes R'G'B' into the video's atlas
// rectangle through the UNORM view. The atlas is sampled through an sRGB view,
// so the composite reads linear light (the video transfer function is taken
// as sRGB, as broadcast graphics systems do for display-referred video).

layout(local_size_x = 8, local_size_y = 8) in;

const uint kPlanar = 0u;
const uint kSemiPlanar = 1u;
const uint kPacked = 2u;
const uint kGray = 3u;

// Lavapipe executes both sides of every branch, so the layout, the sample
// width and alpha are specialisation constants: each picture format gets a
// pipeline that contains only its own reads.
layout(constant_id = 0) const uint kLayout = kPlanar;
layout(constant_id = 1) const bool kTwoBytes = false;  // 16-bit little-endian samples
layout(constant_id = 2) const bool kPacked422 = false;  // YUYV / UYVY
layout(constant_id = 3) const bool kAlpha = false;      // packed RGBA with alpha
// 8-bit planar or semi-planar with horizontally halved chroma and 4-byte
// aligned rows: each invocation converts 4 pixels from one word of luma and
// one word per chroma plane (loads are what costs on lavapipe).
layout(constant_id = 4) const bool kQuad = false;

// A uniform buffer, not a storage buffer: lavapipe loads storage buffers lane
// by lane, uniform ones once per invocation group.
layout(std140, set = 0, binding = 0) uniform Params {
  mat4 toRgb;         // rgb = toRgb * vec4(y, cb, cr, 1), samples in 8-bit code units
  uvec4 planeOffset;  // bytes from the start of `words`
  uvec4 planeStride;  // bytes per row
  uvec4 size;         // width, height, target x, target y
  uvec4 layout0;      // layout, chroma shift x, chroma shift y, bytes per sample
  uvec4 layout1;      // right shift of a sample (p010), swap chroma, packed 4:2:2, has alpha
  uvec4 order;        // packed: byte offsets of R, G, B, A (4:2:2: Y0, U, Y1, V)
  vec4 scale;         // x: sample -> 8-bit code units; y: bytes per packed pixel (or pair)
} params;

// The planes' bytes as 32-bit words, through a texel buffer: lavapipe gathers
// texel-buffer reads for 8 invocations at once, where it loads a storage
// buffer lane by lane (the loads were most of this pass's time).
layout(set = 0, binding = 1) uniform usamplerBuffer planes;

uint word(uint index) {
  return texelFetch(planes, int(index)).x;
}

layout(set = 0, binding = 2, rgba8) uniform writeonly image2D target;

uint readByte(uint offset) {
  return (word(offset >> 2) >> ((offset & 3u) * 8u)) & 0xffu;
}

float readSample(uint plane, uint x, uint y, uint component, uint components) {
  uint bps = kTwoBytes ? 2u : 1u;
  uint offset = params.planeOffset[plane] + y * params.planeStride[plane] + (x * components + component) * bps;
  uint v;
  if (kTwoBytes) {
    // Samples are 2-byte aligned, so both bytes are in one word.
    v = (word(offset >> 2) >> ((offset & 2u) * 8u)) & 0xffffu;
  } else {
    v = readByte(offset);
  }
  return float(v >> params.layout1.x) * params.scale.x;
}

float srgbToLinear(float c) {
  return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}
float linearToSrgb(float c) {
  return c <= 0.0031308 ? c * 12.92 : 1.055 * pow(c, 1.0 / 2.4) - 0.055;
}

uint wordAt(uint offset) {  // offset is 4-byte aligned
  return word(offset >> 2);
}

void convertQuad() {
  uvec2 q = gl_GlobalInvocationID.xy;
  uint x0 = q.x * 4u, y = q.y;
  if (x0 >= params.size.x || y >= params.size.y) return;
  uint cy = y >> params.layout0.z;
  uint luma = wordAt(params.planeOffset[0] + y * params.planeStride[0] + x0);
  vec2 chroma[2];
  if (kLayout == kSemiPlanar) {
    uint c = wordAt(params.planeOffset[1] + cy * params.planeStride[1] + x0);
    vec4 b = vec4(float(c & 0xffu), float((c >> 8) & 0xffu), float((c >> 16) & 0xffu), float(c >> 24));
    chroma[0] = params.layout1.y != 0u ? b.yx : b.xy;
    chroma[1] = params.layout1.y != 0u ? b.wz : b.zw;
  } else {
    uint cx = x0 >> 1;  // even: both samples sit in the same word
    uint shift = (cx & 3u) * 8u;
    uint cb = wordAt(params.planeOffset[1] + cy * params.planeStride[1] + (cx & ~3u)) >> shift;
    uint cr = wordAt(params.planeOffset[2] + cy * params.planeStride[2] + (cx & ~3u)) >> shift;
    chroma[0] = vec2(float(cb & 0xffu), float(cr & 0xffu));
    chroma[1] = vec2(float((cb >> 8) & 0xffu), float((cr >> 8) & 0xffu));
  }
  [[unroll]] for (uint i = 0u; i < 4u; ++i) {
    if (x0 + i >= params.size.x) break;
    vec3 ycc = vec3(float((luma >> (8u * i)) & 0xffu), chroma[i >> 1]) * vec3(params.scale.x, params.scale.x, params.scale.x);
    vec3 rgb = clamp((params.toRgb * vec4(ycc, 1.0)).rgb, 0.0, 1.0);
    imageStore(target, ivec2(params.size.zw + uvec2(x0 + i, y)), vec4(rgb, 1.0));
  }
}

void main() {
  if (kQuad) {
    convertQuad();
    return;
  }
  uvec2 p = gl_GlobalInvocationID.xy;
  if (p.x >= params.size.x || p.y >= params.size.y) return;
  uvec2 c = p >> params.layout0.yz;  // chroma site
  vec3 ycc = vec3(0.0, 128.0, 128.0);
  float alpha = 1.0;
  if (kLayout == kPlanar) {
    ycc = vec3(readSample(0u, p.x, p.y, 0u, 1u), readSample(1u, c.x, c.y, 0u, 1u),
               readSample(2u, c.x, c.y, 0u, 1u));
  } else if (kLayout == kSemiPlanar) {
    float a = readSample(1u, c.x, c.y, 0u, 2u), b = readSample(1u, c.x, c.y, 1u, 2u);
    ycc = vec3(readSample(0u, p.x, p.y, 0u, 1u), params.layout1.y != 0u ? vec2(b, a) : vec2(a, b));
  } else if (kLayout == kGray) {
    ycc.x = readSample(0u, p.x, p.y, 0u, 1u);
  } else if (kPacked422) {  // packed 4:2:2: two pixels share Cb and Cr
    uint base = params.planeOffset[0] + p.y * params.planeStride[0] + (p.x >> 1) * uint(params.scale.y);
    ycc = vec3(float(readByte(base + params.order[(p.x & 1u) * 2u])),
               float(readByte(base + params.order[1])), float(readByte(base + params.order[3])));
  } else {  // packed RGB(A), 8 bit
    uint base = params.planeOffset[0] + p.y * params.planeStride[0] + p.x * uint(params.scale.y);
    ycc = vec3(float(readByte(base + params.order.x)), float(readByte(base + params.order.y)),
               float(readByte(base + params.order.z)));
    if (kAlpha) alpha = float(readByte(base + params.order.w)) / 255.0;
  }
  vec3 rgb = clamp((params.toRgb * vec4(ycc, 1.0)).rgb, 0.0, 1.0);
  if (kAlpha) {  // the atlas holds premultiplied colour
    rgb = vec3(linearToSrgb(srgbToLinear(rgb.r) * alpha), linearToSrgb(srgbToLinear(rgb.g) * alpha),
               linearToSrgb(srgbToLinear(rgb.b) * alpha));
  }
  imageStore(target, ivec2(params.size.zw + p), vec4(rgb, alpha));
}
