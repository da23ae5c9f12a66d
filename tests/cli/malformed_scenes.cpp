// Bad scenes through every command: a scene or asset problem is the user's
// input, so it must end with exit status 2, a FILE:LINE:COL: POINTER message
// they can act on, and nothing on disk, never with a crash or a half-written
// output.
#include <stb_image_write.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <random>
#include <regex>

#include "cli_harness.h"

using namespace mq::clitest;

namespace {

// The three ways a scene reaches the loader from the command line. `render`
// gets an explicit frame count so a missing one can't be the reason it fails.
std::vector<std::vector<std::string>> commandsFor(const fs::path& scene) {
  return {{"validate", scene.string()},
          {"still", scene.string(), "-o", "x.png"},
          {"render", scene.string(), "-o", "x.mp4", "--frames", "2"}};
}

// "FILE:LINE:COL: POINTER: message", the loader's format, where POINTER is an
// RFC 6901 JSON pointer or "(root)" for the document itself.
std::regex positionedMessage(const std::string& fileName) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  std::string escaped = std::regex_replace(fileName, special, R"(\$&)");
  return std::regex(escaped + R"(:([0-9]+):([0-9]+): (/[^:\n]*|\(root\)): \S)");
}

void checkRejected(const RunResult& r, const std::string& fileName, const TempDir& dir,
                   const std::set<std::string>& before) {
  INFO(r.describe());
  REQUIRE(r.exited);  // not a crash, not a hang
  CHECK(r.status == 2);
  CHECK(r.err.find(fileName) != std::string::npos);
  std::smatch m;
  CHECK(std::regex_search(r.err, m, positionedMessage(fileName)));
  if (!m.empty()) {
    CHECK(std::stoi(m[1]) >= 1);
    CHECK(std::stoi(m[2]) >= 1);
  }
  CHECK(r.out.find(": ok") == std::string::npos);
  // Nothing written: no x.png, no x.mp4, no x.png.partial or x.partial.mp4.
  CHECK(listTree(dir.path()) == before);
}

}  // namespace

TEST_CASE("every malformed scene fixture is rejected by validate, still and render",
          "[cli][malformed]") {
  fs::path fixtures = testDataDir() / "scenes" / "malformed";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fixtures))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 10);  // the directory is there and populated

  // Where the loader must point for fixtures whose problem is unambiguous. New
  // fixtures without an entry still get the generic checks above.
  const std::map<std::string, std::string> expectedPointer = {
      {"bad_color.json", "/nodes/0/color"},
      {"bad_enum.json", "/nodes/0/blend"},
      {"children_on_solid.json", "/nodes/0/children"},
      {"missing_image.json", "/nodes/0/source"},
      {"non_image_source.json", "/nodes/0/source"},
      {"out_of_range_opacity.json", "/nodes/2/opacity"},
      {"wrong_type_opacity.json", "/nodes/0/opacity"},
      {"wrong_vec2_length.json", "/nodes/0/position"},
      {"unknown_property.json", "/nodes/1/opacty"},
      {"descending_stops.json", "/nodes/0/stops/1/offset"},
      {"duplicate_id.json", "/nodes/1/children/0/id"},
      {"missing_source.json", "/nodes/0/source"},
      {"property_not_applicable.json", "/nodes/0/font_size"},
      {"unknown_root_key.json", "/node"},
      {"odd_canvas_width.json", "/canvas/width"},
      {"empty.json", "(root)"},
      {"not_an_object.json", "(root)"},
      {"clip_unknown_node.json", "/clips/0/tracks/0/node"},
      {"clip_unknown_easing.json", "/clips/0/tracks/0/keys/0/ease"},
      {"clip_descending_keys.json", "/clips/0/tracks/0/keys/1/time"},
      {"clip_key_out_of_range.json", "/clips/0/tracks/0/keys/0/value"},
      {"cue_unknown_clip.json", "/cues/0/start"},
      {"cue_two_actions.json", "/cues/0/start"},
  };

  for (const fs::path& file : files) {
    for (const auto& args : commandsFor(file)) {
      DYNAMIC_SECTION(file.filename().string() << " / " << args[0]) {
        TempDir dir;
        auto before = listTree(dir.path());
        RunResult r = runMarquee(args, dir.path());
        checkRejected(r, file.filename().string(), dir, before);
        if (auto it = expectedPointer.find(file.filename().string()); it != expectedPointer.end()) {
          INFO(r.describe());
          CHECK(r.err.find(": " + it->second + ": ") != std::string::npos);
        }
      }
    }
  }
}

