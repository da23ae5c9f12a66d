// Peer test: Marquee's composite of a sticker over a background against the
// same composite made by FFmpeg, an independent implementation, so an error
// both the renderer and its own golden images share would still show.
//
// What is comparable, and why: FFmpeg's overlay filter blends the
// gamma-encoded (sRGB) values as stored, Marquee blends in linear light (it
// linearises, blends, and encodes again). For partial alpha the two give
// legitimately different results (linear light is the correct one), so this
// test uses hard-edged alpha only: every sticker pixel is either opaque
// (alpha 255) or fully transparent (alpha 0). At those two values both
// implementations must make a pure copy, of the sticker or of the background,
// and the only differences left are the precision of each side's colour
// conversions (sRGB <-> linear, RGB -> BT.709 Y'CbCr). Any misplacement by a
// pixel, a resampled (blurred) edge, transparent colour bleeding in (the
// sticker's transparent pixels are magenta on purpose), a wrong background or
// a wrong transfer function shows up as a large error.
#include <stb_image_write.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>

#include "cli_harness.h"

using namespace mq::clitest;

namespace {

constexpr int kCanvasW = 1280, kCanvasH = 720;
constexpr int kStickerW = 400, kStickerH = 300;
constexpr int kOffsetX = 317, kOffsetY = 211;       // odd, so 4:2:0 chroma sites don't line up
const uint8_t kBackground[3] = {0x1e, 0x3a, 0x5f};  // the scene's "#1e3a5f"
constexpr double kMinPsnr = 40.0;

// A sticker that exercises the colour path: saturated stripes, a ramp through
// every 8-bit value in each channel, a 1-pixel checkerboard (any resampling
// or half-pixel shift would average it to grey) and round shapes, all with
// alpha 0 or 255 only. Transparent pixels carry a colour that must not show.
void writeSticker(const fs::path& file) {
  std::vector<uint8_t> px(size_t(kStickerW) * kStickerH * 4);
  auto set = [&](int x, int y, uint8_t r, uint8_t g, uint8_t b) {
    uint8_t* p = &px[(size_t(y) * kStickerW + x) * 4];
    p[0] = r, p[1] = g, p[2] = b, p[3] = 255;
  };
  for (size_t i = 0; i < px.size(); i += 4)
    px[i] = 255, px[i + 1] = 0, px[i + 2] = 255, px[i + 3] = 0;
  const uint8_t stripes[8][3] = {{255, 0, 0},   {0, 255, 0},   {0, 0, 255},     {255, 255, 0},
                                 {0, 255, 255}, {255, 0, 255}, {255, 255, 255}, {0, 0, 0}};
  for (int y = 10; y < 80; ++y)
    for (int x = 10; x < 390; ++x) {
      const uint8_t* c = stripes[(x / 8) % 8];
      set(x, y, c[0], c[1], c[2]);
    }
  for (int y = 90; y < 160; ++y)  // 256 columns: every value once per channel
    for (int x = 72; x < 328; ++x) {
      int v = x - 72;
      set(x, y, uint8_t(v), uint8_t(255 - v), uint8_t((v * 5 + y) & 255));
    }
  for (int y = 170; y < 230; ++y)
    for (int x = 20; x < 80; ++x) {
      uint8_t v = ((x + y) & 1) ? 235 : 20;
      set(x, y, v, v, v);
    }
  for (int y = 170; y < 295; ++y)
    for (int x = 100; x < 395; ++x) {
      double dx = x - 180.5, dy = y - 232.5, ex = x - 330.5, ey = y - 232.5;
      if (dx * dx + dy * dy < 55.0 * 55.0)
        set(x, y, 250, 140, 20);
      else if (std::abs(ex) + std::abs(ey) < 60)
        set(x, y, uint8_t(2 * (y - 170)), 40, 90);
    }
  REQUIRE(stbi_write_png(file.c_str(), kStickerW, kStickerH, 4, px.data(), kStickerW * 4));
}

// Copies the peer scene (the sticker over "#1e3a5f" at kOffsetX, kOffsetY)
// next to a freshly made sticker.
void prepare(const TempDir& dir) {
  writeSticker(dir / "sticker.png");
  fs::copy_file(cliScenesDir() / "peer_overlay.json", dir / "scene.json");
}

// FFmpeg's composite. The lavfi colour source makes yuv420p unless told
// otherwise, which would turn the background into #1d395d before any
// blending; format=rgba keeps the reference exact so only the composites
// are compared.
std::vector<std::string> ffmpegOverlay(const std::string& tail) {
  return {"ffmpeg",
          "-nostdin",
          "-v",
          "error",
          "-f",
          "lavfi",
          "-i",
          "color=c=0x1e3a5f:s=1280x720,format=rgba",
          "-i",
          "sticker.png",
          "-filter_complex",
          "[0][1]overlay=" + std::to_string(kOffsetX) + ":" + std::to_string(kOffsetY) +
              ":format=auto," + tail,
          "-frames:v",
          "1"};
}

void requireOk(const RunResult& r) {
  INFO(r.describe());
  REQUIRE(r.exited);
  REQUIRE(r.status == 0);
}

std::string rgbAt(const RgbImage& img, int x, int y) {
  const uint8_t* p = &img.rgb[(size_t(y) * img.width + x) * 3];
  char s[32];
  std::snprintf(s, sizeof s, "#%02x%02x%02x", p[0], p[1], p[2]);
  return s;
}

}  // namespace

