// Keying and masks: goldens of tests/scenes/golden/keying.json and
// image_masks.json in both orientations, and numeric checks on 1:1 renders of
// the generated green-screen shot and mask (golden.cpp draws them): keyed-out
// pixels show the backdrop, the host keeps its colours, spill no longer
// dominates at the host's edge, and mask levels become coverage.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>

#include "golden.h"
#include "render/texture_data.h"
#include "scene/scene.h"

using namespace mq;
using namespace mq::test;

namespace {

#define MQ_GOLDEN_SCENE(scene, description) \
  MQ_GOLDEN_SCENE_TEST(scene, description, "[gpu][golden][keying]")

MQ_GOLDEN_SCENE("keying", "chroma key with and without spill, styled edges, soft key, luma key")
MQ_GOLDEN_SCENE("image_masks", "alpha and luminance masks, inverted, on solids, images, groups")

// A canvas the size of `source` (384x256 etc.), one backdrop colour, `layer`
// placed 1:1 at the origin.
scene::Scene oneToOne(uint32_t w, uint32_t h, scene::Color backdrop, scene::Node layer) {
  scene::Scene s;
  s.canvas.width = int(w);
  s.canvas.height = int(h);
  s.canvas.background = backdrop;
  s.baseDir = workDir();
  s.nodes.push_back(std::move(layer));
  return s;
}

int maxChannelDiff(const uint8_t* p, const uint8_t* q) {
  int d = 0;
  for (int c = 0; c < 4; ++c) d = std::max(d, std::abs(int(p[c]) - int(q[c])));
  return d;
}

}  // namespace

TEST_CASE("chroma key: the screen is transparent, the host kept, spill suppressed",
          "[gpu][keying]") {
  Image source = readPng(workDir() / "greenscreen.png");
  REQUIRE(source.width == 384);
  const scene::Color backdrop{48, 80, 192, 255};
  scene::Node n = scene::makeNode(scene::NodeKind::Image, "host");
  n.values[size_t(scene::Prop::Source)] = std::string("greenscreen.png");
  n.values[size_t(scene::Prop::Key)] = int64_t(scene::Key::Chroma);
  Image out = test::render(oneToOne(384, 256, backdrop, n), 0, 0);
  const uint8_t back[4] = {backdrop.r, backdrop.g, backdrop.b, 255};

  // The screen, top (light) and bottom (dark) corners: the backdrop shows.
  for (auto [x, y] : {std::pair{5u, 5u}, {378u, 5u}, {5u, 250u}, {378u, 250u}, {60u, 128u}}) {
    INFO("screen pixel " << x << "," << y);
    CHECK(maxChannelDiff(out.at(x, y), back) <= 1);
  }
  // The host's skin, badge and collar: the picture as it was (1:1, opaque).
  for (auto [x, y] : {std::pair{192u, 100u}, {192u, 170u}, {192u, 240u}}) {
    INFO("host pixel " << x << "," << y);
    CHECK(maxChannelDiff(out.at(x, y), source.at(x, y)) <= 1);
  }
  // The spill band, 4 px inside the host's left and right edges: green
  // dominates in the source, not in the output (clipped to the larger of red
  // and blue), and the pixel is kept whole (nothing of the backdrop mixed in).
  for (auto [x, y] : {std::pair{106u, 150u}, {277u, 150u}}) {
    const uint8_t* s = source.at(x, y);
    const uint8_t* o = out.at(x, y);
    INFO("edge pixel " << x << "," << y << ": source " << int(s[0]) << "," << int(s[1]) << ","
                       << int(s[2]) << " output " << int(o[0]) << "," << int(o[1]) << ","
                       << int(o[2]));
    REQUIRE(s[1] > std::max(s[0], s[2]) + 10);
    CHECK(int(o[1]) <= std::max(o[0], o[2]) + 1);
    CHECK(std::abs(int(o[0]) - int(s[0])) <= 1);
    CHECK(std::abs(int(o[2]) - int(s[2])) <= 1);
  }

  // key_spill 0 leaves the spill as it was.
  n.values[size_t(scene::Prop::KeySpill)] = 0.0;
  Image raw = test::render(oneToOne(384, 256, backdrop, n), 0, 0);
  CHECK(maxChannelDiff(raw.at(106, 150), source.at(106, 150)) <= 1);
  CHECK(maxChannelDiff(raw.at(5, 5), back) <= 1);
}

TEST_CASE("luma key keeps bright (or, inverted, dark) parts", "[gpu][keying]") {
  const scene::Color backdrop{200, 30, 30, 255};
  const uint8_t back[4] = {200, 30, 30, 255};
  scene::Node n = scene::makeNode(scene::NodeKind::Image, "luma");
  n.values[size_t(scene::Prop::Source)] = std::string("lumakey.png");
  n.values[size_t(scene::Prop::Key)] = int64_t(scene::Key::Luma);
  n.values[size_t(scene::Prop::KeyThreshold)] = 0.3;
  n.values[size_t(scene::Prop::KeySoftness)] = 0.2;
  Image out = test::render(oneToOne(384, 224, backdrop, n), 0, 0);
  const uint8_t white[4] = {255, 255, 255, 255};
  CHECK(maxChannelDiff(out.at(110, 168), white) <= 1);  // white disc kept
  CHECK(maxChannelDiff(out.at(5, 50), back) <= 1);      // black ramp end dropped
  CHECK(maxChannelDiff(out.at(20, 200), back) <= 1);    // black ground dropped
  // Level 128 (Y' 0.5) is past threshold + softness: kept.
  const uint8_t grey[4] = {128, 128, 128, 255};
  CHECK(maxChannelDiff(out.at(274, 168), grey) <= 1);

  n.values[size_t(scene::Prop::KeyInvert)] = true;
  Image inv = test::render(oneToOne(384, 224, backdrop, n), 0, 0);
  CHECK(maxChannelDiff(inv.at(110, 168), back) <= 1);
  const uint8_t black[4] = {0, 0, 0, 255};
  CHECK(maxChannelDiff(inv.at(20, 200), black) <= 1);
}

