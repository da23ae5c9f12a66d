// Video pictures reach the composite through the GPU conversion shader, from
// the planes as a decoder lays them out. Each layout is fed a picture of
// known colour bars (code values computed here from the standards' formulas)
// and the rendered pixels must come back as the sRGB values they encode.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "golden.h"
#include "scene/scene.h"

using namespace mq;

namespace {

constexpr int kW = 64, kH = 32;  // four bars of 16 columns
const std::array<std::array<int, 3>, 4> kBars = {
    {{235, 40, 40}, {30, 200, 90}, {40, 60, 220}, {128, 128, 128}}};  // sRGB R'G'B'

struct Coeffs {
  double kr, kb;
};
Coeffs coeffs(media::YuvMatrix m) {
  if (m == media::YuvMatrix::Bt601) return {0.299, 0.114};
  if (m == media::YuvMatrix::Bt2020) return {0.2627, 0.0593};
  return {0.2126, 0.0722};
}

// R'G'B' in [0,1] to code values of `bits` bits.
std::array<int, 3> encode(std::array<int, 3> rgb, media::YuvMatrix m, media::YuvRange range,
                          int bits) {
  auto [kr, kb] = coeffs(m);
  double r = rgb[0] / 255.0, g = rgb[1] / 255.0, b = rgb[2] / 255.0;
  double y = kr * r + (1 - kr - kb) * g + kb * b;
  double pb = (b - y) / (2 * (1 - kb)), pr = (r - y) / (2 * (1 - kr));
  double scale = double(1 << (bits - 8));
  if (range == media::YuvRange::Full) {
    double top = double((1 << bits) - 1);
    return {int(std::lround(y * top)), int(std::lround((pb + 0.5) * top)),
            int(std::lround((pr + 0.5) * top))};
  }
  return {int(std::lround((16 + 219 * y) * scale)), int(std::lround((128 + 224 * pb) * scale)),
          int(std::lround((128 + 224 * pr) * scale))};
}

// Owns the bytes of a synthetic picture.
struct Picture {
  std::vector<uint8_t> planes[3];
  media::VideoFrame frame;
};

void putSample(std::vector<uint8_t>& plane, size_t offset, int value, int bytes, int shift) {
  value <<= shift;
  plane[offset] = uint8_t(value & 0xff);
  if (bytes == 2) plane[offset + 1] = uint8_t(value >> 8);
}

Picture makePicture(media::PictureFormat f) {
  Picture p;
  f.width = kW;
  f.height = kH;
  p.frame.format = f;
  int bps = f.bytesPerSample, shift = f.msbAligned ? bps * 8 - f.bitDepth : 0;
  auto codes = [&](int x) { return encode(kBars[size_t(x / 16)], f.matrix, f.range, f.bitDepth); };
  int cw = kW >> f.chromaShiftX, ch = kH >> f.chromaShiftY;
  if (f.layout == media::PlaneLayout::Planar || f.layout == media::PlaneLayout::SemiPlanar) {
    int lumaStride = kW * bps + 12;  // padded rows, as decoders align them
    p.planes[0].assign(size_t(lumaStride) * kH, 0);
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x)
        putSample(p.planes[0], size_t(y) * lumaStride + size_t(x) * bps, codes(x)[0], bps, shift);
    int per = f.layout == media::PlaneLayout::Planar ? 1 : 2;
    int chromaStride = cw * bps * per + 4;
    for (int k = 1; k <= (per == 1 ? 2 : 1); ++k) p.planes[k].assign(size_t(chromaStride) * ch, 0);
    for (int y = 0; y < ch; ++y) {
      for (int x = 0; x < cw; ++x) {
        auto c = codes(x << f.chromaShiftX);
        int cb = c[1], cr = c[2];
        if (f.swapChroma) std::swap(cb, cr);
        size_t o = size_t(y) * chromaStride + size_t(x) * bps * per;
        if (per == 1) {
          putSample(p.planes[1], o, cb, bps, shift);
          putSample(p.planes[2], o, cr, bps, shift);
        } else {
          putSample(p.planes[1], o, cb, bps, shift);
          putSample(p.planes[1], o + size_t(bps), cr, bps, shift);
        }
      }
    }
    p.frame.linesize[0] = lumaStride;
    p.frame.planeRows[0] = kH;
    for (int k = 1; k <= (per == 1 ? 2 : 1); ++k) {
      p.frame.linesize[k] = chromaStride;
      p.frame.planeRows[k] = ch;
    }
  } else if (f.packedYuv422) {  // YUYV: Y0 U Y1 V
    int stride = kW * 2;
    p.planes[0].assign(size_t(stride) * kH, 0);
    for (int y = 0; y < kH; ++y) {
      for (int x = 0; x < kW; x += 2) {
        auto c = codes(x);
        uint8_t* q = &p.planes[0][size_t(y) * stride + size_t(x) * 2];
        q[f.componentOrder[0]] = uint8_t(c[0]);
        q[f.componentOrder[1]] = uint8_t(c[1]);
        q[f.componentOrder[2]] = uint8_t(codes(x + 1)[0]);
        q[f.componentOrder[3]] = uint8_t(c[2]);
      }
    }
    p.frame.linesize[0] = stride;
    p.frame.planeRows[0] = kH;
  } else {  // packed RGB(A)
    int stride = kW * f.bytesPerPixel;
    p.planes[0].assign(size_t(stride) * kH, 0);
    for (int y = 0; y < kH; ++y) {
      for (int x = 0; x < kW; ++x) {
        uint8_t* q = &p.planes[0][size_t(y) * stride + size_t(x) * f.bytesPerPixel];
        for (int c = 0; c < 3; ++c) q[f.componentOrder[c]] = uint8_t(kBars[size_t(x / 16)][c]);
        if (f.hasAlpha) q[f.componentOrder[3]] = 255;
      }
    }
    p.frame.linesize[0] = stride;
    p.frame.planeRows[0] = kH;
  }
  for (int k = 0; k < 3; ++k) p.frame.data[k] = p.planes[k].empty() ? nullptr : p.planes[k].data();
  return p;
}

