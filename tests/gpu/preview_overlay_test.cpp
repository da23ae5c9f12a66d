// The operator's preview (render/preview_overlay.h) on
// tests/scenes/gpu/preview_overlays.json: a sharp-edged white square (over
// exposed) and a black one on flat mid-grey. The program output must carry no
// overlay and be the same bytes as a render without a preview; the preview
// must show focus peaking along every edge, zebra stripes over the white
// square, and nothing over the flat grey or the black square's inside.
#include "render/preview_overlay.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

#include "golden.h"
#include "render/compositor.h"
#include "scene/scene.h"

using namespace mq;

namespace {

// The scene's geometry (pixels): squares at x [32, 96) and [150, 214), y [32, 96).
constexpr int kWhiteX = 32, kBlackX = 150, kTop = 32, kSide = 64;

scene::Scene overlayScene() {
  return scene::loadScene(std::filesystem::path(MARQUEE_SOURCE_DIR) /
                          "tests/scenes/gpu/preview_overlays.json");
}

struct Frames {
  uint32_t width = 0, height = 0, stride = 0;
  std::vector<std::vector<uint8_t>> program, preview;
};

// Renders `frames` frames (the later ones reuse the first one's tiles), with
// a preview in `settings` if given, pipelined as the encoder does.
Frames renderFrames(render::OutputFormat format, std::optional<render::PreviewSettings> settings,
                    int frames = 1) {
  gpu::Device& device = test::sharedDevice();
  uint64_t before = device.validationMessages();
  scene::Scene s = overlayScene();
  Frames out;
  {
    render::Compositor comp(device, s, {0, 0, format});
    std::optional<render::PreviewOverlay> overlay;
    if (settings) {
      overlay.emplace(device, comp, *settings);
      comp.addOutputReader(&*overlay);
    }
    auto take = [&](const render::FrameTicket& t) {
      render::FrameOutput f = comp.wait(t);
      out.width = f.width;
      out.height = f.height;
      out.stride = f.stride;
      out.program.emplace_back(f.bytes.begin(), f.bytes.end());
      if (overlay) {
        render::FrameOutput p = overlay->preview(t, f);
        REQUIRE(p.bytes.size() == f.bytes.size());
        out.preview.emplace_back(p.bytes.begin(), p.bytes.end());
      }
    };
    std::optional<render::FrameTicket> pending;
    for (int i = 0; i < frames; ++i) {
      render::FrameTicket t = comp.submit(i / 30.0);
      if (pending) take(*pending);
      pending = t;
    }
    take(*pending);
  }
  INFO("Vulkan validation messages are printed above");
  REQUIRE(device.validationMessages() == before);
  return out;
}

struct Rgba {
  uint8_t r, g, b, a;
  bool operator==(const Rgba&) const = default;
};

Rgba pixelAt(const Frames& f, const std::vector<uint8_t>& bytes, int x, int y) {
  const uint8_t* p = &bytes[(size_t(y) * f.stride + size_t(x)) * 4];
  return {p[0], p[1], p[2], p[3]};
}

bool inSquare(int x, int y, int left) {
  return x >= left && x < left + kSide && y >= kTop && y < kTop + kSide;
}

// Within one pixel of a square's edge (either side), where a 3x3 gradient
// sees the full step; not the four pixels diagonally off its corners, which
// see only a corner of it.
bool nearEdge(int x, int y) {
  for (int left : {kWhiteX, kBlackX}) {
    int right = left + kSide, bottom = kTop + kSide;
    bool outer = x >= left - 1 && x <= right && y >= kTop - 1 && y <= bottom;
    bool inner = x >= left + 1 && x < right - 1 && y >= kTop + 1 && y < bottom - 1;
    bool offCorner = (x == left - 1 || x == right) && (y == kTop - 1 || y == bottom);
    if (outer && !inner && !offCorner) return true;
  }
  return false;
}

// Diagonally off a square's corner: neither an edge nor flat.
bool offCorner(int x, int y) {
  for (int left : {kWhiteX, kBlackX}) {
    if ((x == left - 1 || x == left + kSide) && (y == kTop - 1 || y == kTop + kSide)) return true;
  }
  return false;
}

bool stripe(int x, int y) {
  return ((x + y) & 7) < 4;
}

const Rgba kRed{255, 0, 0, 255}, kBlack{0, 0, 0, 255}, kWhite{255, 255, 255, 255},
    kGrey{128, 128, 128, 255};

}  // namespace

