// What a media file holds, read without decoding (a stinger transition lasts
// as long as its video, and plays its sound if it has one).
#include "media/media_probe.h"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "media_test_util.h"

using namespace mq::media;

TEST_CASE("probeMedia reads a file's length and whether it has sound, or says why not", "[media]") {
  test::TempDir dir;
  std::string file = dir / "sting.mov";
  std::string command =
      "ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "
      "\"color=c=black@0:s=64x36:r=25:d=1.2,format=rgba\" -c:v qtrle -pix_fmt argb \"" +
      file + "\"";
  REQUIRE(std::system(command.c_str()) == 0);
  std::string error;
  std::optional<MediaInfo> info = probeMedia(file, error);
  REQUIRE(info);
  REQUIRE(info->seconds);
  CHECK(*info->seconds == Approx(1.2).margin(0.001));
  CHECK_FALSE(info->hasAudio);

  std::string withSound = dir / "sting-sound.mov";
  command =
      "ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "
      "\"color=c=black@0:s=64x36:r=25:d=1,format=rgba\" -f lavfi -i sine=d=1 -c:v qtrle "
      "-pix_fmt argb -c:a pcm_s16le \"" +
      withSound + "\"";
  REQUIRE(std::system(command.c_str()) == 0);
  info = probeMedia(withSound, error);
  REQUIRE(info);
  CHECK(info->hasAudio);

  CHECK_FALSE(probeMedia(dir / "missing.mov", error));
  CHECK(error.rfind("cannot open it: ", 0) == 0);
}