scene::Scene videoScene() {
  scene::Scene s;
  s.canvas.width = kW;
  s.canvas.height = kH;
  s.nodes.push_back(scene::makeNode(scene::NodeKind::Video, "camera"));
  return s;
}

// Worst difference from the bars over the middle of each bar (chroma
// subsampling blends colours at the bar edges).
int worstBarError(const test::Image& out) {
  int worst = 0;
  for (uint32_t y = 0; y < out.height; ++y) {
    for (int bar = 0; bar < 4; ++bar) {
      for (int x = bar * 16 + 3; x < bar * 16 + 13; ++x) {
        const uint8_t* p = out.at(uint32_t(x), y);
        for (int c = 0; c < 3; ++c)
          worst = std::max(worst, std::abs(int(p[c]) - kBars[size_t(bar)][c]));
      }
    }
  }
  return worst;
}

}  // namespace

TEST_CASE("video: every plane layout converts to the colours it encodes", "[gpu][video]") {
  struct Case {
    const char* name;
    media::PictureFormat format;
  };
  auto fmt = [](media::PlaneLayout layout, int sx, int sy, int bps, int depth) {
    media::PictureFormat f;
    f.layout = layout;
    f.chromaShiftX = sx;
    f.chromaShiftY = sy;
    f.bytesPerSample = bps;
    f.bitDepth = depth;
    return f;
  };
  std::vector<Case> cases;
  cases.push_back({"yuv420p bt709 limited", fmt(media::PlaneLayout::Planar, 1, 1, 1, 8)});
  cases.push_back({"yuv422p bt601 limited", fmt(media::PlaneLayout::Planar, 1, 0, 1, 8)});
  cases.back().format.matrix = media::YuvMatrix::Bt601;
  cases.push_back({"yuvj444p bt601 full", fmt(media::PlaneLayout::Planar, 0, 0, 1, 8)});
  cases.back().format.matrix = media::YuvMatrix::Bt601;
  cases.back().format.range = media::YuvRange::Full;
  cases.push_back({"yuv420p10le bt2020 limited", fmt(media::PlaneLayout::Planar, 1, 1, 2, 10)});
  cases.back().format.matrix = media::YuvMatrix::Bt2020;
  cases.push_back({"nv12 bt709 limited", fmt(media::PlaneLayout::SemiPlanar, 1, 1, 1, 8)});
  cases.push_back({"nv21 bt709 full", fmt(media::PlaneLayout::SemiPlanar, 1, 1, 1, 8)});
  cases.back().format.swapChroma = true;
  cases.back().format.range = media::YuvRange::Full;
  cases.push_back({"p010le bt709 limited", fmt(media::PlaneLayout::SemiPlanar, 1, 1, 2, 10)});
  cases.back().format.msbAligned = true;
  cases.push_back({"yuyv422 bt601 limited", fmt(media::PlaneLayout::Packed, 1, 0, 1, 8)});
  cases.back().format.packedYuv422 = true;
  cases.back().format.matrix = media::YuvMatrix::Bt601;
  cases.back().format.bytesPerPixel = 4;  // per pair of pixels
  cases.push_back({"bgra", fmt(media::PlaneLayout::Packed, 0, 0, 1, 8)});
  cases.back().format.matrix = media::YuvMatrix::Identity;
  cases.back().format.range = media::YuvRange::Full;
  cases.back().format.hasAlpha = true;
  std::copy_n(std::array<int, 4>{2, 1, 0, 3}.begin(), 4, cases.back().format.componentOrder);
  cases.push_back({"rgb24", fmt(media::PlaneLayout::Packed, 0, 0, 1, 8)});
  cases.back().format.matrix = media::YuvMatrix::Identity;
  cases.back().format.range = media::YuvRange::Full;
  cases.back().format.bytesPerPixel = 3;

  for (const Case& c : cases) {
    INFO(c.name);
    Picture picture = makePicture(c.format);
    render::VideoFrames videos;
    videos.emplace("camera", picture.frame);
    test::Image out = test::render(videoScene(), 0, 0, 0, videos);
    // 8-bit code rounding through the matrix: within 2 levels.
    CHECK(worstBarError(out) <= 2);
  }
}

