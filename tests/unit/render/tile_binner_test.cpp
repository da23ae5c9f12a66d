// Frame planning and tile binning, on the CPU: what each tile of the composite
// shades, and which work the tile classes can skip.
#include "render/tile_binner.h"

#include <catch2/catch.hpp>
#include <map>

#include "render/frame_plan.h"
#include "render/tile_classes.h"
#include "scene/scene.h"

namespace {

using namespace mq;

// Textures without a GPU: sizes only.
class FakeTextures : public render::TextureProvider {
 public:
  render::TextureInfo image(const scene::Node&) override {
    render::TextureInfo t;
    t.width = t.height = 100;
    t.naturalWidth = t.naturalHeight = 100;
    t.opaque = true;
    return t;
  }
  render::TextureInfo text(const scene::Node& n, double) override {
    render::TextureInfo t;
    if (n.id.ends_with(".slate")) t.naturalWidth = t.naturalHeight = t.width = t.height = 10;
    return t;
  }
  render::TextureInfo gradient(const scene::Node&) override { return {}; }
  render::TextureInfo resampledImage(const scene::Node& n, uint32_t width,
                                     uint32_t height) override {
    render::TextureInfo t = image(n);
    t.id = 9;
    t.width = width;
    t.height = height;
    return t;
  }
  render::TextureInfo mask(const scene::Node&) override {
    render::TextureInfo t;
    t.id = 7;
    t.width = t.height = 64;
    return t;
  }
  std::optional<render::TextureInfo> video(const scene::Node& n) override {
    if (n.id != "live") return std::nullopt;  // every other video has lost its signal
    render::TextureInfo t;
    t.width = 160;
    t.height = 90;
    t.naturalWidth = 160;
    t.naturalHeight = 90;
    t.opaque = true;
    return t;
  }
};

scene::Scene sceneWith(std::vector<scene::Node> nodes) {
  scene::Scene s;
  s.canvas.width = 256;
  s.canvas.height = 128;
  s.nodes = std::move(nodes);
  return s;
}

scene::Node solid(const char* id, double x, double y, double w, double h, scene::Color c) {
  scene::Node n = scene::makeNode(scene::NodeKind::Solid, id);
  n.values[size_t(scene::Prop::Position)] = scene::Vec2{x, y};
  n.values[size_t(scene::Prop::Size)] = scene::Vec2{w, h};
  n.values[size_t(scene::Prop::Fill)] = c;
  return n;
}

std::vector<uint32_t> tileEntries(const render::TileBins& b, uint32_t tx, uint32_t ty) {
  size_t t = size_t(ty) * b.tilesX + tx;
  return {b.indices.begin() + b.ranges[2 * t],
          b.indices.begin() + b.ranges[2 * t] + b.ranges[2 * t + 1]};
}

}  // namespace

TEST_CASE("an opaque full-canvas layer hides everything below it", "[render]") {
  FakeTextures tex;
  auto s = sceneWith({solid("small", 10, 10, 20, 20, {255, 0, 0, 255}),
                      solid("full", 0, 0, 256, 128, {0, 0, 255, 255})});
  auto plan = render::buildFramePlan(s, 0, 256, 128, tex);
  REQUIRE(plan.main.layers.size() == 2);
  auto bins = render::binTiles(plan.main);
  REQUIRE(bins.tilesX == 8);
  REQUIRE(bins.tilesY == 8);
  for (uint32_t ty = 0; ty < bins.tilesY; ++ty) {
    for (uint32_t tx = 0; tx < bins.tilesX; ++tx) {
      auto e = tileEntries(bins, tx, ty);
      REQUIRE(e.size() == 1);
      CHECK(e[0] == (1u | render::kEntryInterior));
    }
  }
}

