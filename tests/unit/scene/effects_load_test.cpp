// Effect presets ("effects" in a scene): each becomes a clip of its id with
// the tracks its type stands for, ends on the node's own values, plays its
// sound when started, saves as written, and a bad one names its place.
#include <catch2/catch.hpp>

#include "scene/animation.h"
#include "scene_test_util.h"

using namespace mq::scene;
using namespace mq::scene::test;

namespace {

const std::filesystem::path kScenePath =
    std::filesystem::path(MARQUEE_SOURCE_DIR) / "scenes/x.json";

std::string sceneWith(const std::string& effects, const std::string& more = "") {
  return R"({"format": "marquee.scene/1",
    "canvas": {"width": 1080, "height": 1920, "fps": 30},
    "nodes": [
      {"id": "badge", "kind": "solid", "size": [200, 200], "anchor": [0.5, 0.5],
       "scale": [1.5, 1.5], "opacity": 0.9, "visible": false},
      {"id": "flash", "kind": "solid", "opacity": 0},
      {"id": "sold", "kind": "stock_counter", "value": 1240},
      {"id": "pop", "kind": "sound", "file": "../assets/audio/sfx_pop.wav"}],
    "effects": )" +
         effects + more + "}";
}

const Clip& clipOf(const Scene& s, const std::string& id) {
  const Clip* c = s.findClip(id);
  REQUIRE(c);
  return *c;
}

}  // namespace

TEST_CASE("effects: presets become clips that end on the node's own values", "[scene][effects]") {
  Scene s = parseScene(sceneWith(R"([
      {"id": "badge_in", "type": "sticker", "node": "badge", "sound": "pop"},
      {"id": "boom", "type": "flash", "node": "flash", "duration": "6f", "strength": 0.7},
      {"id": "gleam", "type": "shine", "node": "badge", "ease": "linear"},
      {"id": "count", "type": "roll_up", "node": "sold", "from": 100}])",
                                 R"(, "cues": [{"time": 1, "start": "badge_in"}])"),
                       kScenePath);
  const Clip& sticker = clipOf(s, "badge_in");
  CHECK(sticker.generated);
  CHECK(sticker.sound == "pop");
  CHECK(sticker.duration == 0.8);
  const Clip& flash = clipOf(s, "boom");
  CHECK(flash.duration == Approx(0.2));
  CHECK(flash.sound.empty());

  // The sticker: hidden before its cue; at the cue shown from nothing; it
  // overshoots on the way (out-elastic) and settles on its own scale.
  auto at = [&](double t) { return evaluateScene(s, t); };
  CHECK_FALSE(at(0.5).findNode("badge")->getBool(Prop::Visible));
  Scene start = at(1.0);
  CHECK(start.findNode("badge")->getBool(Prop::Visible));
  CHECK(start.findNode("badge")->getVec2(Prop::Scale) == Vec2{0, 0});
  CHECK(start.findNode("badge")->getFloat(Prop::Opacity) == 0);
  double peak = 0;
  for (double t = 1.0; t <= 1.8; t += 1.0 / 30)
    peak = std::max(peak, at(t).findNode("badge")->getVec2(Prop::Scale).x);
  CHECK(peak > 1.5);
  Scene settled = at(2.5);
  CHECK(settled.findNode("badge")->getVec2(Prop::Scale) == Vec2{1.5, 1.5});
  CHECK(settled.findNode("badge")->getFloat(Prop::Opacity) == Approx(0.9));

  // The others, started by their ids at 0 through cues added here.
  for (const char* id : {"boom", "gleam", "count"}) {
    Cue c;
    c.time = 0;
    c.start = id;
    s.cues.push_back(c);
  }
  CHECK(at(0).findNode("flash")->getFloat(Prop::Opacity) == Approx(0.7));
  CHECK(at(0.1).findNode("flash")->getFloat(Prop::Opacity) == Approx(0.7 * 0.25));  // out-quad
  CHECK(at(0.3).findNode("flash")->getFloat(Prop::Opacity) == 0);
  CHECK(at(0.4).findNode("badge")->getFloat(Prop::ShinePosition) == Approx(0.5));
  CHECK(at(0.4).findNode("badge")->getFloat(Prop::Shine) == Approx(0.8));
  CHECK(at(0).findNode("sold")->getFloat(Prop::Value) == 100);
  double mid = at(0.3).findNode("sold")->getFloat(Prop::Value);
  CHECK(mid > 100 + 0.5 * 1140);  // out-expo is past halfway early
  CHECK(at(1.5).findNode("sold")->getFloat(Prop::Value) == 1240);

  // Saved as written; the generated clips are not saved.
  std::string saved = saveScene(s);
  CHECK(saved.find("\"effects\"") != std::string::npos);
  CHECK(saved.find("\"clips\"") == std::string::npos);
  Scene again = parseScene(saved, kScenePath);
  CHECK(saveScene(again) == saved);
  CHECK(clipOf(again, "badge_in") == sticker);
}

