// Any bytes at all give a SceneError (or a scene), never a crash, a hang or
// another exception type. Deterministic: fixed seeds, std::mt19937.
#include <catch2/catch.hpp>
#include <random>

#include "scene_test_util.h"

using namespace mq::scene;
using namespace mq::scene::test;

namespace {

const fs::path kFile = "/nonexistent-dir/fuzz.json";  // asset paths resolve to nothing

// Parses; a scene that loads must also save and reload to the same text.
// Returns whether it loaded.
bool survives(const std::string& bytes) {
  try {
    Scene scene = parseScene(bytes, kFile);
    std::string saved = saveScene(scene);
    CHECK(saveScene(parseScene(saved, kFile)) == saved);
    return true;
  } catch (const SceneError& e) {
    CHECK_FALSE(e.issues().empty());
    for (const SceneIssue& i : e.issues()) CHECK(i.message.rfind("internal error", 0) != 0);
    CHECK(e.issues().size() <= 50);
    return false;
  }
}

using namespace std::string_view_literals;
const std::string_view kTokens[] = {"{",
                                    "}",
                                    "[",
                                    "]",
                                    ",",
                                    ":",
                                    "\"",
                                    "\\",
                                    "\\u",
                                    "d83d",
                                    "true",
                                    "false",
                                    "null",
                                    "-",
                                    "0",
                                    "1",
                                    "1e999",
                                    "0.5",
                                    "NaN",
                                    " ",
                                    "\n",
                                    "\"format\"",
                                    "\"marquee.scene/1\"",
                                    "\"nodes\"",
                                    "\"id\"",
                                    "\"kind\"",
                                    "\"solid\"",
                                    "\"group\"",
                                    "\"children\"",
                                    "\"stops\"",
                                    "\"opacity\"",
                                    "\"canvas\"",
                                    "\"fps\"",
                                    "\"#ffffff\"",
                                    "\"offset\"",
                                    "\"color\"",
                                    "\xEF\xBB\xBF",
                                    "\xC3",
                                    "\xA9",
                                    "\0"sv,
                                    "/",
                                    "//",
                                    "e"};

}  // namespace

TEST_CASE("fuzz: random bytes are rejected with SceneError", "[scene][fuzz]") {
  for (uint32_t seed = 1; seed <= 2000; ++seed) {
    std::mt19937 rng(seed);
    std::string bytes(rng() % 300, '\0');
    for (char& c : bytes) c = char(rng() % 256);
    if (seed % 3 == 0 && !bytes.empty()) bytes[0] = '{';  // get past the first character
    INFO("seed " << seed);
    CHECK_FALSE(survives(bytes));
  }
}

TEST_CASE("fuzz: token soup reaches deep into the parser", "[scene][fuzz]") {
  int loaded = 0;
  for (uint32_t seed = 1; seed <= 3000; ++seed) {
    std::mt19937 rng(seed);
    std::string bytes = "{\"format\": \"marquee.scene/1\", \"nodes\": [";
    for (int n = int(rng() % 60); n > 0; --n) {
      bytes += kTokens[rng() % std::size(kTokens)];
    }
    INFO("seed " << seed);
    loaded += survives(bytes);
  }
  CHECK(loaded < 3000);
}

TEST_CASE("fuzz: mutations of a valid scene", "[scene][fuzz]") {
  const std::string valid = readFile(kSceneData / "valid_all_kinds.json");
  REQUIRE_NOTHROW(parseScene(valid, kFile));
  int loaded = 0;
  for (uint32_t seed = 1; seed <= 1500; ++seed) {
    std::mt19937 rng(seed);
    std::string bytes = valid;
    for (int n = 1 + int(rng() % 4); n > 0 && !bytes.empty(); --n) {
      size_t at = rng() % bytes.size();
      switch (rng() % 4) {
        case 0:
          bytes[at] = char(rng() % 256);
          break;  // flip a byte
        case 1:
          bytes.erase(at, 1 + rng() % 8);
          break;  // delete a run
        case 2:
          bytes.insert(at, kTokens[rng() % std::size(kTokens)]);
          break;  // insert a token
        case 3:
          bytes.resize(at);
          break;  // truncate
      }
    }
    INFO("seed " << seed);
    loaded += survives(bytes);
  }
  CHECK(loaded > 0);  // some mutations stay valid (e.g. inside strings): they round-trip
}

TEST_CASE("fuzz: huge and pathological inputs", "[scene][fuzz]") {
  auto message = [](const std::string& bytes) {
    auto error = parseError(bytes, kFile);
    REQUIRE(error);
    return error->issues().at(0).message;
  };
  CHECK(message(std::string(10 << 20, '[')) == "nesting deeper than 128 levels");
  CHECK(message(std::string(100000, '[')) == "nesting deeper than 128 levels");
  CHECK(message(std::string(100000, '{')) == "expected a '\"'-quoted key, found '{'");
  CHECK(message(std::string(1 << 20, '\0')) == "expected a value, found byte 0x00");
  CHECK(message(std::string(1 << 20, '\xFF')) == "expected a value, found byte 0xff");
  CHECK(message("\"" + std::string(1 << 20, 'a')).find("unexpected end of file inside string") ==
        0);
  CHECK(message(std::string(1 << 20, ' ')) == "expected a JSON value, found end of file");
  // A long string in a message is shortened.
  std::string longKind = R"({"format": "marquee.scene/1", "nodes": [{"id": "a", "kind": ")" +
                         std::string(5000, 'x') + "\"}]}";
  // (the list of the 14 kinds it expects takes about 130 characters)
  CHECK(message(longKind).size() < 260);
}