TEST_CASE("peer: a hard-edged RGBA sticker composited by marquee still matches FFmpeg overlay",
          "[cli][peer]") {
  TempDir dir;
  prepare(dir);
  requireOk(runMarquee({"still", "scene.json", "-o", "marquee.png"}, dir.path()));
  auto args = ffmpegOverlay("format=rgb24");
  args.push_back("peer.png");
  requireOk(runProgram(args, dir.path()));

  RgbImage ours = loadRgb(dir / "marquee.png"), peer = loadRgb(dir / "peer.png");
  REQUIRE(ours.width == kCanvasW);
  REQUIRE(ours.height == kCanvasH);
  REQUIRE(peer.width == kCanvasW);
  REQUIRE(peer.height == kCanvasH);

  // Pixels that tell which side is off if the comparison fails: background
  // outside and inside the sticker's box (a transparent sticker pixel), a
  // stripe, the ramp's ends, and both checkerboard phases.
  struct Probe {
    int x, y;
    const char* what;
  } probes[] = {{5, 5, "background"},
                {kOffsetX + 2, kOffsetY + 2, "transparent sticker pixel"},
                {kOffsetX + 12, kOffsetY + 20, "red stripe"},
                {kOffsetX + 72, kOffsetY + 100, "ramp start"},
                {kOffsetX + 327, kOffsetY + 100, "ramp end"},
                {kOffsetX + 20, kOffsetY + 170, "checker (even)"},
                {kOffsetX + 21, kOffsetY + 170, "checker (odd)"}};
  std::string probed;
  for (const Probe& p : probes)
    probed += std::string(p.what) + " at (" + std::to_string(p.x) + ", " + std::to_string(p.y) +
              "): marquee " + rgbAt(ours, p.x, p.y) + ", ffmpeg " + rgbAt(peer, p.x, p.y) + "\n";
  INFO(probed);
  // Both must keep the background exactly: it is an opaque copy on each side.
  CHECK(rgbAt(peer, 5, 5) == "#1e3a5f");
  CHECK(rgbAt(ours, 5, 5) == "#1e3a5f");
  CHECK(rgbAt(ours, kOffsetX + 2, kOffsetY + 2) == "#1e3a5f");

  double rgbPsnr = psnr(ours.rgb.data(), peer.rgb.data(), ours.rgb.size());
  std::printf("peer still: RGB PSNR marquee vs ffmpeg overlay = %.2f dB\n", rgbPsnr);
  CHECK(rgbPsnr >= kMinPsnr);
}

TEST_CASE("peer: the same composite through marquee render matches FFmpeg's BT.709 luma",
          "[cli][peer]") {
  TempDir dir;
  prepare(dir);
  // FFmpeg's composite converted as Marquee's output is tagged: BT.709
  // matrix, limited ("tv") range, 4:2:0. The scale filter does the
  // conversion; raw output carries no tags, so none are set.
  auto args = ffmpegOverlay("scale=out_color_matrix=bt709:out_range=tv,format=yuv420p");
  for (const char* a : {"-f", "rawvideo", "peer.yuv"}) args.push_back(a);
  requireOk(runProgram(args, dir.path()));
  const std::vector<uint8_t> peer = readBytes(dir / "peer.yuv");
  const size_t lumaSize = size_t(kCanvasW) * kCanvasH, chromaSize = lumaSize / 4;
  REQUIRE(peer.size() == lumaSize + 2 * chromaSize);
  // The background's luma, a check of the reference on its own: BT.709
  // limited range of #1e3a5f is 16 + 219 * (0.2126 * 30 + 0.7152 * 58 +
  // 0.0722 * 95) / 255 = 63.0 (Y' is made from the gamma-encoded values).
  CHECK(int(peer[0]) == 63);

  // Two of Marquee's outputs: the delivery path (H.264 in MP4, near-lossless
  // crf 1; crf 0 is refused, see "render --crf 0" in render_video.cpp) and a
  // lossless one (FFV1), where only the colour conversion can differ, so it
  // must agree far more closely than the 40 dB asked of the H.264 file.
  struct Variant {
    const char* file;
    std::vector<std::string> options;
    double minLumaPsnr;
  };
  const Variant variants[] = {{"marquee.mp4", {"--crf", "1"}, kMinPsnr},
                              {"marquee.mkv", {"--codec", "ffv1"}, 60.0}};
  for (const Variant& v : variants) {
    INFO("marquee output " << v.file);
    std::vector<std::string> render = {"render", "scene.json", "--frames", "1", "-o", v.file};
    render.insert(render.end(), v.options.begin(), v.options.end());
    requireOk(runMarquee(render, dir.path()));
    requireOk(
        runProgram({"ffmpeg", "-nostdin", "-v", "error", "-i", v.file, "-map", "0:v", "-fps_mode",
                    "passthrough", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-y", "marquee.yuv"},
                   dir.path()));
    const std::vector<uint8_t> ours = readBytes(dir / "marquee.yuv");
    REQUIRE(ours.size() == peer.size());
    INFO("background Y: marquee " << int(ours[0]) << ", ffmpeg " << int(peer[0]));
    CHECK(int(ours[0]) == 63);

    double y = psnr(ours.data(), peer.data(), lumaSize);
    double cb = psnr(ours.data() + lumaSize, peer.data() + lumaSize, chromaSize);
    double cr =
        psnr(ours.data() + lumaSize + chromaSize, peer.data() + lumaSize + chromaSize, chromaSize);
    std::printf(
        "peer video (%s): PSNR marquee vs ffmpeg overlay: Y %.2f dB, Cb %.2f dB, "
        "Cr %.2f dB\n",
        v.file, y, cb, cr);
    // Luma only: each Y sample comes from its own pixel on both sides.
    // Chroma is averaged over 2x2 blocks with each side's own filter and
    // siting, which legitimately differs at the sticker's hard colour edges.
    CHECK(y >= v.minLumaPsnr);
  }
}
