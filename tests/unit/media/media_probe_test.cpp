// The length of a media file, read without decoding (a stinger transition
// lasts as long as its video).
#include "media/media_probe.h"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "media_test_util.h"

using namespace mq::media;

TEST_CASE("probeDurationSeconds reads a file's length, or says why not", "[media]") {
  test::TempDir dir;
  std::string file = dir / "sting.mov";
  std::string command =
      "ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "
      "\"color=c=black@0:s=64x36:r=25:d=1.2,format=rgba\" -c:v qtrle -pix_fmt argb \"" +
      file + "\"";
  REQUIRE(std::system(command.c_str()) == 0);
  std::string error;
  std::optional<double> length = probeDurationSeconds(file, error);
  REQUIRE(length);
  CHECK(*length == Approx(1.2).margin(0.001));

  CHECK_FALSE(probeDurationSeconds(dir / "missing.mov", error));
  CHECK(error.rfind("cannot open it: ", 0) == 0);
}
