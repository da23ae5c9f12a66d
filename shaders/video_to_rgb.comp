#version 460
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

layout(std430, set = 0, binding = 0) readonly buffer Params {
  mat4 toRgb;         // rgb = toRgb * vec4(y, cb, cr, 1), samples in 8-bit code units
  uvec4 planeOffset;  // bytes from the start of `words`
  uvec4 planeStride;  // bytes per row
  uvec4 size;         // width, height, target x, target y
  uvec4 layout0;      // layout, chroma shift x, chroma shift y, bytes per sample
  uvec4 layout1;      // right shift of a sample (p010), swap chroma, packed 4:2:2, has alpha
  uvec4 order;        // packed: byte offsets of R, G, B, A (4:2:2: Y0, U, Y1, V)
  vec4 scale;         // x: sample -> 8-bit code units; y: bytes per packed pixel (or pair)
} params;

layout(std430, set = 0, binding = 1) readonly buffer Planes {
  uint words[];
};

layout(set = 0, binding = 2, rgba8) uniform writeonly image2D target;

uint readByte(uint offset) {
  return (words[offset >> 2] >> ((offset & 3u) * 8u)) & 0xffu;
}

float readSample(uint plane, uint x, uint y, uint component, uint components) {
  uint bps = params.layout0.w;
  uint offset = params.planeOffset[plane] + y * params.planeStride[plane] + (x * components + component) * bps;
  uint v = readByte(offset);
  if (bps == 2u) v |= readByte(offset + 1u) << 8u;
  return float(v >> params.layout1.x) * params.scale.x;
}

float srgbToLinear(float c) {
  return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}
float linearToSrgb(float c) {
  return c <= 0.0031308 ? c * 12.92 : 1.055 * pow(c, 1.0 / 2.4) - 0.055;
}

void main() {
  uvec2 p = gl_GlobalInvocationID.xy;
  if (p.x >= params.size.x || p.y >= params.size.y) return;
  uint kind = params.layout0.x;
  uvec2 c = p >> params.layout0.yz;  // chroma site
  vec3 ycc = vec3(0.0, 128.0, 128.0);
  float alpha = 1.0;
  if (kind == kPlanar) {
    ycc = vec3(readSample(0u, p.x, p.y, 0u, 1u), readSample(1u, c.x, c.y, 0u, 1u),
               readSample(2u, c.x, c.y, 0u, 1u));
  } else if (kind == kSemiPlanar) {
    float a = readSample(1u, c.x, c.y, 0u, 2u), b = readSample(1u, c.x, c.y, 1u, 2u);
    ycc = vec3(readSample(0u, p.x, p.y, 0u, 1u), params.layout1.y != 0u ? vec2(b, a) : vec2(a, b));
  } else if (kind == kGray) {
    ycc.x = readSample(0u, p.x, p.y, 0u, 1u);
  } else if (params.layout1.z != 0u) {  // packed 4:2:2: two pixels share Cb and Cr
    uint base = params.planeOffset[0] + p.y * params.planeStride[0] + (p.x >> 1) * uint(params.scale.y);
    ycc = vec3(float(readByte(base + params.order[(p.x & 1u) * 2u])),
               float(readByte(base + params.order[1])), float(readByte(base + params.order[3])));
  } else {  // packed RGB(A), 8 bit
    uint base = params.planeOffset[0] + p.y * params.planeStride[0] + p.x * uint(params.scale.y);
    ycc = vec3(float(readByte(base + params.order.x)), float(readByte(base + params.order.y)),
               float(readByte(base + params.order.z)));
    if (params.layout1.w != 0u) alpha = float(readByte(base + params.order.w)) / 255.0;
  }
  vec3 rgb = clamp((params.toRgb * vec4(ycc, 1.0)).rgb, 0.0, 1.0);
  if (alpha < 1.0) {  // the atlas holds premultiplied colour
    rgb = vec3(linearToSrgb(srgbToLinear(rgb.r) * alpha), linearToSrgb(srgbToLinear(rgb.g) * alpha),
               linearToSrgb(srgbToLinear(rgb.b) * alpha));
  }
  imageStore(target, ivec2(params.size.zw + p), vec4(rgb, alpha));
}