TEST_CASE("translucent and rounded layers keep what is below and mark edges", "[render]") {
  FakeTextures tex;
  auto top = solid("rounded", 0, 0, 256, 128, {0, 0, 255, 255});
  top.values[size_t(scene::Prop::CornerRadius)] = 20.0;
  auto s = sceneWith({solid("below", 0, 0, 256, 128, {255, 0, 0, 255}), top});
  auto plan = render::buildFramePlan(s, 0, 256, 128, tex);
  auto bins = render::binTiles(plan.main);
  // The corner tile has the rounded corner in it: both layers, top not interior.
  auto corner = tileEntries(bins, 0, 0);
  REQUIRE(corner.size() == 2);
  CHECK((corner[1] & ~render::kEntryInterior) == 1u);
  CHECK((corner[1] & render::kEntryInterior) == 0u);
  // A central tile is inside the rounded layer's interior: only it is shaded.
  auto centre = tileEntries(bins, 4, 4);
  REQUIRE(centre.size() == 1);
  CHECK(centre[0] == (1u | render::kEntryInterior));

  // Half-transparent: the layer below stays in every tile.
  auto s2 = sceneWith({solid("below", 0, 0, 256, 128, {255, 0, 0, 255}),
                       solid("glass", 0, 0, 256, 128, {0, 0, 255, 128})});
  auto bins2 = render::binTiles(render::buildFramePlan(s2, 0, 256, 128, tex).main);
  CHECK(tileEntries(bins2, 3, 3).size() == 2);
}

TEST_CASE("layers only land in the tiles they touch, shadows included", "[render]") {
  FakeTextures tex;
  auto box = solid("box", 100, 40, 20, 20, {255, 255, 255, 255});
  auto s = sceneWith({box});
  auto bins = render::binTiles(render::buildFramePlan(s, 0, 256, 128, tex).main);
  CHECK(tileEntries(bins, 0, 0).empty());
  CHECK(tileEntries(bins, 3, 2).size() == 1);  // x 96..128, y 32..48
  CHECK(tileEntries(bins, 7, 7).empty());

  box.values[size_t(scene::Prop::ShadowColor)] = scene::Color{0, 0, 0, 128};
  box.values[size_t(scene::Prop::ShadowOffset)] = scene::Vec2{60, 40};
  box.values[size_t(scene::Prop::ShadowBlur)] = 4.0;
  auto bins2 = render::binTiles(render::buildFramePlan(sceneWith({box}), 0, 256, 128, tex).main);
  CHECK(tileEntries(bins2, 5, 5).size() == 1);  // the shadow's tile: x 160..192, y 80..96
  // Past its box only the layer's shadow shows there: the shader skips the rest.
  CHECK(tileEntries(bins2, 5, 5)[0] == (0u | render::kEntryShadowOnly));
  CHECK(tileEntries(bins2, 3, 2)[0] == 0u);  // the box's own tile: everything
}

TEST_CASE("the box bounds reach as far as a squeezed layer's antialiased edge", "[render]") {
  FakeTextures tex;
  // 20 local units wide, shown 80 pixels wide and 5 high: the edge's ramp is
  // clamp(0.5 - d / pix) with pix = sqrt(0.25 * 4) = 1 local unit per pixel,
  // and a pixel spans only 0.25 local units across: coverage reaches 2 pixels
  // past the box's sides.
  auto box = solid("box", 100, 60, 20, 20, {255, 255, 255, 255});
  box.values[size_t(scene::Prop::Scale)] = scene::Vec2{4.0, 0.25};
  auto layer = render::buildFramePlan(sceneWith({box}), 0, 256, 128, tex).main.layers.at(0);
  std::array<float, 4> b = render::boxBounds(layer);
  double x0 = 100, x1 = 100 + 80;  // the anchor is the top-left corner
  CHECK(b[0] <= x0 - 2);
  CHECK(b[2] >= x1 + 2);
  CHECK(b[0] >= x0 - 3);
  CHECK(b[2] <= x1 + 3);
}

TEST_CASE("output scaling keeps the layout", "[render]") {
  FakeTextures tex;
  auto s = sceneWith({solid("box", 64, 32, 128, 64, {255, 255, 255, 255})});
  auto full = render::buildFramePlan(s, 0, 256, 128, tex).main.layers.at(0);
  auto half = render::buildFramePlan(s, 0, 128, 64, tex).main.layers.at(0);
  // Same box in local units; output pixels map to twice the local distance.
  CHECK(full.gpu.box == half.gpu.box);
  CHECK(half.gpu.inv0[0] == Approx(2 * full.gpu.inv0[0]));
  CHECK(half.bounds[0] == Approx(full.bounds[0] / 2).margin(1));
}

