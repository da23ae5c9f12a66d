// Peer test: a still picture shown at a third of its size, against FFmpeg's
// own scalers shrinking the same file, an independent implementation.
//
// What is compared, and why: Marquee resamples a picture that stays where it
// is to exactly the size it is shown at (Mitchell, in linear light); FFmpeg's
// scale filter uses Lanczos or bicubic on the gamma-encoded values. The
// filters differ, so the pictures differ slightly at hard edges; a proper
// downscale by either agrees with the other to about 41-42 dB on this
// picture. Sampling a mip level bilinearly (what a moving or rotated picture
// gets) agrees only to about 36 dB: it blurs and aliases more, which is what
// this test would catch if still pictures stopped being resampled.
#include <catch2/catch.hpp>
#include <cstdio>

#include "cli_harness.h"

using namespace mq::clitest;

namespace {

constexpr double kMinPsnr = 40.0;

void requireOk(const RunResult& r) {
  INFO(r.describe());
  REQUIRE(r.exited);
  REQUIRE(r.status == 0);
}

}  // namespace

TEST_CASE("peer: a still picture shown at a third of its size matches FFmpeg's scalers",
          "[cli][peer]") {
  TempDir dir;
  fs::copy_file(sourceDir() / "assets/images/camera_placeholder.jpg", dir / "photo.jpg");
  {
    // The 1920x1080 picture on a 640x360 canvas, filling it.
    std::FILE* f = std::fopen((dir / "scene.json").c_str(), "w");
    REQUIRE(f);
    std::fputs(R"({"format": "marquee.scene/1",
 "canvas": {"width": 640, "height": 360, "fps": 30, "background": "#000000"},
 "nodes": [{"id": "photo", "kind": "image", "source": "photo.jpg",
            "position": [0, 0], "size": [640, 360]}]})",
               f);
    std::fclose(f);
  }
  requireOk(runMarquee({"still", "scene.json", "-o", "marquee.png"}, dir.path()));
  RgbImage ours = loadRgb(dir / "marquee.png");
  REQUIRE(ours.width == 640);
  REQUIRE(ours.height == 360);
  for (const char* filter : {"lanczos", "bicubic"}) {
    std::string peerFile = std::string("peer_") + filter + ".png";
    requireOk(runProgram({"ffmpeg", "-nostdin", "-v", "error", "-i", "photo.jpg", "-vf",
                          std::string("scale=640:360:flags=") + filter + ",format=rgb24",
                          "-frames:v", "1", "-y", peerFile},
                         dir.path()));
    RgbImage peer = loadRgb(dir / peerFile);
    REQUIRE(peer.width == 640);
    REQUIRE(peer.height == 360);
    double value = psnr(ours.rgb.data(), peer.rgb.data(), ours.rgb.size());
    std::printf("peer scale: RGB PSNR marquee vs ffmpeg %s = %.2f dB\n", filter, value);
    INFO("ffmpeg " << filter);
    CHECK(value >= kMinPsnr);
  }
}
