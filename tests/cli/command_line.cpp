// The command line itself: mistakes are bad input (exit status 2) with a
// message that names what was wrong, they are caught before any output file
// is created, and --help documents every option the parser accepts.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <sstream>

#include "cli_harness.h"

using namespace mq::clitest;

namespace {

struct BadCall {
  std::vector<std::string> args;  // "SCENE" is replaced by a valid scene's path
  std::string message;            // must appear in stderr
};

std::vector<std::string> withScene(std::vector<std::string> args) {
  for (auto& a : args)
    if (a == "SCENE") a = (cliScenesDir() / "basic_720p.json").string();
  return args;
}

}  // namespace

TEST_CASE("command-line mistakes exit with status 2, say what is wrong and write nothing",
          "[cli][args]") {
  // Each call would succeed but for one mistake, so the message checked is
  // about that mistake and not about something else that happened to fail.
  const std::vector<BadCall> calls = {
      {{}, "usage: marquee COMMAND"},
      {{"frobnicate"}, "unknown command 'frobnicate'"},
      {{"still", "SCENE", "-o", "x.png", "--frobs"}, "unknown option --frobs"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--frobs=1"}, "unknown option --frobs"},
      // An option of another command is still unknown here.
      {{"validate", "SCENE", "--frames", "2"}, "unknown option --frames"},
      {{"render", "SCENE", "-o", "x.mp4"}, "exactly one of --frames N or --duration SEC"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--duration", "1"},
       "exactly one of --frames N or --duration SEC"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "0"}, "--frames: expected a whole number"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "abc"}, "got \"abc\""},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2.5"}, "--frames: expected a whole number"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "-3"}, "--frames: expected a whole number"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames"}, "--frames needs a value"},
      {{"render", "SCENE", "-o", "x.mp4", "--duration", "0"}, "--duration: expected a number"},
      {{"render", "SCENE", "-o", "x.mp4", "--duration", "nan"}, "--duration: expected a number"},
      {{"still", "SCENE", "-o", "x.png", "--output-size", "100"}, "--output-size: expected"},
      {{"still", "SCENE", "-o", "x.png", "--output-size", "7x7"}, "--output-size: expected"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--output-size", "640x"},
       "--output-size: expected"},
      // Odd sizes can't be 4:2:0 video; a PNG could be, so this is render only.
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--output-size", "641x360"},
       "must have an even width and height"},
      {{"render", "SCENE", "-o", "x.xyz", "--frames", "2"}, "unknown output file extension '.xyz'"},
      {{"render", "SCENE", "-o", "x", "--frames", "2"}, "has no file extension"},
      {{"render", "SCENE", "-o", "x.mkv", "-o", "ftp://host/x", "--frames", "2"},
       "unknown output URL scheme 'ftp://'"},
      {{"render", "SCENE", "-o", "x.mkv", "-o", "rtmp:///live", "--frames", "2"}, "has no host"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--preset", "tiktok"},
       "unknown output preset 'tiktok' (valid presets: tiktok-vertical"},
      // The test scene is landscape; a vertical preset would squash its layout.
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--preset", "tiktok-vertical"},
       "pick a preset of the same orientation"},
      {{"render", "SCENE", "-o", "rtmp://127.0.0.1/live/x", "--frames", "2", "--preset",
        "instagram-live", "--output-size", "720x1280"},
       "requires RTMPS"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--preset", "landscape-1080p30",
        "--keyframe-interval", "6"},
       "--keyframe-interval 6"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--preset", "landscape-1080p30",
        "--video-bitrate", "100"},
       "--video-bitrate"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--input", "camera"},
       "--input: expected ID=URL"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--input", "nosuchnode=x.mp4"},
       "the scene has no video node with id \"nosuchnode\""},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--audio-bitrate", "2"},
       "--audio-bitrate: expected"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--codec", "nosuchcodec"},
       "unknown encoder 'nosuchcodec'"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--encoder-preset", "nosuchpreset"},
       "rejected the settings"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--crf", "52"}, "--crf: expected"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--video-bitrate", "5"},
       "--video-bitrate: expected"},
      {{"render", "SCENE", "-o", "missing_dir/x.mp4", "--frames", "2"},
       "output directory does not exist"},
      {{"render", "SCENE", "--render-only", "--frames", "2", "--stats", "missing_dir/s.json"},
       "output directory does not exist"},
      {{"render", "SCENE", "--frames", "2"}, "needs -o OUT"},
      {{"still", "SCENE"}, "needs -o OUT.png"},
      {{"still", "SCENE", "-o", "missing_dir/x.png"}, "output directory does not exist"},
      {{"still", "SCENE", "-o", "x.png", "--time", "-1"}, "--time: expected a number"},
      {{"still", "SCENE", "-o", "x.png", "--time", "soon"}, "--time: expected a number"},
      {{"still", "SCENE", "-o", "x.png", "--validation=yes"}, "--validation takes no value"},
      {{"still", "SCENE", "-o", "x.png", "--zebra", "0.9"}, "add --preview-out"},
      {{"still", "SCENE", "-o", "x.png", "--preview-out", "p.jpg"}, "name the file *.png"},
      {{"still", "SCENE", "-o", "x.png", "--preview-out", "x.png"}, "a file of its own"},
      {{"still", "SCENE", "-o", "x.png", "--preview-out", "missing_dir/p.png"},
       "output directory does not exist"},
      {{"still", "SCENE", "-o", "x.png", "--preview-out", "p.png", "--zebra", "2"},
       "--zebra: expected a number"},
      {{"still", "SCENE", "-o", "x.png", "--preview-out", "p.png", "--peaking", "-1"},
       "--peaking: expected a number"},
      {{"still", "SCENE", "-o", "x.png", "--preview-out", "p.png", "--peaking-color", "red"},
       "--peaking-color: expected #RRGGBB"},
      {{"live", "SCENE", "--duration", "1"}, "marquee live needs -o OUT"},
      {{"live", "SCENE", "-o", "x.mkv", "--inject", "render-stall:200ms"},
       "--inject render-stall:200ms: no @TIME"},
      {{"live", "SCENE", "-o", "x.mkv", "--inject", "meltdown:1s@2s"},
       "unknown fault \"meltdown\""},
      {{"live", "SCENE", "-o", "x.mkv", "--inject", "decode-stall:500ms@3s"},
       "decode-stall needs source=ID"},
      {{"live", "SCENE", "-o", "x.mkv", "--inject", "decode-stall:source=nocam:500ms@3s"},
       "the scene has no video source \"nocam\""},
      {{"live", "SCENE", "-o", "x.mkv", "--duration", "0"}, "--duration: expected a number"},
      {{"render", "SCENE", "-o", "x.mp4", "--frames", "2", "--data", "-"},
       "--data -: a pipe only works with marquee live"},
      {{"still", "SCENE", "-o", "x.png", "--data", "nofeed.jsonl"}, "--data: no such file"},
      {{"live", "SCENE", "-o", "x.mkv", "--stats-live", "missing_dir/s.jsonl"},
       "output directory does not exist"},
      {{"validate"}, "marquee validate expects SCENE"},
      {{"validate", "SCENE", "SCENE"}, "marquee validate expects SCENE"},
      {{"validate", "no_such_scene.json"}, "no_such_scene.json"},
      {{"still", "no_such_scene.json", "-o", "x.png"}, "no_such_scene.json"},
  };
  for (size_t i = 0; i < calls.size(); ++i) {
    std::vector<std::string> args = withScene(calls[i].args);
    std::ostringstream name;
    name << i << ":";
    for (const auto& a : calls[i].args) name << " " << a;
    DYNAMIC_SECTION(name.str()) {
      TempDir dir;
      auto before = listTree(dir.path());
      RunResult r = runMarquee(args, dir.path());
      INFO(r.describe());
      REQUIRE(r.exited);
      CHECK(r.status == 2);
      CHECK(r.err.find(calls[i].message) != std::string::npos);
      CHECK(r.out.empty());
      CHECK(listTree(dir.path()) == before);
    }
  }
}