TEST_CASE("isolated groups become a texture layer drawn from their own draw list", "[render]") {
  FakeTextures tex;
  auto g = scene::makeNode(scene::NodeKind::Group, "g");
  g.values[size_t(scene::Prop::Size)] = scene::Vec2{100, 50};
  g.children.push_back(solid("a", 0, 0, 60, 50, {255, 0, 0, 255}));
  g.children.push_back(solid("b", 40, 0, 60, 50, {0, 255, 0, 255}));
  // Pass-through: the children are drawn straight into the frame.
  auto pass = render::buildFramePlan(sceneWith({g}), 0, 256, 128, tex);
  CHECK(pass.groups.empty());
  CHECK(pass.main.layers.size() == 2);
  // Opacity below 1 isolates it.
  g.values[size_t(scene::Prop::Opacity)] = 0.5;
  auto iso = render::buildFramePlan(sceneWith({g}), 0, 256, 128, tex);
  REQUIRE(iso.groups.size() == 1);
  CHECK(iso.groups[0].layers.size() == 2);
  CHECK(iso.groups[0].width == 100);
  CHECK(iso.groups[0].height == 50);
  REQUIRE(iso.main.layers.size() == 1);
  CHECK(iso.main.layers[0].source == render::DrawLayer::Source::Group);
  CHECK(iso.main.layers[0].gpu.shape[3] == Approx(0.5));
}

TEST_CASE("frame plan: a video with a picture is a texture layer; one without shows its slate",
          "[render][plan]") {
  FakeTextures tex;
  auto live = scene::makeNode(scene::NodeKind::Video, "live");
  live.values[size_t(scene::Prop::Size)] = scene::Vec2{320, 180};
  auto lost = scene::makeNode(scene::NodeKind::Video, "lost");
  lost.values[size_t(scene::Prop::Size)] = scene::Vec2{320, 180};
  lost.values[size_t(scene::Prop::Position)] = scene::Vec2{0, 200};
  auto sound = scene::makeNode(scene::NodeKind::Sound, "bed");
  auto s = sceneWith({live, lost, sound});
  auto plan = render::buildFramePlan(s, 0, 640, 480, tex);
  // live: one texture layer; lost: slate box + message; sound: nothing.
  REQUIRE(plan.main.layers.size() == 3);
  CHECK(plan.main.layers[0].nodeId == "live");
  CHECK(plan.main.layers[0].gpu.info[0] == render::kKindTexture);
  CHECK(plan.main.layers[1].nodeId == "lost");
  CHECK(plan.main.layers[1].gpu.info[0] == render::kKindSolid);
  CHECK(plan.main.layers[2].nodeId == "lost.slate");
  CHECK(render::slateMessage(lost) == "lost\nSIGNAL LOST · RECONNECTING");
  lost.values[size_t(scene::Prop::SlateText)] = std::string("BRB");
  CHECK(render::slateMessage(lost) == "BRB");
}

