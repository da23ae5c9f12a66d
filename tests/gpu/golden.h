// Golden-image testing for the GPU tests: renders scenes in-process on one
// shared Vulkan device (lavapipe in CI) with validation on, and compares the
// RGBA8 output with the PNGs committed under tests/golden/.
//
// Inputs are generated, never committed: the images the golden scenes use are
// drawn at run time into a work directory in the build tree, and each scene
// from tests/scenes/golden/ is copied there before loading, so its relative
// "source" paths resolve to the generated files. The copies stay after the run
// so a failing case can be reproduced with `marquee still`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "gpu/device.h"
#include "render/compositor.h"
#include "scene/scene.h"

namespace mq::test {

namespace fs = std::filesystem;

// Tightly packed 8-bit RGBA, sRGB, straight alpha (the compositor's Rgba8 output).
struct Image {
  uint32_t width = 0, height = 0;
  std::vector<uint8_t> pixels;  // width * height * 4

  const uint8_t* at(uint32_t x, uint32_t y) const { return &pixels[(size_t(y) * width + x) * 4]; }
};

// One device for the whole process: creating a Vulkan instance with the
// validation layer costs far more than a small render does.
gpu::Device& sharedDevice();

// MARQUEE_BUILD_DIR/golden-work: generated input images and scene copies.
// The images are (re)generated on the first call in each process.
const fs::path& workDir();

// Copies a file into workDir() under its own name. The copy lands whole (a
// temporary file and a rename): test processes run in parallel may be reading
// the copy another one made.
void copyIntoWorkDir(const fs::path& source);

// Loads tests/scenes/golden/NAME.json through a copy in workDir().
scene::Scene loadGoldenScene(const std::string& name);

// The golden scenes are authored on a 1080x1080 canvas. These place the same
// nodes centred on a 1920x1080 (landscape) or 1080x1920 (vertical) canvas, in
// a pass-through group offset by the margin, so both orientations show the
// content at the same scale and only the canvas shape changes.
enum class Orientation { Landscape, Vertical };
const char* orientationName(Orientation o);
scene::Scene oriented(const scene::Scene& square, Orientation o);

// Renders `scene` at `time` into an RGBA8 image of width x height (0: canvas
// size) with a fresh Compositor, and REQUIREs that the validation layer
// reported nothing while the compositor was created, used and destroyed.
// `videos` are the pictures of the scene's video nodes (none: they show slates).
Image render(const scene::Scene& scene, uint32_t width, uint32_t height, double time = 0,
             const render::VideoFrames& videos = {});
// The same with the compositor's output options (format Rgba8 is forced).
Image renderWith(const scene::Scene& scene, render::OutputSpec spec, double time = 0,
                 const render::VideoFrames& videos = {});

// An RGBA8 frame as an Image (rows copied out of the frame's stride).
Image imageOf(const render::FrameOutput& frame);

// Per-pixel comparison of two images of the same size. A pixel's difference is
// the largest absolute difference over its four channels.
struct DiffStats {
  uint64_t pixels = 0;
  uint64_t outOfTolerance = 0;  // pixels whose difference exceeds the tolerance
  int maxDiff = 0;              // over every channel of every pixel
  double meanAbsDiff = 0;       // over every channel of every pixel
  double withinFraction() const {
    return pixels ? 1.0 - double(outOfTolerance) / double(pixels) : 1.0;
  }
};
DiffStats compare(const Image& expected, const Image& actual, int tolerance);

// The golden tolerance (see golden.cpp for why these numbers).
inline constexpr int kGoldenTolerance = 3;            // per channel, 8-bit levels
inline constexpr double kGoldenMinWithin = 0.999;     // fraction of pixels within it
inline constexpr double kGoldenMaxMeanAbsDiff = 0.5;  // 8-bit levels, all channels

// Compares `actual` with tests/golden/NAME.png. On a mismatch writes
// NAME.actual.png and NAME.diff.png into MARQUEE_BUILD_DIR/golden-failures/
// and fails the test with their paths and the statistics. A missing golden
// fails, unless MARQUEE_UPDATE_GOLDENS=1, which writes it (and replaces a
// golden that no longer matches) and passes with a warning.
void checkGolden(const std::string& name, const Image& actual);

// Renders golden scene NAME in orientation `o` at a quarter of the canvas
// size (480x270 or 270x480: small goldens, fast on lavapipe) and checks it
// against tests/golden/NAME-landscape.png or NAME-vertical.png. The oriented
// scene is saved as workDir()/NAME-<orientation>.json, so a failure can be
// reproduced with `marquee still`. Returns the render for further checks.
Image checkGoldenScene(const std::string& name, Orientation o);
// The same at show time `time` (animated scenes), checked against
// tests/golden/NAME-<orientation>-<time>s.png, e.g. animation-landscape-0.5s.png.
Image checkGoldenSceneAt(const std::string& name, Orientation o, double time);
inline constexpr uint32_t kGoldenLong = 480, kGoldenShort = 270;

// One Catch2 test case per golden scene (`tags` like "[gpu][golden]"), one
// section per orientation, so a failure names both. For files that include
// <catch2/catch.hpp>.
#define MQ_GOLDEN_SCENE_TEST(scene, description, tags)                     \
  TEST_CASE("golden " scene ": " description, tags) {                      \
    SECTION("landscape 1920x1080") {                                       \
      mq::test::checkGoldenScene(scene, mq::test::Orientation::Landscape); \
    }                                                                      \
    SECTION("vertical 1080x1920") {                                        \
      mq::test::checkGoldenScene(scene, mq::test::Orientation::Vertical);  \
    }                                                                      \
  }

// PNG I/O (stb). writePng replaces the file atomically (write, then rename),
// so concurrent test processes never read a half-written file.
Image readPng(const fs::path& file);
void writePng(const fs::path& file, const Image& image);

// 2x2 box downscale in linear light, as the compositor filters (used to compare
// a full-resolution render with one at half the size).
Image downscale2x(const Image& image);

}  // namespace mq::test
