// Scene-level live data and rules: checked by the loader, saved canonically.
#include <catch2/catch.hpp>

#include "scene/scene.h"

using namespace mq::scene;

TEST_CASE("scene: data and rules load, and save -> load -> save is identical", "[scene][data]") {
  std::string text = R"({"format": "marquee.scene/1",
  "clips": [{"id": "drop", "duration": 3, "tracks": []}],
  "data": {"viewers": 0, "stock": {"blue_xl": 37}},
  "rules": [{"id": "milestone", "when": "viewers >= 50000", "once": true,
             "do": {"start": "drop", "for": 180}}]})";
  Scene s = parseScene(text, "");
  CHECK(!s.dataJson.empty());
  CHECK(!s.rulesJson.empty());
  std::string saved = saveScene(s);
  CHECK(saveScene(parseScene(saved, "")) == saved);
  CHECK(saved.find("\"rules\"") != std::string::npos);
}

TEST_CASE("scene: bad rules and data name their pointer", "[scene][data]") {
  struct Case {
    const char* rules;
    const char* pointer;
    const char* message;
  };
  const Case cases[] = {
      {R"([{"id": "r", "when": "viewers >=", "do": {"start": "drop"}}])", "/rules",
       "/rules/0/when"},
      {R"([{"id": "r", "when": "viewers >= 5", "do": {"start": "nope"}}])", "/rules/0/do/start",
       "expected the id of a clip"},
      {R"([{"id": "r", "when": "viewers >= 5", "do": {"play": "drop"}}])", "/rules/0/do/play",
       "expected the id of a sound node"},
      {R"([{"id": "r", "when": "viewers >= 5", "do": {"start": "drop", "stop": "drop"}}])",
       "/rules/0/do", "exactly one of"},
      {R"([{"id": "r", "when": "viewers >= 5", "do": {"stop": "drop", "for": 3}}])",
       "/rules/0/do/for", "only goes with"},
  };
  for (const Case& c : cases) {
    INFO(c.rules);
    std::string text = std::string(R"({"format": "marquee.scene/1",
  "clips": [{"id": "drop", "duration": 3, "tracks": []}], "rules": )") +
                       c.rules + "}";
    try {
      parseScene(text, "t.json");
      FAIL("no error");
    } catch (const SceneError& e) {
      REQUIRE(!e.issues().empty());
      CHECK(e.issues()[0].pointer == c.pointer);
      CHECK(e.issues()[0].message.find(c.message) != std::string::npos);
    }
  }
  try {
    parseScene(R"({"format": "marquee.scene/1", "data": {"viewers": true}})", "t.json");
    FAIL("no error");
  } catch (const SceneError& e) {
    CHECK(e.issues()[0].pointer == "/data");
  }
}