TEST_CASE("preview: the program has no overlay, the preview has peaking and zebra",
          "[gpu][preview]") {
  Frames with = renderFrames(render::OutputFormat::Rgba8, render::PreviewSettings{});
  Frames without = renderFrames(render::OutputFormat::Rgba8, std::nullopt);
  REQUIRE(with.width == 250);
  REQUIRE(with.height == 130);
  const std::vector<uint8_t>& program = with.program[0];
  const std::vector<uint8_t>& preview = with.preview[0];

  // The program is the same bytes as without a preview, and it is the plain
  // picture: no peaking colour anywhere, no stripes over the white square.
  CHECK(program == without.program[0]);
  uint64_t programPeaks = 0, programOff = 0;
  for (int y = 0; y < int(with.height); ++y) {
    for (int x = 0; x < int(with.width); ++x) {
      Rgba p = pixelAt(with, program, x, y);
      programPeaks += p == kRed;
      Rgba expected = inSquare(x, y, kWhiteX) ? kWhite : inSquare(x, y, kBlackX) ? kBlack : kGrey;
      programOff += !(p == expected);
    }
  }
  CHECK(programPeaks == 0);
  CHECK(programOff == 0);

  // The preview: every pixel beside an edge peaks; inside the white square
  // (away from its edges) the stripes alternate; everywhere else it is the
  // program's pixel.
  uint64_t peaks = 0, missedPeaks = 0, stripes = 0, wrongStripes = 0, changed = 0;
  for (int y = 0; y < int(with.height); ++y) {
    for (int x = 0; x < int(with.width); ++x) {
      Rgba p = pixelAt(with, preview, x, y);
      Rgba plain = pixelAt(with, program, x, y);
      if (offCorner(x, y)) continue;
      if (nearEdge(x, y)) {
        peaks += p == kRed;
        missedPeaks += !(p == kRed);
      } else if (inSquare(x, y, kWhiteX)) {
        Rgba expected = stripe(x, y) ? kBlack : kWhite;
        stripes += stripe(x, y) && p == kBlack;
        wrongStripes += !(p == expected);
      } else {
        changed += !(p == plain);  // flat grey and the black square's inside
      }
    }
  }
  // A pixel on either side of the 4 edges of 2 squares: 2 x (256 + 252).
  CHECK(peaks == 1016);
  CHECK(missedPeaks == 0);
  CHECK(stripes > 1500);  // about half of the 62x62 inside
  CHECK(wrongStripes == 0);
  CHECK(changed == 0);
}