TEST_CASE("keyed and masked layers are not opaque: what is below stays", "[render][keying]") {
  FakeTextures tex;
  auto image = [](const char* id) {
    scene::Node n = scene::makeNode(scene::NodeKind::Image, id);
    n.values[size_t(scene::Prop::Source)] = std::string("opaque.png");
    n.values[size_t(scene::Prop::Size)] = scene::Vec2{256, 128};
    return n;
  };
  scene::Node plain = image("plain");
  scene::Node chroma = image("chroma");
  chroma.values[size_t(scene::Prop::Key)] = int64_t(scene::Key::Chroma);
  scene::Node luma = image("luma");
  luma.values[size_t(scene::Prop::Key)] = int64_t(scene::Key::Luma);
  luma.values[size_t(scene::Prop::KeyInvert)] = true;
  scene::Node masked = solid("masked", 0, 0, 256, 128, {0, 0, 255, 255});
  masked.values[size_t(scene::Prop::Mask)] = std::string("mask.png");
  masked.values[size_t(scene::Prop::MaskMode)] = int64_t(scene::MaskMode::Luminance);

  auto below = solid("below", 0, 0, 256, 128, {255, 0, 0, 255});
  // An ordinary opaque image hides the layer below in its interior tiles.
  auto plainPlan = render::buildFramePlan(sceneWith({below, plain}), 0, 256, 128, tex);
  CHECK(plainPlan.main.layers[1].opaque);
  CHECK(plainPlan.main.layers[1].gpu.info[2] == 0u);
  CHECK(tileEntries(render::binTiles(plainPlan.main), 4, 4).size() == 1);

  for (const scene::Node& top : {chroma, luma, masked}) {
    INFO(top.id);
    auto plan = render::buildFramePlan(sceneWith({below, top}), 0, 256, 128, tex);
    REQUIRE(plan.main.layers.size() == 2);
    const render::DrawLayer& l = plan.main.layers[1];
    CHECK_FALSE(l.opaque);
    CHECK(tileEntries(render::binTiles(plan.main), 4, 4).size() == 2);
    uint32_t flags = l.gpu.info[2];
    if (top.id == "chroma") {
      CHECK((flags & render::kFlagChromaKey) != 0u);
      CHECK((flags & render::kFlagShadowFromAlpha) != 0u);  // the shadow follows the key
      // Green key: Cb, Cr of sRGB (0, 1, 0) in BT.709; spill clips green.
      CHECK(l.gpu.key[0] == Approx(-0.7152 / 1.8556));
      CHECK(l.gpu.key[1] == Approx(-0.7152 / 1.5748));
      CHECK(l.gpu.key[2] == Approx(0.4));
      CHECK(l.gpu.keySpill == std::array<float, 4>{0, 1, 0, 1});
    } else if (top.id == "luma") {
      CHECK((flags & render::kFlagLumaKey) != 0u);
      CHECK((flags & render::kFlagKeyInvert) != 0u);
      CHECK(l.gpu.key[0] == Approx(0.1));
    } else {
      CHECK(flags == (render::kFlagMask | render::kFlagMaskLuminance));
      CHECK(l.maskTexture == 7u);
      CHECK(l.maskUvMap == std::array<double, 4>{1.0 / 256, 1.0 / 128, 0, 0});
      CHECK(l.maskLod == Approx(0.0));  // 64 mask texels over 256 px: magnified
    }
  }
}

TEST_CASE("a feathered crop edge is no interior within its ramp", "[render]") {
  FakeTextures tex;
  // Tiles are 32 px wide: the crop edge at x = 160 (right inset 96) with a
  // 40 px ramp reaches into tiles 3 (96..128) and 4 (128..160); tile 2 is
  // clear of it.
  auto top = solid("wiped", 0, 0, 256, 128, {0, 0, 255, 255});
  top.values[size_t(scene::Prop::Crop)] = scene::Insets{0, 0, 96, 0};
  top.values[size_t(scene::Prop::CropSoftness)] = 40.0;
  auto s = sceneWith({solid("below", 0, 0, 256, 128, {255, 0, 0, 255}), top});
  auto plan = render::buildFramePlan(s, 0, 256, 128, tex);
  REQUIRE(plan.main.layers.size() == 2);
  const render::GpuLayer& g = plan.main.layers[1].gpu;
  // Only the cropped side is feathered (1 / width), the others stay hard.
  CHECK(g.feather[0] == 0.f);
  CHECK(g.feather[1] == 0.f);
  CHECK(g.feather[2] == Approx(1.0 / 40));
  CHECK(g.feather[3] == 0.f);
  auto bins = render::binTiles(plan.main);
  CHECK(tileEntries(bins, 2, 2) == std::vector<uint32_t>{1u | render::kEntryInterior});
  for (uint32_t tx : {3u, 4u}) {
    auto e = tileEntries(bins, tx, 2);
    REQUIRE(e.size() == 2);  // what is below shows through the ramp
    CHECK(e[1] == 1u);
  }

  // The ramp is never wider than the crop: an edge nearly uncropped is nearly hard.
  top.values[size_t(scene::Prop::Crop)] = scene::Insets{0, 0, 8, 0};
  auto s2 = sceneWith({top});
  const render::GpuLayer& g2 = render::buildFramePlan(s2, 0, 256, 128, tex).main.layers[0].gpu;
  CHECK(g2.feather[2] == Approx(1.0 / 8));

  // Without softness nothing changes.
  top.values[size_t(scene::Prop::CropSoftness)] = 0.0;
  auto s3 = sceneWith({top});
  const render::GpuLayer& g3 = render::buildFramePlan(s3, 0, 256, 128, tex).main.layers[0].gpu;
  CHECK(g3.feather == std::array<float, 4>{0, 0, 0, 0});
}

