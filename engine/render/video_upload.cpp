#include "render/video_upload.h"

#include <cstring>

namespace mq::render {
namespace {

size_t align4(size_t n) {
  return (n + 3) & ~size_t(3);
}

}  // namespace

std::array<float, 16> yuvToRgbMatrix(media::YuvMatrix matrix, media::YuvRange range) {
  std::array<float, 16> m{};  // column-major: m[col * 4 + row]
  if (matrix == media::YuvMatrix::Identity) {
    for (int i = 0; i < 3; ++i) m[i * 4 + i] = 1.0f / 255;
    m[15] = 1;
    return m;
  }
  double kr = 0.2126, kb = 0.0722;  // BT.709
  if (matrix == media::YuvMatrix::Bt601) kr = 0.299, kb = 0.114;
  if (matrix == media::YuvMatrix::Bt2020) kr = 0.2627, kb = 0.0593;
  double kg = 1 - kr - kb;
  // Code values to Y' in [0,1] and Pb, Pr in [-0.5, 0.5].
  bool full = range == media::YuvRange::Full;
  double ys = full ? 1.0 / 255 : 1.0 / 219, yo = full ? 0 : -16.0 / 219;
  double cs = full ? 1.0 / 255 : 1.0 / 224, co = -128.0 * cs;
  // R = Y' + 2(1-kr) Pr; B = Y' + 2(1-kb) Pb; G = Y' - (2kb(1-kb)/kg) Pb - (2kr(1-kr)/kg) Pr.
  double rPr = 2 * (1 - kr), bPb = 2 * (1 - kb);
  double gPb = -2 * kb * (1 - kb) / kg, gPr = -2 * kr * (1 - kr) / kg;
  double coeff[3][3] = {{1, 0, rPr}, {1, gPb, gPr}, {1, bPb, 0}};  // [rgb][y, pb, pr]
  for (int row = 0; row < 3; ++row) {
    m[0 * 4 + row] = float(coeff[row][0] * ys);
    m[1 * 4 + row] = float(coeff[row][1] * cs);
    m[2 * 4 + row] = float(coeff[row][2] * cs);
    m[3 * 4 + row] = float(coeff[row][0] * yo + (coeff[row][1] + coeff[row][2]) * co);
  }
  m[15] = 1;
  return m;
}

size_t packedPlaneBytes(const media::VideoFrame& frame) {
  size_t total = 0;
  for (int i = 0; i < media::planeCount(frame.format); ++i)
    total += align4(size_t(frame.linesize[i]) * size_t(frame.planeRows[i]));
  return total;
}

VideoParams packVideoFrame(const media::VideoFrame& frame, uint8_t* dst, uint32_t targetX,
                           uint32_t targetY) {
  const media::PictureFormat& f = frame.format;
  VideoParams p{};
  p.toRgb = yuvToRgbMatrix(f.matrix, f.range);
  size_t offset = 0;
  for (int i = 0; i < media::planeCount(f); ++i) {
    size_t bytes = size_t(frame.linesize[i]) * size_t(frame.planeRows[i]);
    std::memcpy(dst + offset, frame.data[i], bytes);
    p.planeOffset[i] = uint32_t(offset);
    p.planeStride[i] = uint32_t(frame.linesize[i]);
    offset += align4(bytes);
  }
  p.size = {uint32_t(f.width), uint32_t(f.height), targetX, targetY};
  p.layout0 = {uint32_t(f.layout), uint32_t(f.chromaShiftX), uint32_t(f.chromaShiftY),
               uint32_t(f.bytesPerSample)};
  int shift = f.msbAligned ? f.bytesPerSample * 8 - f.bitDepth : 0;
  p.layout1 = {uint32_t(shift), f.swapChroma ? 1u : 0u, f.packedYuv422 ? 1u : 0u,
               f.hasAlpha ? 1u : 0u};
  for (int i = 0; i < 4; ++i) p.order[i] = uint32_t(f.componentOrder[i]);
  // Samples to 8-bit code units: limited range scales by 2^(8 - depth) (code
  // 64 of 10-bit video is code 16 of 8-bit); full range maps the top code to 255.
  double toCode = f.range == media::YuvRange::Full && f.matrix != media::YuvMatrix::Identity
                      ? 255.0 / double((1 << f.bitDepth) - 1)
                      : 1.0 / double(1 << (f.bitDepth - 8));
  p.scale = {float(toCode), float(f.bytesPerPixel), 0.f, 0.f};
  p.bounds = {0, 0, f.width - 1, f.height - 1};
  p.sharpen = {0.f, 0.f, 0.f, 0.f};
  return p;
}

}  // namespace mq::render