TEST_CASE("marquee --help lists the commands and the exit statuses", "[cli][help]") {
  TempDir dir;
  for (const char* flag : {"--help", "-h", "help"}) {
    RunResult r = runMarquee({flag}, dir.path());
    INFO(r.describe());
    REQUIRE(r.exited);
    CHECK(r.status == 0);
    for (const char* word : {"usage: marquee", "validate", "still", "render", "exit status"})
      CHECK(r.out.find(word) != std::string::npos);
  }
  RunResult v = runMarquee({"--version"}, dir.path());
  INFO(v.describe());
  REQUIRE(v.exited);
  CHECK(v.status == 0);
  CHECK(v.out.rfind("marquee ", 0) == 0);
  CHECK(listTree(dir.path()).empty());
}

TEST_CASE("each command's --help documents every option, and the parser accepts each one",
          "[cli][help]") {
  // The options each command is meant to have (from editor/commands.cpp).
  // Checked by name so an option dropped from the table, and so from both
  // the help and the parser, is noticed too.
  const std::map<std::string, std::vector<std::string>> expected = {
      {"validate", {"--help", "-h", "--verbose", "-v"}},
      {"still",
       {"--help", "--output", "-o", "--time", "--preview-out", "--zebra", "--peaking",
        "--peaking-color", "--input", "--data", "--output-size", "--device", "--validation",
        "--verbose"}},
      {"render",
       {"--help",
        "--output",
        "-o",
        "--frames",
        "--duration",
        "--preset",
        "--input",
        "--data",
        "--stats",
        "--render-only",
        "--realtime",
        "--preview-out",
        "--zebra",
        "--peaking",
        "--peaking-color",
        "--codec",
        "--encoder-preset",
        "--crf",
        "--video-bitrate",
        "--keyframe-interval",
        "--audio-bitrate",
        "--output-size",
        "--full-redraw",
        "--device",
        "--validation",
        "--verbose"}},
      {"live",
       {"--help",
        "--output",
        "-o",
        "--duration",
        "--preset",
        "--input",
        "--data",
        "--stats",
        "--stats-live",
        "--inject",
        "--preview-out",
        "--zebra",
        "--peaking",
        "--peaking-color",
        "--codec",
        "--encoder-preset",
        "--crf",
        "--video-bitrate",
        "--keyframe-interval",
        "--audio-bitrate",
        "--output-size",
        "--full-redraw",
        "--device",
        "--validation",
        "--verbose"}},
  };
  // An option line of the help: "  -o, --output OUT.png   text" or
  // "  --render-only   text"; the value name, if any, is upper case first.
  const std::regex optionLine(R"(^  (?:(-[a-zA-Z]), )?(--[a-z][a-z-]*)(?: ([A-Z]\S*))?(?:\s|$))");
  for (const auto& [command, options] : expected) {
    DYNAMIC_SECTION(command) {
      TempDir dir;
      RunResult r = runMarquee({command, "--help"}, dir.path());
      INFO(r.describe());
      REQUIRE(r.exited);
      REQUIRE(r.status == 0);
      CHECK(r.out.rfind("usage: marquee " + command, 0) == 0);
      for (const auto& o : options) {
        INFO("option " << o);
        CHECK(std::regex_search(r.out, std::regex("(^|[ ,])" + o + "([ ,\n]|$)")));
      }
      // Every option the help shows must parse: OPTION [VALUE] --help exits 0
      // with the help. (The value is not checked before --help is handled.)
      std::istringstream lines(r.out);
      std::string line;
      int listed = 0;
      while (std::getline(lines, line)) {
        std::smatch m;
        if (!std::regex_search(line, m, optionLine)) continue;
        ++listed;
        std::vector<std::string> forms = {m[2]};
        if (m[1].matched) forms.push_back(m[1]);
        for (const std::string& form : forms) {
          std::vector<std::string> args = {command, form};
          if (m[3].matched) args.push_back("1");
          if (form != "--help" && form != "-h") args.push_back("--help");
          RunResult h = runMarquee(args, dir.path());
          INFO(h.describe());
          REQUIRE(h.exited);
          CHECK(h.status == 0);
          CHECK(h.out == r.out);
        }
      }
      // One help line per long option: nothing undocumented, nothing extra.
      CHECK(listed == std::count_if(options.begin(), options.end(),
                                    [](const std::string& o) { return o.rfind("--", 0) == 0; }));
      CHECK(listTree(dir.path()).empty());
    }
  }
}

