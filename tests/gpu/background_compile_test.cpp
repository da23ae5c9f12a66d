// Live shows compile a new tile class's pipeline in the background and draw
// the class with the fallback (every feature switched on) meanwhile
// (Compositor::setCompileInBackground). The fallback must draw what each
// class's own pipeline draws: the same picture, though not always the same
// bytes (with more features on, a few sums round differently: at most 2 of
// 255 on under 0.2 % of the pixels). Frames drawn while pipelines are still
// being made are those pictures; once every class has its own pipeline, the
// frames are a waiting render's, byte for byte.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "golden.h"
#include "render/compositor.h"
#include "scene/scene.h"

using namespace mq;

namespace {

// The fallback's rounding: at most this many levels off, on at most this
// share of the pixels.
constexpr int kFallbackTolerance = 2;
constexpr double kFallbackOffShare = 0.002;

void checkFallbackPicture(const test::Image& expected, const test::Image& actual) {
  test::DiffStats d = test::compare(expected, actual, 0);
  INFO("largest difference " << d.maxDiff << ", differing pixels " << d.outOfTolerance << " of "
                             << d.pixels);
  CHECK(d.maxDiff <= kFallbackTolerance);
  CHECK(double(d.outOfTolerance) <= kFallbackOffShare * double(d.pixels));
}

size_t differingBytes(const test::Image& a, const test::Image& b) {
  REQUIRE(a.pixels.size() == b.pixels.size());
  size_t n = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) n += a.pixels[i] != b.pixels[i];
  return n;
}

scene::Scene benchScene() {
  return scene::loadScene(std::filesystem::path(MARQUEE_SOURCE_DIR) /
                          "bench/scenes/eight_layers.json");
}

}  // namespace

// Scenes whose tiles need every feature between them: an opaque backdrop
// under the rest (base and copy paths), gradients, shadows that follow alpha
// and shine (effects at 1.5 s), blend modes, keys and masks.
TEST_CASE("the fallback pipeline draws what each tile class's own pipeline draws",
          "[gpu][exact][live]") {
  const std::pair<scene::Scene, double> cases[] = {{benchScene(), 0.0},
                                                   {test::loadGoldenScene("effects"), 1.5},
                                                   {test::loadGoldenScene("blend"), 0.0},
                                                   {test::loadGoldenScene("keying"), 0.0},
                                                   {test::loadGoldenScene("mask"), 0.0}};
  gpu::Device& device = test::sharedDevice();
  for (const auto& [s, time] : cases) {
    DYNAMIC_SECTION(s.name << " at " << time << " s") {
      uint64_t before = device.validationMessages();
      test::Image own, fallback;
      {
        render::Compositor comp(device, s, {0, 0, render::OutputFormat::Rgba8});
        own = test::imageOf(comp.wait(comp.submit(time)));
        comp.setFallbackOnly(true);
        fallback = test::imageOf(comp.wait(comp.submit(time)));
        CHECK(comp.pipelineCounts().fallbackTiles == 0);  // setFallbackOnly's are not counted
      }
      REQUIRE(device.validationMessages() == before);
      checkFallbackPicture(own, fallback);
    }
  }
}

TEST_CASE(
    "compiling in the background: frames drawn meanwhile are the frames a waiting render draws",
    "[gpu][live]") {
  // A device of its own: no other test's pipelines are there already.
  gpu::Device device({.validation = true});
  scene::Scene s = benchScene();
  render::OutputSpec spec{960, 540, render::OutputFormat::Rgba8};
  spec.reuseUnchangedTiles = false;

  test::Image waited;
  {
    render::Compositor comp(device, s, spec);
    waited = test::imageOf(comp.wait(comp.submit(0.0)));
  }
  // The first compositor's pipelines stay on the device (shared by name);
  // the smallest builds' names differ from the default build's.
  spec.smallestShaderBuilds = false;
  render::Compositor comp(device, s, spec);
  comp.setCompileInBackground(true);
  test::Image first = test::imageOf(comp.wait(comp.submit(0.0)));
  // No pipeline of this compositor's classes existed: all drawn with the fallback.
  CHECK(comp.pipelineCounts().fallbackTiles > 0);
  CHECK(comp.pipelineCounts().fallbackTiles == comp.tileCounts().composited);
  checkFallbackPicture(waited, first);
  // Frames go on being drawn (the same picture) until every class has its own.
  // Bounded in time, not frames: on a real GPU a frame takes a fraction of
  // a millisecond and a variant hundreds of milliseconds to compile.
  uint64_t fallbackBefore = comp.pipelineCounts().fallbackTiles;
  int frames = 0;
  bool ownPipelines = false;
  test::Image last;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (; !ownPipelines && std::chrono::steady_clock::now() < deadline; ++frames) {
    last = test::imageOf(comp.wait(comp.submit(0.0)));
    checkFallbackPicture(waited, last);
    uint64_t fallback = comp.pipelineCounts().fallbackTiles;
    ownPipelines = fallback == fallbackBefore;  // this frame drew no tile with the fallback
    fallbackBefore = fallback;
  }
  INFO(frames << " frames until every class had its own pipeline");
  CHECK(ownPipelines);
  CHECK(comp.pipelineCounts().compiledInBackground > 0);
  CHECK(differingBytes(waited, last) == 0);
  REQUIRE(device.validationMessages() == 0);
}