TEST_CASE("video: a node without a picture shows its slate", "[gpu][video]") {
  scene::Scene s = videoScene();
  s.canvas.width = 320;
  s.canvas.height = 180;
  s.nodes[0].values[size_t(scene::Prop::Size)] = scene::Vec2{320, 180};
  test::Image out = test::render(s, 0, 0);
  // The slate grey fills the box and the message draws lighter pixels in the middle.
  const uint8_t* corner = out.at(4, 4);
  CHECK(int(corner[0]) == 0x1c);
  CHECK(int(corner[2]) == 0x2a);
  int bright = 0;
  for (uint32_t y = 60; y < 120; ++y)
    for (uint32_t x = 0; x < 320; ++x) bright += out.at(x, y)[0] > 200;
  CHECK(bright > 100);
}

TEST_CASE("video: a picture cropped by its box converts the part that shows, in place",
          "[gpu][video]") {
  // A 32x32 box covered by the 64x32 bars picture shows its columns 16-47
  // (bars 1 and 2) at 1:1; only that part (plus a margin, in whole words) is
  // converted, from plane offsets moved to its corner. Wrong offsets would
  // shift the bars or mix up their chroma.
  for (media::PlaneLayout layout : {media::PlaneLayout::Planar, media::PlaneLayout::SemiPlanar}) {
    INFO((layout == media::PlaneLayout::Planar ? "yuv420p" : "nv12"));
    media::PictureFormat f;
    f.layout = layout;
    f.chromaShiftX = f.chromaShiftY = 1;
    Picture picture = makePicture(f);
    scene::Scene s = videoScene();
    s.canvas.width = 32;
    s.nodes[0].values[size_t(scene::Prop::Size)] = scene::Vec2{32, 32};
    s.nodes[0].values[size_t(scene::Prop::Fit)] = int64_t(scene::Fit::Cover);
    render::VideoFrames videos;
    videos.emplace("camera", picture.frame);
    test::Image out = test::render(s, 0, 0, 0, videos);
    REQUIRE(out.width == 32);
    int worst = 0;
    for (uint32_t y = 0; y < out.height; ++y) {
      for (int shown = 0; shown < 2; ++shown) {
        for (int x = shown * 16 + 3; x < shown * 16 + 13; ++x) {
          const uint8_t* p = out.at(uint32_t(x), y);
          for (int c = 0; c < 3; ++c)
            worst = std::max(worst, std::abs(int(p[c]) - kBars[size_t(shown + 1)][c]));
        }
      }
    }
    CHECK(worst <= 2);
  }
}