namespace {

// An output path that names an existing directory can only fail when the
// finished file is renamed onto it, after all the rendering: the failure must
// still be clean (a status, not a crash) and leave nothing beside it.
void checkOutputIsDirectory(const std::vector<std::string>& args, const std::string& output) {
  TempDir dir;
  fs::create_directory(dir / output);
  auto before = listTree(dir.path());
  RunResult r = runMarquee(withScene(args), dir.path());
  INFO(r.describe());
  REQUIRE(r.exited);
  CHECK((r.status == 1 || r.status == 2));
  CHECK(r.err.find(output) != std::string::npos);
  CHECK(listTree(dir.path()) == before);
}

}  // namespace

TEST_CASE("render -o naming an existing directory fails and leaves no partial file",
          "[cli][args]") {
  checkOutputIsDirectory(
      {"render", "SCENE", "--frames", "1", "--output-size", "320x180", "-o", "taken.mp4"},
      "taken.mp4");
}

// A directory in the way of the output is refused up front (exit 2), and
// nothing (no OUT.png.partial either) is left behind.
TEST_CASE("still -o naming an existing directory fails and leaves no partial file", "[cli][args]") {
  checkOutputIsDirectory({"still", "SCENE", "--output-size", "320x180", "-o", "taken.png"},
                         "taken.png");
}
