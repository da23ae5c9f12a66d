#version 460
// The operator's preview: the program frame with zebra stripes over
// over-exposed pixels and focus peaking on sharp edges. Reads the program
// output (never writes it) and writes a preview buffer of the same format, so
// the program picture is the same bytes whether or not a preview is made.
//
// Each invocation does a 4x2 block: one luma word per row and one CbCr word
// in NV12, and the 6x4 neighbourhood its 3x3 gradients need is fetched once.
// The program is read through a uniform texel buffer (lavapipe gathers those;
// storage-buffer loads go lane by lane), and every choice is a select, not a
// branch (lavapipe runs both sides of a branch).

#extension GL_EXT_control_flow_attributes : require

layout(local_size_x = 8, local_size_y = 8) in;

layout(constant_id = 0) const bool kNv12 = true;  // else RGBA8, sRGB, straight alpha

// NV12: an R8_UINT view (bytes); RGBA8: an R32_UINT view (pixels).
layout(set = 0, binding = 0) uniform usamplerBuffer program;
layout(std430, set = 0, binding = 1) writeonly buffer Preview { uint words[]; };

layout(push_constant) uniform Push {
  uvec2 size;       // pixels
  uint stride;      // NV12: bytes per luma row; RGBA8: pixels per row
  uint chromaBase;  // NV12: byte offset of the CbCr plane
  float zebra;      // Y' (0..1) at or above which stripes show; above any Y': off
  float peaking;    // gradient (fraction of a full black-to-white step) above which to paint
  uint peakPixel;   // the peaking colour as written: NV12 a Y byte, RGBA8 a packed pixel
  uint peakChroma;  // NV12: the peaking colour's Cb | Cr << 8
} pc;

const vec3 kLuma709 = vec3(0.2126, 0.7152, 0.0722);
const uint kZebraLuma = 16u;             // NV12: stripes are black
const uint kZebraPixel = 0xff000000u;    // RGBA8: opaque black

uint fetch(ivec2 p) {
  // Clamped: the frame's border repeats, so it shows no edge of its own.
  p = clamp(p, ivec2(0), ivec2(pc.size) - 1);
  return texelFetch(program, p.y * int(pc.stride) + p.x).r;
}

// Y' of a fetched texel, 0 at black and 1 at reference white.
float luma(uint t) {
  if (kNv12) return (float(t) - 16.0) / 219.0;
  return dot(unpackUnorm4x8(t).rgb, kLuma709);
}

void main() {
  ivec2 origin = ivec2(gl_GlobalInvocationID.xy) * ivec2(4, 2);
  if (origin.x >= int(pc.size.x) || origin.y >= int(pc.size.y)) return;

  uint t[4][6];
  float l[4][6];
  [[unroll]] for (int r = 0; r < 4; ++r) {
    [[unroll]] for (int c = 0; c < 6; ++c) {
      t[r][c] = fetch(origin + ivec2(c - 1, r - 1));
      l[r][c] = luma(t[r][c]);
    }
  }
  // Sobel, the larger of the two directions, scaled so a one-pixel step from
  // black to white is 1 on both pixels beside it (and nothing exceeds 1).
  bool peak[2][4];
  uint pixel[2][4];
  [[unroll]] for (int j = 0; j < 2; ++j) {
    [[unroll]] for (int i = 0; i < 4; ++i) {
      float gx = (l[j][i + 2] + 2.0 * l[j + 1][i + 2] + l[j + 2][i + 2]) -
                 (l[j][i] + 2.0 * l[j + 1][i] + l[j + 2][i]);
      float gy = (l[j + 2][i] + 2.0 * l[j + 2][i + 1] + l[j + 2][i + 2]) -
                 (l[j][i] + 2.0 * l[j][i + 1] + l[j][i + 2]);
      peak[j][i] = 0.25 * max(abs(gx), abs(gy)) > pc.peaking;
      // Static diagonal stripes 4 px wide every 8 px: deterministic renders.
      ivec2 p = origin + ivec2(i, j);
      bool zebra = l[j + 1][i + 1] >= pc.zebra && ((p.x + p.y) & 7) < 4;
      uint plain = t[j + 1][i + 1];
      pixel[j][i] = peak[j][i] ? pc.peakPixel : (zebra ? (kNv12 ? kZebraLuma : kZebraPixel) : plain);
    }
  }

  if (kNv12) {
    [[unroll]] for (int j = 0; j < 2; ++j) {
      words[(uint(origin.y + j) * pc.stride + uint(origin.x)) >> 2] =
          pixel[j][0] | (pixel[j][1] << 8) | (pixel[j][2] << 16) | (pixel[j][3] << 24);
    }
    // Two chroma sites, each shared by a 2x2 block: peaking colour when any
    // of its pixels peaks (stripes keep the picture's chroma).
    int ci = int(pc.chromaBase) + (origin.y >> 1) * int(pc.stride) + origin.x;
    uint word = 0u;
    [[unroll]] for (int k = 0; k < 2; ++k) {
      bool any = peak[0][2 * k] || peak[0][2 * k + 1] || peak[1][2 * k] || peak[1][2 * k + 1];
      uint site = texelFetch(program, ci + 2 * k).r | (texelFetch(program, ci + 2 * k + 1).r << 8);
      word |= (any ? pc.peakChroma : site) << (16 * k);
    }
    words[uint(ci) >> 2] = word;
  } else {
    [[unroll]] for (int j = 0; j < 2; ++j) {
      [[unroll]] for (int i = 0; i < 4; ++i) {
        ivec2 p = origin + ivec2(i, j);
        if (p.x < int(pc.size.x) && p.y < int(pc.size.y)) {
          words[uint(p.y) * pc.stride + uint(p.x)] = pixel[j][i];
        }
      }
    }
  }
}