TEST_CASE("tiles past the output's last row are covered by what covers their pixels inside",
          "[render]") {
  FakeTextures tex;
  // 120 rows: the last row of tiles (112..128) has 8 rows of pixels in the output.
  auto s = sceneWith({solid("small", 10, 10, 20, 20, {255, 0, 0, 255}),
                      solid("full", 0, 0, 256, 120, {0, 0, 255, 255})});
  s.canvas.height = 120;
  auto bins = render::binTiles(render::buildFramePlan(s, 0, 256, 120, tex).main);
  REQUIRE(bins.tilesY == 8);
  for (uint32_t tx = 0; tx < bins.tilesX; ++tx) {
    auto e = tileEntries(bins, tx, 7);
    REQUIRE(e.size() == 1);
    CHECK(e[0] == (1u | render::kEntryInterior));
  }
}

namespace {

scene::Node photo(const char* id, double x, double y, double w, double h) {
  scene::Node n = scene::makeNode(scene::NodeKind::Image, id);
  n.values[size_t(scene::Prop::Source)] = std::string("photo.png");
  n.values[size_t(scene::Prop::Position)] = scene::Vec2{x, y};
  n.values[size_t(scene::Prop::Size)] = scene::Vec2{w, h};
  return n;
}

// The texture the scene's only layer samples at 256x128 output (FakeTextures:
// 0 the image as stored, 9 a copy resampled to the size it is shown at).
uint32_t sampledTexture(const scene::Scene& s, uint32_t width = 256, uint32_t height = 128) {
  FakeTextures tex;
  auto plan = render::buildFramePlan(s, 0, width, height, tex);
  REQUIRE(plan.main.layers.size() == 1);
  return plan.main.layers[0].texture;
}

}  // namespace

TEST_CASE("a still picture shown smaller on whole pixels samples a copy of its shown size",
          "[render]") {
  FakeTextures tex;
  // The 100x100 picture at 50x50: a resampled copy, sampled at level 0.
  auto s = sceneWith({photo("p", 10, 20, 50, 40)});
  auto plan = render::buildFramePlan(s, 0, 256, 128, tex);
  const render::DrawLayer& l = plan.main.layers.at(0);
  CHECK(l.texture == 9);
  CHECK(l.contentLod == 0);
  // Output scaling shrinks it as well: 100x100 at half the canvas is 50x50.
  CHECK(sampledTexture(sceneWith({photo("p", 0, 0, 100, 100)}), 128, 64) == 9);

  // Not where the copy could not be sampled texel for pixel, or would be
  // made anew every frame.
  CHECK(sampledTexture(sceneWith({photo("p", 10.5, 20, 50, 40)})) == 0);  // between pixels
  CHECK(sampledTexture(sceneWith({photo("p", 10, 20, 50.5, 40)})) == 0);
  CHECK(sampledTexture(sceneWith({photo("p", 10, 20, 120, 40)})) == 0);   // wider than stored
  CHECK(sampledTexture(sceneWith({photo("p", 10, 20, 100, 100)})) == 0);  // as stored
  auto rotated = photo("p", 10, 20, 50, 40);
  rotated.values[size_t(scene::Prop::Rotation)] = 10.0;
  CHECK(sampledTexture(sceneWith({rotated})) == 0);

  auto animated = sceneWith({photo("p", 10, 20, 50, 40)});
  scene::Clip clip;
  clip.id = "grow";
  clip.tracks.push_back({"p", scene::Prop::Scale, {}});
  animated.clips.push_back(clip);
  CHECK(sampledTexture(animated) == 0);
  // A track on something else of it (its opacity) does not move it.
  animated.clips[0].tracks[0].property = scene::Prop::Opacity;
  CHECK(sampledTexture(animated) == 9);

  // Inside a group that moves.
  scene::Node group = scene::makeNode(scene::NodeKind::Group, "g");
  group.children.push_back(photo("p", 10, 20, 50, 40));
  auto inGroup = sceneWith({group});
  CHECK(sampledTexture(inGroup) == 9);
  inGroup.clips.push_back(clip);
  inGroup.clips[0].tracks[0] = {"g", scene::Prop::Position, {}};
  CHECK(sampledTexture(inGroup) == 0);

  // Placed by live data.
  auto bound = photo("p", 10, 20, 50, 40);
  scene::PropertyBinding b;
  b.property = scene::Prop::Size;
  bound.bindings.push_back(b);
  CHECK(sampledTexture(sceneWith({bound})) == 0);
}