namespace {

// A 64x32 luma picture, neutral chroma: a soft edge (a ramp from level 60 to
// 180 over columns 24-39) between two flat areas, in 8-bit 4:2:0 (read four
// pixels a word) or 10-bit 4:2:0 (read sample by sample).
Picture makeSoftEdge(bool tenBit) {
  media::PictureFormat f;
  f.width = kW;
  f.height = kH;
  f.layout = media::PlaneLayout::Planar;
  f.chromaShiftX = f.chromaShiftY = 1;
  f.bytesPerSample = tenBit ? 2 : 1;
  f.bitDepth = tenBit ? 10 : 8;
  Picture p;
  p.frame.format = f;
  int bps = f.bytesPerSample, scale = tenBit ? 4 : 1;
  int stride = kW * bps;
  p.planes[0].assign(size_t(stride) * kH, 0);
  for (int y = 0; y < kH; ++y) {
    for (int x = 0; x < kW; ++x) {
      double t = std::clamp((x - 23.5) / 16.0, 0.0, 1.0);
      putSample(p.planes[0], size_t(y) * stride + size_t(x) * bps,
                int(std::lround(60 + 120 * t)) * scale, bps, 0);
    }
  }
  int cstride = (kW / 2) * bps;
  for (int k = 1; k <= 2; ++k) {
    p.planes[k].assign(size_t(cstride) * (kH / 2), 0);
    for (size_t o = 0; o < p.planes[k].size(); o += size_t(bps))
      putSample(p.planes[k], o, 128 * scale, bps, 0);
  }
  for (int k = 0; k < 3; ++k) {
    p.frame.linesize[k] = k == 0 ? stride : cstride;
    p.frame.planeRows[k] = k == 0 ? kH : kH / 2;
    p.frame.data[k] = p.planes[k].data();
  }
  return p;
}

}  // namespace

TEST_CASE("video: sharpening steepens soft detail and leaves flat areas alone", "[gpu][video]") {
  for (bool tenBit : {false, true}) {
    INFO((tenBit ? "10-bit, sample by sample" : "8-bit, a word at a time"));
    Picture picture = makeSoftEdge(tenBit);
    render::VideoFrames videos;
    videos.emplace("camera", picture.frame);
    scene::Scene s = videoScene();
    s.nodes[0].values[size_t(scene::Prop::Size)] = scene::Vec2{double(kW), double(kH)};
    test::Image soft = test::render(s, 0, 0, 0, videos);
    s.nodes[0].values[size_t(scene::Prop::Sharpen)] = 1.0;
    test::Image sharp = test::render(s, 0, 0, 0, videos);
    // Along the middle row (green: luma dominates it). A linear ramp has no
    // detail inside; its two ends are the soft detail: sharpening bends them
    // (the foot darker, the shoulder brighter), which the summed second
    // differences measure.
    auto bends = [](const test::Image& img) {
      int sum = 0;
      for (uint32_t x = 1; x + 1 < img.width; ++x)
        sum += std::abs(int(img.at(x + 1, 16)[1]) - 2 * int(img.at(x, 16)[1]) +
                        int(img.at(x - 1, 16)[1]));
      return sum;
    };
    INFO("summed bends without " << bends(soft) << ", with " << bends(sharp));
    CHECK(bends(sharp) >= bends(soft) * 3 / 2);
    CHECK(sharp.at(24, 16)[1] < soft.at(24, 16)[1]);  // the foot of the ramp
    CHECK(sharp.at(39, 16)[1] > soft.at(39, 16)[1]);  // its shoulder
    // Flat areas, including at the picture's edges (whose neighbours are
    // themselves), stay exactly as they were.
    for (uint32_t y = 0; y < uint32_t(kH); y += 7) {
      for (uint32_t x : {0u, 5u, 12u, 50u, 63u}) {
        INFO("pixel " << x << "," << y);
        CHECK(std::memcmp(soft.at(x, y), sharp.at(x, y), 4) == 0);
      }
    }
    // The ramp's two ends bend (the slope starts and stops more abruptly)
    // but do not ring far past the flat levels.
    for (uint32_t x = 0; x < sharp.width; ++x) {
      int g = sharp.at(x, 16)[1];
      CHECK(g >= soft.at(0, 16)[1] - 12);
      CHECK(g <= soft.at(63, 16)[1] + 12);
    }
  }
}
