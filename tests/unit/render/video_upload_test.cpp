// The colour matrices the video conversion shader applies, checked against
// the code values the standards give for white, black and the primaries.
#include "render/video_upload.h"

#include <catch2/catch.hpp>
#include <cstring>

using namespace mq;

namespace {

std::array<double, 3> apply(const std::array<float, 16>& m, double y, double cb, double cr) {
  std::array<double, 3> rgb{};
  for (int row = 0; row < 3; ++row)
    rgb[row] = m[row] * y + m[4 + row] * cb + m[8 + row] * cr + m[12 + row];
  return rgb;
}

void checkRgb(std::array<double, 3> got, std::array<double, 3> want, double tolerance) {
  for (int i = 0; i < 3; ++i) CHECK(got[i] == Approx(want[i]).margin(tolerance));
}

}  // namespace

TEST_CASE("video: limited-range BT.709 codes map black, white and red", "[render][video]") {
  auto m = render::yuvToRgbMatrix(media::YuvMatrix::Bt709, media::YuvRange::Limited);
  checkRgb(apply(m, 16, 128, 128), {0, 0, 0}, 1e-6);
  checkRgb(apply(m, 235, 128, 128), {1, 1, 1}, 1e-6);
  // 100% red in BT.709 limited range (ITU-R BT.709 / SMPTE RP 219 colour bars): 63, 102, 240.
  checkRgb(apply(m, 63, 102, 240), {1, 0, 0}, 0.01);
}

TEST_CASE("video: BT.601 and BT.2020 use their own coefficients; full range spans 0-255",
          "[render][video]") {
  auto m601 = render::yuvToRgbMatrix(media::YuvMatrix::Bt601, media::YuvRange::Limited);
  // 100% red in BT.601 limited range: 81, 90, 240.
  checkRgb(apply(m601, 81, 90, 240), {1, 0, 0}, 0.01);
  auto full = render::yuvToRgbMatrix(media::YuvMatrix::Bt601, media::YuvRange::Full);
  checkRgb(apply(full, 0, 128, 128), {0, 0, 0}, 1e-6);
  checkRgb(apply(full, 255, 128, 128), {1, 1, 1}, 1e-6);
  // JPEG (full-range BT.601) red: Y = 76.2, Cb = 85, Cr = 255.5.
  checkRgb(apply(full, 76.245, 84.972, 255.5), {1, 0, 0}, 0.01);
  auto m2020 = render::yuvToRgbMatrix(media::YuvMatrix::Bt2020, media::YuvRange::Limited);
  // Green in BT.2020: Y' = 0.6780 -> 16 + 219 * 0.678.
  double y = 16 + 219 * 0.6780;
  double cb = 128 + 224 * (-0.6780 / 1.8814), cr = 128 + 224 * (-0.6780 / 1.4746);
  checkRgb(apply(m2020, y, cb, cr), {0, 1, 0}, 0.01);
}

TEST_CASE("video: planes are packed as decoded and described for the shader", "[render][video]") {
  // A 4x2 yuv420p10le picture: 10-bit samples in 16-bit words.
  std::vector<uint16_t> luma(8 * 2, 0), cb(2 * 1 * 2, 0), cr(2 * 1 * 2, 0);
  for (size_t i = 0; i < luma.size(); ++i) luma[i] = uint16_t(64 + i);
  media::VideoFrame f;
  f.format.width = 4;
  f.format.height = 2;
  f.format.layout = media::PlaneLayout::Planar;
  f.format.chromaShiftX = f.format.chromaShiftY = 1;
  f.format.bytesPerSample = 2;
  f.format.bitDepth = 10;
  f.data[0] = reinterpret_cast<const uint8_t*>(luma.data());
  f.data[1] = reinterpret_cast<const uint8_t*>(cb.data());
  f.data[2] = reinterpret_cast<const uint8_t*>(cr.data());
  f.linesize[0] = 16;  // padded rows: 8 bytes of samples, 8 of padding
  f.linesize[1] = f.linesize[2] = 6;
  f.planeRows[0] = 2;
  f.planeRows[1] = f.planeRows[2] = 1;
  std::vector<uint8_t> dst(render::packedPlaneBytes(f));
  CHECK(dst.size() == 32 + 8 + 8);  // each plane 4-byte aligned
  render::VideoParams p = render::packVideoFrame(f, dst.data(), 100, 200);
  CHECK(p.planeOffset[0] == 0);
  CHECK(p.planeOffset[1] == 32);
  CHECK(p.planeOffset[2] == 40);
  CHECK(p.planeStride[0] == 16);
  CHECK(p.size[2] == 100);
  CHECK(p.size[3] == 200);
  CHECK(p.scale[0] == Approx(0.25));  // 10-bit code 64 is 8-bit code 16
  CHECK(std::memcmp(dst.data(), luma.data(), 32) == 0);
}