TEST_CASE("effects: a clip's sound is saved with it", "[scene][effects]") {
  Scene s = parseScene(sceneWith("[]", R"(, "clips": [{"id": "hit", "duration": 1, "sound": "pop",
      "tracks": [{"node": "flash", "property": "opacity", "keys": [{"time": 0, "value": 1}]}]}])"),
                       kScenePath);
  CHECK(clipOf(s, "hit").sound == "pop");
  std::string saved = saveScene(s);
  CHECK(saved.find(R"("sound": "pop")") != std::string::npos);
  CHECK(saveScene(parseScene(saved, kScenePath)) == saved);
}

TEST_CASE("effects: bad effects name the pointer and what was expected", "[scene][effects]") {
  struct Case {
    std::string effects, pointer, message;
  };
  const Case cases[] = {
      {R"([{"id": "e", "type": "wobble", "node": "badge"}])", "/effects/0/type",
       "expected sticker, flash, shine or roll_up, found \"wobble\""},
      {R"([{"id": "e", "type": "sticker"}])", "/effects/0/node", "missing \"node\""},
      {R"([{"id": "e", "type": "sticker", "node": "nobody"}])", "/effects/0/node",
       "expected the id of a node in the scene, found \"nobody\""},
      {R"([{"id": "e", "type": "flash", "node": "pop"}])", "/effects/0/node",
       "\"pop\" is a sound node, which does not draw"},
      {R"([{"id": "e", "type": "sticker", "node": "badge", "strength": 0.5}])",
       "/effects/0/strength",
       "\"strength\" is a flash's peak opacity or a shine's strength; a "
       "sticker has none"},
      {R"([{"id": "e", "type": "flash", "node": "flash", "strength": 2}])", "/effects/0/strength",
       "expected a number from 0 to 1, found 2"},
      {R"([{"id": "e", "type": "roll_up", "node": "badge"}])", "/effects/0/node",
       "a roll-up counts \"value\", which a solid node does not have"},
      {R"([{"id": "e", "type": "roll_up", "node": "sold", "property": "size"}])",
       "/effects/0/property", "expected the name of a number property"},
      {R"([{"id": "e", "type": "sticker", "node": "badge", "sound": "flash"}])", "/effects/0/sound",
       "expected the id of a sound node (played when it starts), found \"flash\" (a solid "
       "node)"},
      {R"([{"id": "e", "type": "sticker", "node": "badge", "duration": 0}])", "/effects/0/duration",
       "expected seconds in (0, 600]"},
      {R"([{"id": "e", "type": "sticker", "node": "badge", "ease": "wobbly"}])", "/effects/0/ease",
       "unknown easing \"wobbly\""},
      {R"([{"id": "e", "type": "sticker", "node": "badge", "colour": 1}])", "/effects/0/colour",
       "unknown key"},
      {R"([{"type": "sticker", "node": "badge"}])", "/effects/0/id", "missing \"id\""},
      {R"({"id": "e"})", "/effects", "expected an array of effects"},
  };
  for (const Case& c : cases) {
    INFO(c.effects);
    SceneIssue i = onlyIssue(sceneWith(c.effects), kScenePath);
    CHECK(i.pointer == c.pointer);
    CHECK(i.message.find(c.message) == 0);
  }
}
