// Golden images of the sample shows in scenes/ (one per show format), rendered
// as `marquee still` renders them: the scene file itself with its bundled
// assets, the built-in camera (deterministic: a test pattern and a running
// clock), the scene's data, a data feed where the show has one, and its rules
// evaluated on every frame from 0. Renders are at a quarter of the canvas
// (270x480 or 480x270) so each takes well under a second on lavapipe.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>

#include "golden.h"
#include "render/compositor.h"
#include "runtime/show_data.h"
#include "runtime/show_media.h"
#include "scene/property_json.h"
#include "scene/scene.h"

using namespace mq;
using namespace mq::test;

namespace {

// Renders scenes/NAME.json at show time `time` (fed scenes/data/FEED if given)
// and checks it against tests/golden/show-NAME-<time>s.png.
void checkShow(const std::string& name, double time, const char* feed = nullptr) {
  const fs::path root = MARQUEE_SOURCE_DIR;
  scene::Scene s = scene::loadScene(root / "scenes" / (name + ".json"));
  const bool vertical = s.canvas.height > s.canvas.width;
  const uint32_t w = vertical ? kGoldenShort : kGoldenLong;
  const uint32_t h = vertical ? kGoldenLong : kGoldenShort;
  runtime::ShowMedia media(s, s.canvas.fps, {});
  std::optional<fs::path> feedPath;
  if (feed) feedPath = root / "scenes/data" / feed;
  runtime::ShowData data(s, feedPath);
  const double fps = s.canvas.fps.toDouble();
  const int64_t frameIndex = std::llround(time * fps);
  for (int64_t k = 0; k <= frameIndex && !data.empty(); ++k)
    data.frame(k == frameIndex ? time : double(k) / fps, k, s, nullptr);

  gpu::Device& device = sharedDevice();
  uint64_t before = device.validationMessages();
  Image img;
  {
    render::Compositor comp(device, s, {w, h, render::OutputFormat::Rgba8});
    comp.setPropertyOverrides(data.overrides());
    img = imageOf(comp.wait(comp.submit(time, media.videoFrames(frameIndex))));
  }
  INFO("Vulkan validation messages are printed above");
  REQUIRE(device.validationMessages() == before);
  checkGolden("show-" + name + "-" + scene::formatNumber(time) + "s", img);
}

}  // namespace

// The milestone rule fires at 4 s in the sample feed (50 380 viewers): at
// 4.5 s the reveal is under way (flash fading, colorway card popping in,
// sticker burst flying out), at 6 s it has settled; sales have counted up.
TEST_CASE("sample show drop-event: countdown, milestone reveal, sales", "[gpu][golden][shows]") {
  for (double t : {0.0, 4.5, 6.0}) {
    DYNAMIC_SECTION("t = " << t) {
      checkShow("drop-event", t, "drop-event.jsonl");
    }
  }
}

TEST_CASE("sample show drop-event-landscape: after the milestone", "[gpu][golden][shows]") {
  checkShow("drop-event-landscape", 4.5, "drop-event.jsonl");
}

// 1.5 s: the first product's lower third is in; 9.5 s: the second's.
TEST_CASE("sample show studio-residency: rotating lower thirds, stock counters",
          "[gpu][golden][shows]") {
  for (double t : {1.5, 9.5}) {
    DYNAMIC_SECTION("t = " << t) {
      checkShow("studio-residency", t);
    }
  }
}

TEST_CASE("sample show creator-variety-hour: pinned card, comment ticker", "[gpu][golden][shows]") {
  for (double t : {0.4, 3.0}) {
    DYNAMIC_SECTION("t = " << t) {
      checkShow("creator-variety-hour", t);
    }
  }
}

TEST_CASE("sample show warehouse-tour: POV camera, order counter, goal", "[gpu][golden][shows]") {
  SECTION("scene data: 3,820 orders") {
    checkShow("warehouse-tour", 1.0);
  }
  SECTION("sample feed at 12 s: 5,520 orders, goal reached, texts switched by bindings") {
    checkShow("warehouse-tour", 12.0, "warehouse-tour.jsonl");
  }
}

// 1.5 s: step 1 is in; 11 s: step 2. The loupe follows the sample tracker
// feed's point (tweened), so it looks at a different place in each.
TEST_CASE("sample show tutorial-workshop: macro inset, loupe, step cards", "[gpu][golden][shows]") {
  for (double t : {1.5, 11.0}) {
    DYNAMIC_SECTION("t = " << t) {
      checkShow("tutorial-workshop", t, "tutorial-workshop.jsonl");
    }
  }
}

TEST_CASE("sample show tutorial-workshop-landscape", "[gpu][golden][shows]") {
  checkShow("tutorial-workshop-landscape", 1.5, "tutorial-workshop.jsonl");
}
