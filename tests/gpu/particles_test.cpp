// Particle emitters: goldens of a confetti burst at fixed times after its
// cue and of a coin/sparkle shower, determinism (renders are byte-identical,
// and a frame rendered directly equals the same frame rendered after earlier
// ones), particles gone after their lifetime, and tile reuse once they are.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "golden.h"

using namespace mq::test;

namespace {

constexpr uint32_t kW = 240, kH = 135;  // small: lavapipe renders every tile

// Renders `times` in order on one compositor (pipelined like the encoder),
// returning RGBA8 copies.
std::vector<Image> renderSequence(const mq::scene::Scene& scene, const std::vector<double>& times,
                                  mq::render::TileCounts* counts = nullptr) {
  mq::gpu::Device& device = sharedDevice();
  uint64_t before = device.validationMessages();
  std::vector<Image> out;
  {
    mq::render::Compositor comp(device, scene, {kW, kH, mq::render::OutputFormat::Rgba8});
    for (double t : times) {
      out.push_back(imageOf(comp.wait(comp.submit(t))));
    }
    if (counts) *counts = comp.tileCounts();
  }
  REQUIRE(device.validationMessages() == before);
  return out;
}

bool same(const Image& a, const Image& b) {
  return a.pixels.size() == b.pixels.size() &&
         std::memcmp(a.pixels.data(), b.pixels.data(), a.pixels.size()) == 0;
}

mq::scene::Scene withoutEmitters(mq::scene::Scene s) {
  for (mq::scene::Node& root : s.nodes) {
    auto& c = root.children;
    c.erase(std::remove_if(
                c.begin(), c.end(),
                [](const mq::scene::Node& n) { return n.kind == mq::scene::NodeKind::Particles; }),
            c.end());
  }
  return s;
}

}  // namespace

TEST_CASE("golden particles: confetti burst 0.1 s, 0.5 s and 1.5 s after its cue",
          "[gpu][golden][particles]") {
  // The cue fires at 0.5 s.
  SECTION("0.1 s") {
    checkGoldenSceneAt("particles_confetti", Orientation::Landscape, 0.6);
  }
  SECTION("0.5 s") {
    checkGoldenSceneAt("particles_confetti", Orientation::Landscape, 1.0);
  }
  SECTION("1.5 s") {
    checkGoldenSceneAt("particles_confetti", Orientation::Landscape, 2.0);
  }
}

TEST_CASE("golden particles: coin and sparkle shower emitted at a rate",
          "[gpu][golden][particles]") {
  checkGoldenSceneAt("particles_shower", Orientation::Landscape, 1.0);
}

TEST_CASE("particles: renders are deterministic and seeking is exact",
          "[gpu][determinism][particles]") {
  mq::scene::Scene s = oriented(loadGoldenScene("particles_confetti"), Orientation::Landscape);
  // Twice the same frame from fresh compositors: byte-identical.
  Image a = render(s, kW, kH, 1.0);
  Image b = render(s, kW, kH, 1.0);
  CHECK(same(a, b));
  // The same frame after earlier frames (other slots, other particle
  // states) equals the frame rendered directly.
  std::vector<Image> seq = renderSequence(s, {0.6, 0.7, 0.8, 0.9, 1.0});
  CHECK(same(seq.back(), a));
  // Particles move: consecutive frames differ.
  CHECK_FALSE(same(seq[0], seq[1]));
}

TEST_CASE("particles: nothing is drawn before the cue or after the lifetime", "[gpu][particles]") {
  mq::scene::Scene s = oriented(loadGoldenScene("particles_confetti"), Orientation::Landscape);
  mq::scene::Scene plain = withoutEmitters(s);
  Image empty = render(plain, kW, kH, 0.0);
  CHECK(same(render(s, kW, kH, 0.4), empty));  // before the cue at 0.5 s
  CHECK_FALSE(same(render(s, kW, kH, 0.7), empty));
  // The default lifetime is at most 2.5 s: gone by 3.1 s after the cue.
  CHECK(same(render(s, kW, kH, 3.6), empty));

  // Once every particle is gone the layer is stable: later frames reuse every tile.
  mq::render::TileCounts counts;
  std::vector<Image> seq = renderSequence(s, {3.6, 3.7, 3.8}, &counts);
  CHECK(same(seq[2], empty));
  uint64_t tiles = uint64_t((kW + 31) / 32) * ((kH + 15) / 16);
  CHECK(counts.composited == tiles);  // the first frame only
  CHECK(counts.reused == 2 * tiles);
}

TEST_CASE("golden particles: image sprites tinted by their colours", "[gpu][golden][particles]") {
  checkGoldenSceneAt("particles_sprite", Orientation::Landscape, 0.5);
}
