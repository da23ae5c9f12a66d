// A long show keeps changing texts (a countdown's seconds, a counter rolling
// up, new comments) and sizes (an isolated group pulsing in scale): the atlas
// must reuse the space of what no frame shows any more instead of growing
// until it is full, and frames drawn in reused space must be exactly the
// frames a fresh compositor draws.
#include <catch2/catch.hpp>

#include "golden.h"
#include "render/compositor.h"
#include "scene/scene.h"

using namespace mq;
using namespace mq::test;

TEST_CASE("atlas: texts no frame shows and resized groups give their space back", "[gpu][atlas]") {
  scene::Scene s = scene::parseScene(R"({"format": "marquee.scene/1",
    "canvas": {"width": 640, "height": 360, "fps": 30, "background": "#202030"},
    "nodes": [
      {"id": "sold", "kind": "stock_counter", "position": [20, 20], "title": "SOLD",
       "low_threshold": -1},
      {"id": "pulse", "kind": "group", "position": [420, 200], "opacity": 0.8,
       "anchor": [0.5, 0.5], "size": [160, 100], "children": [
         {"id": "pill", "kind": "solid", "size": [160, 100], "color": "#e91e63",
          "corner_radius": 50}]}],
    "clips": [{"id": "beat", "duration": 1, "loop": true, "autoplay": true, "tracks": [
      {"node": "pulse", "property": "scale",
       "keys": [{"time": 0, "value": [1, 1], "ease": "in-out-sine"},
                {"time": 0.5, "value": [1.6, 1.6], "ease": "in-out-sine"},
                {"time": 1, "value": [1, 1]}]}]}]})",
                                     "/tmp/atlas.json");
  gpu::Device& device = sharedDevice();
  const uint64_t before = device.validationMessages();
  auto counter = [](int64_t n) {
    return scene::PropertyOverrides{{"sold", scene::Prop::Value, double(1000 + 7 * n)}};
  };
  const int64_t kFrames = 600;
  Image last;
  size_t maxLive = 0;
  uint32_t heightAtHalf = 0, heightAtEnd = 0;
  {
    render::Compositor comp(device, s, {320, 180, render::OutputFormat::Rgba8});
    for (int64_t n = 0; n < kFrames; ++n) {
      // A new number every frame: 600 texts, each shown once.
      comp.setPropertyOverrides(counter(n));
      render::FrameOutput f = comp.wait(comp.submit(double(n) / 30));
      if (n == kFrames - 1) last = imageOf(f);
      maxLive = std::max(maxLive, comp.liveTextures());
      if (n == kFrames / 2) heightAtHalf = comp.atlasHeight();
    }
    heightAtEnd = comp.atlasHeight();
  }
  REQUIRE(device.validationMessages() == before);
  // Texts unshown for 150 frames are dropped (checked every 30 frames): about
  // 180 stay in the atlas, not 600.
  INFO("most textures held at once: " << maxLive);
  CHECK(maxLive <= 200);
  CHECK(heightAtEnd == heightAtHalf);

  // The last frame, drawn in reused space, is the frame a fresh compositor
  // draws for the same show time and value. Texels at other atlas
  // coordinates may round a sample one level differently; a stale texel
  // left in reused space would differ by far more.
  render::Compositor fresh(device, s, {320, 180, render::OutputFormat::Rgba8});
  fresh.setPropertyOverrides(counter(kFrames - 1));
  Image expected = imageOf(fresh.wait(fresh.submit(double(kFrames - 1) / 30)));
  DiffStats d = compare(expected, last, 1);
  INFO("max difference " << d.maxDiff << " levels, " << d.outOfTolerance << " pixels beyond 1");
  CHECK(d.maxDiff <= 1);
  REQUIRE(device.validationMessages() == before);
}
