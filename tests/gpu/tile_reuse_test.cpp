// Tile reuse (the compositor copies tiles whose inputs did not change from the
// previous frame's output) must be invisible: every frame byte-identical to
// compositing every tile, through animation, cues, an isolated group whose
// content changes, and a video whose picture changes on some frames and
// repeats on others. It must also actually reuse: a frame where nothing
// changed composites no tile at all.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <vector>

#include "golden.h"
#include "scene/scene.h"

using namespace mq;

namespace {

constexpr int kFrames = 14;

// Owns the planes of a synthetic 4:2:0 camera picture.
struct Picture {
  std::vector<uint8_t> luma, cb, cr;
  media::VideoFrame frame;
};

// Picture n: a diagonal ramp shifted by n, so every picture differs everywhere.
Picture makePicture(int n) {
  constexpr int w = 64, h = 48;
  Picture p;
  p.luma.resize(size_t(w) * h);
  p.cb.assign(size_t(w / 2) * (h / 2), uint8_t(100 + 10 * n));
  p.cr.assign(size_t(w / 2) * (h / 2), uint8_t(150 - 8 * n));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) p.luma[size_t(y) * w + x] = uint8_t(16 + (x + y + 23 * n) % 200);
  media::PictureFormat& f = p.frame.format;
  f.width = w;
  f.height = h;
  f.layout = media::PlaneLayout::Planar;
  f.chromaShiftX = f.chromaShiftY = 1;
  p.frame.data[0] = p.luma.data();
  p.frame.data[1] = p.cb.data();
  p.frame.data[2] = p.cr.data();
  p.frame.linesize[0] = w;
  p.frame.linesize[1] = p.frame.linesize[2] = w / 2;
  p.frame.planeRows[0] = h;
  p.frame.planeRows[1] = p.frame.planeRows[2] = h / 2;
  p.frame.serial = uint64_t(n);
  return p;
}

// Which camera picture frame i shows: new ones on frames 0-2, then picture 3
// repeated (as a 25 fps camera repeats in a 30 fps show), then picture 4.
int pictureFor(int frame) {
  return frame < 3 ? frame : frame < 12 ? 3 : 4;
}

struct Run {
  std::vector<std::vector<uint8_t>> frames;
  std::vector<uint64_t> composited;  // tiles composited by each frame
  render::TileCounts totals;
};

// Renders kFrames frames at 30 fps, pipelined as the encoder does (the next
// frame is submitted before the previous one is waited for).
Run renderFrames(const scene::Scene& scene, bool reuse) {
  gpu::Device& device = test::sharedDevice();
  uint64_t before = device.validationMessages();
  std::vector<Picture> pictures;
  for (int n = 0; n <= 4; ++n) pictures.push_back(makePicture(n));
  Run run;
  {
    render::OutputSpec spec{0, 0, render::OutputFormat::Nv12};
    spec.reuseUnchangedTiles = reuse;
    render::Compositor comp(device, scene, spec);
    auto copy = [&](const render::FrameOutput& f) {
      size_t bytes = size_t(f.stride) * f.height * 3 / 2;
      REQUIRE(f.bytes.size() >= bytes);
      run.frames.emplace_back(f.bytes.begin(), f.bytes.begin() + std::ptrdiff_t(bytes));
    };
    std::optional<render::FrameTicket> pending;
    for (int i = 0; i < kFrames; ++i) {
      render::VideoFrames videos;
      videos.emplace("camera", pictures[size_t(pictureFor(i))].frame);
      uint64_t composited = comp.tileCounts().composited;
      render::FrameTicket t = comp.submit(i / 30.0, videos);
      run.composited.push_back(comp.tileCounts().composited - composited);
      if (pending) copy(comp.wait(*pending));
      pending = t;
    }
    copy(comp.wait(*pending));
    run.totals = comp.tileCounts();
  }
  REQUIRE(device.validationMessages() == before);
  return run;
}

}  // namespace

TEST_CASE("tile reuse gives the same bytes as compositing every tile", "[gpu][tiles]") {
  scene::Scene s = scene::loadScene(std::filesystem::path(MARQUEE_SOURCE_DIR) /
                                    "tests/scenes/gpu/tile_reuse.json");
  Run reused = renderFrames(s, true);
  Run full = renderFrames(s, false);
  REQUIRE(reused.frames.size() == size_t(kFrames));
  REQUIRE(full.frames.size() == size_t(kFrames));
  for (int i = 0; i < kFrames; ++i) {
    INFO("frame " << i << " at " << i / 30.0 << " s");
    CHECK(reused.frames[size_t(i)] == full.frames[size_t(i)]);
  }
  // 320x240 is 10x15 tiles.
  const uint64_t tiles = 10 * 15;
  CHECK(full.totals.reused == 0);
  CHECK(full.totals.composited == tiles * kFrames);
  CHECK(reused.totals.composited + reused.totals.reused == tiles * kFrames);
  // The first frame has nothing to reuse.
  CHECK(reused.composited[0] == tiles);
  // Frames 1-2: a new camera picture and the moving solid: some tiles, not all.
  CHECK(reused.composited[1] > 0);
  CHECK(reused.composited[1] < tiles);
  // Frames 7-9 (0.233-0.3 s): the slide ended at 0.2 s, the blink starts at
  // 0.3 s from the dot's own colour, the camera repeats picture 3: nothing
  // to composite.
  CHECK(reused.composited[7] == 0);
  CHECK(reused.composited[8] == 0);
  CHECK(reused.composited[9] == 0);
  // Frames 10-11: the blink recolours a dot inside the group, which changes
  // the group's tiles only.
  CHECK(reused.composited[10] > 0);
  CHECK(reused.composited[10] < tiles / 4);
  CHECK(reused.composited[11] == reused.composited[10]);
  // Frame 12: the blink's last colour and camera picture 4 together.
  CHECK(reused.composited[12] > reused.composited[11]);
  // Frame 13: the blink holds its last colour, the camera repeats.
  CHECK(reused.composited[13] == 0);
  // The pictures differ where tiles were composited, so the equality above
  // is not vacuous.
  CHECK(full.frames[1] != full.frames[0]);
  CHECK(full.frames[10] != full.frames[9]);
  CHECK(full.frames[12] != full.frames[11]);
}