TEST_CASE("random bytes as a scene are rejected with a message, never a crash",
          "[cli][malformed]") {
  TempDir dir;
  // A fixed seed and the engine's raw output (not a std distribution, whose
  // results differ between standard libraries) make the files the same on
  // every machine, so a failure reproduces.
  std::mt19937 rng(20240611);
  auto randomBytes = [&](size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = char(rng() & 0xff);
    return s;
  };
  // Plain noise, and noise behind a valid-looking start so the parser gets
  // past the first byte: inside a string (invalid UTF-8, control bytes,
  // NULs), inside the nodes array, and as a number.
  const std::vector<std::string> prefixes = {"", "{",
                                             "{\"format\": \"marquee.scene/1\", \"name\": \"",
                                             "{\"format\": \"marquee.scene/1\", \"nodes\": [",
                                             "{\"format\": \"marquee.scene/1\", "
                                             "\"canvas\": {\"width\": 1"};
  std::vector<fs::path> files;
  for (int i = 0; i < 20; ++i) {
    size_t size = i == 0 ? 1 : size_t(1) << (i % 13);  // 1 byte .. 4 KiB
    std::string bytes = prefixes[size_t(i) % prefixes.size()] + randomBytes(size);
    if (i % 4 == 1) bytes += std::string("\0\0\xff\xfe\xc0\x80\xed\xa0\x80", 9);
    fs::path p = dir / ("noise_" + std::to_string(i) + ".json");
    writeFile(p, bytes);
    files.push_back(p);
  }
  auto before = listTree(dir.path());
  for (size_t i = 0; i < files.size(); ++i) {
    RunResult r = runMarquee({"validate", files[i].filename().string()}, dir.path());
    INFO(r.describe());
    REQUIRE(r.exited);
    CHECK(r.status == 2);
    CHECK(std::regex_search(r.err, positionedMessage(files[i].filename().string())));
    CHECK(r.out.find(": ok") == std::string::npos);
  }
  // The same garbage through the other commands, which load the scene on
  // their own path (a few files are enough: the loader is shared).
  for (size_t i : {size_t(0), size_t(2), size_t(3)}) {
    for (const auto& args : commandsFor(files[i].filename())) {
      if (args[0] == "validate") continue;
      RunResult r = runMarquee(args, dir.path());
      INFO(r.describe());
      REQUIRE(r.exited);
      CHECK(r.status == 2);
      CHECK(r.err.find(files[i].filename().string()) != std::string::npos);
    }
  }
  CHECK(listTree(dir.path()) == before);
}

TEST_CASE("an image node whose source is missing or not an image names the file and pointer",
          "[cli][malformed]") {
  struct Case {
    const char* scene;    // in tests/scenes/cli
    const char* asset;    // what the message must name
    const char* pointer;  // where it must point
  };
  const Case cases[] = {
      {"missing_asset.json", "no_such_sticker.png", "/nodes/1/source"},
      {"non_image_asset.json", "not_an_image.png", "/nodes/2/source"},
      {"nested_missing_asset.json", "also_missing.jpg", "/nodes/1/children/0/source"},
  };
  for (const Case& c : cases) {
    fs::path scene = cliScenesDir() / c.scene;
    REQUIRE(fs::exists(scene));
    for (const auto& args : commandsFor(scene)) {
      DYNAMIC_SECTION(c.scene << " / " << args[0]) {
        TempDir dir;
        auto before = listTree(dir.path());
        RunResult r = runMarquee(args, dir.path());
        checkRejected(r, c.scene, dir, before);
        INFO(r.describe());
        CHECK(r.err.find(c.asset) != std::string::npos);
        CHECK(r.err.find(": " + std::string(c.pointer) + ": ") != std::string::npos);
      }
    }
  }
}

TEST_CASE("an image that starts like a PNG but is cut short is bad input, not a crash",
          "[cli][malformed]") {
  // The loader only reads the PNG header; the pixels are decoded when the
  // compositor uploads them, after the output file may already be open. The
  // file must still be reported as bad input and the output cleaned up.
  TempDir dir;
  std::vector<uint8_t> px(64 * 64 * 4);
  for (size_t i = 0; i < px.size(); ++i) px[i] = uint8_t(i * 131 + 7);  // incompressible-ish
  REQUIRE(stbi_write_png((dir / "full.png").c_str(), 64, 64, 4, px.data(), 64 * 4));
  std::string png = readFile(dir / "full.png");
  REQUIRE(png.size() > 200);
  writeFile(dir / "cut.png", png.substr(0, png.size() / 2));
  fs::remove(dir / "full.png");
  writeFile(dir / "scene.json", R"({
  "format": "marquee.scene/1",
  "canvas": {"width": 320, "height": 240},
  "nodes": [
    {"id": "cut", "kind": "image", "source": "cut.png"}
  ]
}
)");
  auto before = listTree(dir.path());
  for (const auto& args : commandsFor("scene.json")) {
    // validate reads the signature and header only (decoding every image
    // would make it as slow as rendering), so it cannot see this one.
    if (args[0] == "validate") continue;
    RunResult r = runMarquee(args, dir.path());
    checkRejected(r, "scene.json", dir, before);
    INFO(r.describe());
    CHECK(r.err.find("cut.png") != std::string::npos);
    CHECK(r.err.find(": /nodes/0/source: ") != std::string::npos);
  }
}
