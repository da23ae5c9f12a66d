// Golden images of the show-graphic widgets in their states (counters normal,
// low and sold out; progress partial and full; countdowns before and at zero;
// a ticker at several scroll positions; an L-bar squeezing in), and a numeric
// check that data bindings reach the pixels.
#include <catch2/catch.hpp>
#include <cstring>

#include "golden.h"
#include "render/compositor.h"
#include "runtime/show_data.h"
#include "scene/scene.h"

using namespace mq;
using namespace mq::test;

namespace {

// The widget scenes use the product and camera pictures every show has.
void copyAssets() {
  for (const char* name :
       {"studio_backdrop.jpg", "product_sneaker.png", "camera_placeholder.jpg"}) {
    copyIntoWorkDir(fs::path(MARQUEE_SOURCE_DIR) / "assets/images" / name);
  }
}

}  // namespace

TEST_CASE("golden widgets_graphics: lower third, product card, stock counters, progress bars",
          "[gpu][golden][widgets]") {
  copyAssets();
  checkGoldenSceneAt("widgets_graphics", Orientation::Landscape, 0);
}

TEST_CASE("golden widgets_time: countdowns before and at zero, ticker scrolling",
          "[gpu][golden][widgets]") {
  copyAssets();
  // 0 s: 0:10 and 0:05; 4.5 s: 0:06 and 0:01 (rounded up), the ticker 900 px
  // on; 10 s: both at zero, the ticker past its first loop.
  for (double t : {0.0, 4.5, 10.0}) {
    DYNAMIC_SECTION("t = " << t) {
      checkGoldenSceneAt("widgets_time", Orientation::Landscape, t);
    }
  }
}

TEST_CASE("golden widgets_lbar: the camera squeezed by an L-bar with product and price",
          "[gpu][golden][widgets]") {
  copyAssets();
  for (double t : {0.5, 1.0}) {
    DYNAMIC_SECTION("t = " << t) {
      checkGoldenSceneAt("widgets_lbar", Orientation::Landscape, t);
    }
  }
}

// A bar whose width and colour follow data: width linear in "sold" (0..100 ->
// 0..800 px), colour by steps of "stock". Rendered through ShowData as the
// CLI renders, and measured in pixels.
TEST_CASE("data bindings drive a node's size and colour on the GPU", "[gpu][binding]") {
  scene::Scene s = scene::parseScene(R"({"format": "marquee.scene/1",
    "canvas": {"width": 960, "height": 120, "fps": 30, "background": "#000000"},
    "data": {"sold": 25, "stock": 4},
    "nodes": [{"id": "bar", "kind": "solid", "position": [80, 40], "size": [10, 40],
      "color": "#ffffff", "bindings": {
        "size": {"source": "sold", "from": [0, 100], "to": [[0, 40], [800, 40]]},
        "color": {"source": "stock", "steps": [[0, "#ff0000"], [10, "#00ff00"]]}}}]})",
                                     workDir() / "binding.json");
  runtime::ShowData data(s, std::nullopt);
  data.frame(0, 0, s, nullptr);
  gpu::Device& device = sharedDevice();
  uint64_t before = device.validationMessages();
  std::vector<uint8_t> rgba;
  uint32_t stride = 0;
  {
    render::Compositor comp(device, s, {960, 120, render::OutputFormat::Rgba8});
    comp.setPropertyOverrides(data.overrides());
    render::FrameOutput f = comp.wait(comp.submit(0));
    rgba.assign(f.bytes.begin(), f.bytes.end());
    stride = f.stride;
  }
  REQUIRE(device.validationMessages() == before);
  auto at = [&](uint32_t x, uint32_t y) { return &rgba[(size_t(y) * stride + x) * 4]; };
  // 25 sold: 200 px wide, from x = 80 to 280; 4 in stock: red.
  CHECK(at(90, 60)[0] == 255);
  CHECK(at(90, 60)[1] == 0);
  CHECK(at(275, 60)[0] == 255);
  CHECK(at(285, 60)[0] == 0);
  CHECK(at(285, 60)[1] == 0);
}
