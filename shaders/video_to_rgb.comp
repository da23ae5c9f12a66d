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
layout(constant_id = 3) const bool kAlpha = false;      // packed RGBA, or planar with an A plane
// 8-bit planar or semi-planar with horizontally halved chroma and 4-byte
// aligned rows: each invocation converts 4 pixels from one word of luma and
// one word per chroma plane (loads are what costs on lavapipe).
layout(constant_id = 4) const bool kQuad = false;
// Contrast-adaptive sharpening of luma (planar, semi-planar and grey pictures).
layout(constant_id = 5) const bool kSharpen = false;

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
  ivec4 bounds;       // the picture's pixels relative to the region: min x, min y, max x, max y
  vec4 sharpen;       // x: the negative lobe's weight at full adaptation
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

// Contrast-adaptive sharpening (after AMD's FidelityFX CAS, on luma in code
// units): the centre minus a cross of its neighbours, weighted by how much
// headroom the neighbourhood leaves below black and white, so flat areas stay
// flat, soft detail gets crisper and strong edges do not ring.
float sharpenLuma(float c, float n, float s, float w, float e) {
  const float top = 255.0;
  float mn = min(c, min(min(n, s), min(w, e)));
  float mx = max(c, max(max(n, s), max(w, e)));
  float amp = sqrt(clamp(min(mn, top - mx) / max(mx, 1e-3), 0.0, 1.0));
  float lobe = amp * params.sharpen.x;
  return clamp((c + lobe * (n + s + w + e)) / (1.0 + 4.0 * lobe), 0.0, top);
}

uint byteOf(uint word, uint i) {
  return (word >> (8u * i)) & 0xffu;
}

void convertQuad() {
  uvec2 q = gl_GlobalInvocationID.xy;
  uint x0 = q.x * 4u, y = q.y;
  if (x0 >= params.size.x || y >= params.size.y) return;
  uint cy = y >> params.layout0.z;
  uint rowStart = params.planeOffset[0] + y * params.planeStride[0];
  uint luma = wordAt(rowStart + x0);
  // Sharpening's neighbours: the words above, below, left and right (the
  // picture's edge pixels are their own neighbours beyond it).
  uint up = luma, down = luma, left = luma, right = luma;
  bool hasLeft = false, hasRight = false;
  if (kSharpen) {
    // Addresses are chosen before loading (both sides of a branch run on
    // lavapipe): outside the picture the word itself is read again.
    int iy = int(y), ix = int(x0);
    uint here = rowStart + x0, stride = params.planeStride[0];
    hasLeft = ix - 1 >= params.bounds.x;
    hasRight = ix + 4 <= params.bounds.z;
    up = wordAt(iy - 1 >= params.bounds.y ? here - stride : here);
    down = wordAt(iy + 1 <= params.bounds.w ? here + stride : here);
    left = wordAt(hasLeft ? here - 4u : here);
    right = wordAt(hasRight ? here + 4u : here);
  }
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
    float yv = float(byteOf(luma, i));
    if (kSharpen) {
      // Beyond the picture's right edge (a width not a multiple of 4) the
      // pixel is its own neighbour.
      bool lastInPicture = int(x0 + i) >= params.bounds.z;
      float w = i > 0u ? float(byteOf(luma, i - 1u)) : (hasLeft ? float(byteOf(left, 3u)) : yv);
      float e = lastInPicture ? yv : (i < 3u ? float(byteOf(luma, i + 1u)) : float(byteOf(right, 0u)));
      yv = sharpenLuma(yv, float(byteOf(up, i)), float(byteOf(down, i)), w, e);
    }
    vec3 ycc = vec3(yv, chroma[i >> 1]) * vec3(params.scale.x, params.scale.x, params.scale.x);
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
    // Alpha is full range and full size (8-bit code units: 10-bit 1023 reads
    // as 255.75).
    if (kAlpha) alpha = min(readSample(3u, p.x, p.y, 0u, 1u) / 255.0, 1.0);
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
  if (kSharpen && (kLayout == kPlanar || kLayout == kSemiPlanar || kLayout == kGray)) {
    // Neighbours clamped to the picture, in 8-bit code units (coordinates
    // relative to the region may be negative: readSample's uint arithmetic
    // wraps back to the right bytes).
    ivec2 q = ivec2(p);
    ivec2 lo = params.bounds.xy, hi = params.bounds.zw;
    float n = readSample(0u, uint(q.x), uint(max(q.y - 1, lo.y)), 0u, 1u);
    float s = readSample(0u, uint(q.x), uint(min(q.y + 1, hi.y)), 0u, 1u);
    float w = readSample(0u, uint(max(q.x - 1, lo.x)), uint(q.y), 0u, 1u);
    float e = readSample(0u, uint(min(q.x + 1, hi.x)), uint(q.y), 0u, 1u);
    ycc.x = sharpenLuma(ycc.x, n, s, w, e);  // all in 8-bit code units
  }
  vec3 rgb = clamp((params.toRgb * vec4(ycc, 1.0)).rgb, 0.0, 1.0);
  if (kAlpha) {  // the atlas holds premultiplied colour
    rgb = vec3(linearToSrgb(srgbToLinear(rgb.r) * alpha), linearToSrgb(srgbToLinear(rgb.g) * alpha),
               linearToSrgb(srgbToLinear(rgb.b) * alpha));
  }
  imageStore(target, ivec2(params.size.zw + p), vec4(rgb, alpha));
}