TEST_CASE("preview: settings change the overlays, never the program", "[gpu][preview]") {
  Frames plain = renderFrames(render::OutputFormat::Rgba8, std::nullopt);

  render::PreviewSettings off;
  off.zebra = false;
  off.peakingSensitivity = 0;
  Frames none = renderFrames(render::OutputFormat::Rgba8, off);
  CHECK(none.program[0] == plain.program[0]);
  CHECK(none.preview[0] == plain.program[0]);  // overlays off: the preview is the program

  // Zebra at 0.4 stripes the grey (Y' 0.5) too; magenta peaking at a
  // sensitivity that sees the squares' edges (steps of half of full scale).
  render::PreviewSettings custom;
  custom.zebraLevel = 0.4;
  custom.peakingSensitivity = 0.6;
  custom.peakingColor = {255, 0, 255, 255};
  Frames f = renderFrames(render::OutputFormat::Rgba8, custom);
  CHECK(f.program[0] == plain.program[0]);
  const Rgba magenta{255, 0, 255, 255};
  CHECK(pixelAt(f, f.preview[0], kWhiteX - 1, 60) == magenta);
  CHECK(pixelAt(f, f.preview[0], kBlackX, 60) == magenta);
  for (auto [x, y] : {std::pair{8, 8}, {120, 8}, {8, 120}, {9, 120}, {13, 120}}) {
    INFO("grey pixel " << x << "," << y);
    CHECK(pixelAt(f, f.preview[0], x, y) == (stripe(x, y) ? kBlack : kGrey));
  }
  CHECK(pixelAt(f, f.preview[0], 180, 60) == kBlack);  // black is below any zebra level

  // Sensitivity 0.4 paints only steps above 0.6 of full scale: these edges
  // (0.5) stay unpainted, and the zebra is unaffected.
  render::PreviewSettings quiet;
  quiet.peakingSensitivity = 0.4;
  Frames q = renderFrames(render::OutputFormat::Rgba8, quiet);
  uint64_t painted = 0;
  for (int y = 0; y < int(q.height); ++y) {
    for (int x = 0; x < int(q.width); ++x) {
      Rgba p = pixelAt(q, q.preview[0], x, y);
      bool zebra = inSquare(x, y, kWhiteX) && stripe(x, y);
      painted += !(p == (zebra ? kBlack : pixelAt(q, q.program[0], x, y)));
    }
  }
  CHECK(painted == 0);
}

TEST_CASE("preview: NV12 program bytes unchanged, overlays in the preview's planes",
          "[gpu][preview]") {
  // Three frames: the later ones copy the first one's tiles, and the preview
  // still reads the finished program each time.
  Frames with = renderFrames(render::OutputFormat::Nv12, render::PreviewSettings{}, 3);
  Frames without = renderFrames(render::OutputFormat::Nv12, std::nullopt, 3);
  REQUIRE(with.stride == 252);  // 250 rounded up to whole words
  for (size_t i = 0; i < with.program.size(); ++i) {
    INFO("frame " << i);
    CHECK(with.program[i] == without.program[i]);
    CHECK(with.preview[i] == with.preview[0]);
  }
  const std::vector<uint8_t>& program = with.program[0];
  const std::vector<uint8_t>& preview = with.preview[0];
  auto luma = [&](const std::vector<uint8_t>& b, int x, int y) {
    return int(b[size_t(y) * with.stride + size_t(x)]);
  };
  auto chroma = [&](const std::vector<uint8_t>& b, int x, int y) {
    size_t i = size_t(with.stride) * with.height + size_t(y / 2) * with.stride + size_t(x / 2) * 2;
    return std::pair{int(b[i]), int(b[i + 1])};
  };
  // Red in BT.709 limited range: Y 63, Cb 102, Cr 240.
  const int kRedY = 63;
  const std::pair kRedC{102, 240};
  uint64_t programPeaks = 0, peaks = 0, missed = 0, wrongStripes = 0, changed = 0;
  for (int y = 0; y < int(with.height); ++y) {
    for (int x = 0; x < int(with.width); ++x) {
      int plain = luma(program, x, y), shown = luma(preview, x, y);
      programPeaks += plain == kRedY;
      if (offCorner(x, y)) continue;
      if (nearEdge(x, y)) {
        peaks += shown == kRedY && chroma(preview, x, y) == kRedC;
        missed += shown != kRedY;
      } else if (inSquare(x, y, kWhiteX)) {
        REQUIRE(plain == 235);
        wrongStripes += shown != (stripe(x, y) ? 16 : 235);
      } else {
        changed += shown != plain;
      }
    }
  }
  CHECK(programPeaks == 0);
  CHECK(peaks == 1016);
  CHECK(missed == 0);
  CHECK(wrongStripes == 0);
  CHECK(changed == 0);
  // Grey chroma stays neutral in the preview away from the edges.
  CHECK(chroma(preview, 8, 8) == chroma(program, 8, 8));
  CHECK(chroma(preview, 120, 60) == std::pair{128, 128});
}