TEST_CASE("masks: luminance levels and alpha become coverage, inverted on request",
          "[gpu][keying][mask]") {
  // White over black through the bar mask: a level L keeps L/255 of the layer,
  // which composites in linear light to the sRGB encoding of L/255.
  scene::Node n = scene::makeNode(scene::NodeKind::Solid, "white");
  n.values[size_t(scene::Prop::Size)] = scene::Vec2{256, 256};
  n.values[size_t(scene::Prop::Fill)] = scene::Color{255, 255, 255, 255};
  n.values[size_t(scene::Prop::Mask)] = std::string("maskbars.png");
  n.values[size_t(scene::Prop::MaskMode)] = int64_t(scene::MaskMode::Luminance);
  auto expected = [](double keep) {
    keep = std::clamp(keep, 0.0, 1.0);
    double s = keep <= 0.0031308 ? keep * 12.92 : 1.055 * std::pow(keep, 1 / 2.4) - 0.055;
    return int(std::lround(s * 255));
  };
  for (bool invert : {false, true}) {
    n.values[size_t(scene::Prop::MaskInvert)] = invert;
    Image out = test::render(oneToOne(256, 256, {0, 0, 0, 255}, n), 0, 0);
    const uint8_t levels[5] = {0, 64, 128, 192, 255};
    for (int b = 0; b < 5; ++b) {
      uint32_t x = uint32_t(b * 256 / 5 + 25);
      double keep = levels[b] / 255.0;
      if (invert) keep = 1 - keep;
      INFO("bar " << b << (invert ? " inverted" : ""));
      CHECK(std::abs(int(out.at(x, 64)[0]) - expected(keep)) <= 1);
    }
  }
  // Alpha mode with the disc: centre kept, corners show the backdrop.
  n.values[size_t(scene::Prop::Mask)] = std::string("disc.png");
  n.values[size_t(scene::Prop::MaskMode)] = int64_t(scene::MaskMode::Alpha);
  n.values[size_t(scene::Prop::MaskInvert)] = false;
  Image disc = test::render(oneToOne(256, 256, {0, 0, 0, 255}, n), 0, 0);
  CHECK(int(disc.at(128, 128)[0]) == 255);
  CHECK(int(disc.at(4, 4)[0]) == 0);
}

// A video picture that covers whole tiles alone would take the copy fast path
// (texels copied as they are); keyed, it must not: the screen half has to
// show the backdrop. 4:2:0 planar, BT.601 limited range (untagged, under 720
// lines): left half studio green, right half mid grey.
TEST_CASE("chroma key on a video layer: full-tile pictures are keyed, not copied",
          "[gpu][keying][video]") {
  constexpr int w = 128, h = 64;
  std::vector<uint8_t> luma(size_t(w) * h), cb(size_t(w / 2) * (h / 2)), cr(cb.size());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) luma[size_t(y) * w + x] = x < w / 2 ? 120 : 126;
  for (int y = 0; y < h / 2; ++y) {
    for (int x = 0; x < w / 2; ++x) {
      bool green = x < w / 4;
      cb[size_t(y) * (w / 2) + x] = green ? 78 : 128;
      cr[size_t(y) * (w / 2) + x] = green ? 72 : 128;
    }
  }
  media::VideoFrame frame;
  media::PictureFormat& f = frame.format;
  f.width = w;
  f.height = h;
  f.layout = media::PlaneLayout::Planar;
  f.chromaShiftX = f.chromaShiftY = 1;
  frame.data[0] = luma.data();
  frame.data[1] = cb.data();
  frame.data[2] = cr.data();
  frame.linesize[0] = w;
  frame.linesize[1] = frame.linesize[2] = w / 2;
  frame.planeRows[0] = h;
  frame.planeRows[1] = frame.planeRows[2] = h / 2;
  frame.serial = 1;
  render::VideoFrames videos;
  videos.emplace("camera", frame);

  scene::Node n = scene::makeNode(scene::NodeKind::Video, "camera");
  n.values[size_t(scene::Prop::Url)] = std::string("builtin:camera");
  n.values[size_t(scene::Prop::Size)] = scene::Vec2{double(w), double(h)};
  const scene::Color backdrop{200, 30, 30, 255};
  scene::Scene s = oneToOne(w, h, backdrop, n);
  Image plain = test::render(s, 0, 0, 0, videos);
  s.nodes[0].values[size_t(scene::Prop::Key)] = int64_t(scene::Key::Chroma);
  Image keyed = test::render(s, 0, 0, 0, videos);
  const uint8_t back[4] = {200, 30, 30, 255};
  // Unkeyed: the green shows (green dominates); keyed: the backdrop does.
  const uint8_t* g = plain.at(16, 40);
  INFO("unkeyed screen pixel " << int(g[0]) << "," << int(g[1]) << "," << int(g[2]));
  CHECK(int(g[1]) > std::max(g[0], g[2]) + 40);
  CHECK(maxChannelDiff(keyed.at(16, 40), back) <= 1);
  // The grey half is kept as it was.
  CHECK(maxChannelDiff(keyed.at(100, 40), plain.at(100, 40)) <= 1);
}