TEST_CASE("classes of a few tiles are drawn by a larger class that covers their features",
          "[render]") {
  using render::kFeatureBase, render::kFeatureCopy, render::kFeatureEdges, render::kFeatureGradient,
      render::kFeatureTextured, render::kFewTiles;
  const uint32_t baseGrad = kFeatureBase | kFeatureGradient;
  const uint32_t baseGradEdges = baseGrad | kFeatureEdges;
  const uint32_t baseGradEdgesTex = baseGradEdges | kFeatureTextured;
  const uint32_t baseTex = kFeatureBase | kFeatureTextured;
  std::map<uint32_t, size_t> tiles;
  tiles[kFeatureCopy] = 500;
  tiles[baseGrad] = 3;                         // few: by baseGradEdges (the fewest extra features)
  tiles[baseGradEdges] = kFewTiles;            // just enough to draw its own
  tiles[baseGradEdgesTex] = 40;                // its own
  tiles[kFeatureEdges] = 5;                    // no base: nothing covers it, its own
  tiles[baseTex] = 2;                          // covered by baseGradEdgesTex only
  tiles[kFeatureCopy | kFeatureTextured] = 1;  // copy tiles stay apart
  std::map<uint32_t, uint32_t> by = render::pipelineClasses(tiles);
  CHECK(by.size() == tiles.size());
  CHECK(by.at(kFeatureCopy) == kFeatureCopy);
  CHECK(by.at(baseGrad) == baseGradEdges);
  CHECK(by.at(baseGradEdges) == baseGradEdges);
  CHECK(by.at(baseGradEdgesTex) == baseGradEdgesTex);
  CHECK(by.at(kFeatureEdges) == kFeatureEdges);
  CHECK(by.at(baseTex) == baseGradEdgesTex);
  CHECK(by.at(kFeatureCopy | kFeatureTextured) == (kFeatureCopy | kFeatureTextured));

  // Copy tiles are never merged, either way; base and non-base never mix.
  CHECK_FALSE(render::classCovers(kFeatureCopy | kFeatureTextured, kFeatureCopy));
  CHECK_FALSE(render::classCovers(baseGradEdgesTex, kFeatureTextured));
  CHECK_FALSE(render::classCovers(kFeatureTextured | kFeatureEdges, kFeatureBase));
  CHECK(render::classCovers(baseGradEdgesTex, kFeatureBase));
}

TEST_CASE("a box on pixel edges only lands in the tiles it covers", "[render]") {
  FakeTextures tex;
  // y 96..112 is exactly tile row 6: a pixel centre outside it is half a
  // pixel away, where the edge's coverage is 0, so rows 5 and 7 stay empty.
  auto bar = solid("bar", 0, 96, 256, 16, {255, 255, 255, 255});
  auto bins = render::binTiles(render::buildFramePlan(sceneWith({bar}), 0, 256, 128, tex).main);
  CHECK(tileEntries(bins, 3, 6).size() == 1);
  CHECK(tileEntries(bins, 3, 5).empty());
  CHECK(tileEntries(bins, 3, 7).empty());
  // Off the pixel grid, or turned, its antialiased edge reaches the next row.
  auto between = solid("bar", 0, 96.5, 256, 16, {255, 255, 255, 255});
  auto bins2 =
      render::binTiles(render::buildFramePlan(sceneWith({between}), 0, 256, 128, tex).main);
  CHECK(tileEntries(bins2, 3, 7).size() == 1);
  auto turned = bar;
  turned.values[size_t(scene::Prop::Rotation)] = 0.01;
  auto bins3 = render::binTiles(render::buildFramePlan(sceneWith({turned}), 0, 256, 128, tex).main);
  CHECK(tileEntries(bins3, 3, 5).size() == 1);
}
