// The `particles` node kind: its properties load through the table with
// their defaults, and bad emitter properties are named precisely.
#include <catch2/catch.hpp>

#include "scene/animation.h"
#include "scene/scene.h"
#include "scene_test_util.h"

using namespace mq::scene;
using namespace mq::scene::test;

namespace {

std::string emitterScene(const std::string& props, const std::string& extra = "") {
  return R"({"format": "marquee.scene/1", "nodes": [{"id": "fx", "kind": "particles")" +
         (props.empty() ? "" : ", " + props) + "}]" + extra + "}";
}

}  // namespace

TEST_CASE("particles: an emitter loads with its defaults and its own values",
          "[scene][particles]") {
  Scene s = parseScene(emitterScene(""), "x.json");
  const Node& d = s.nodes.at(0);
  CHECK(d.kind == NodeKind::Particles);
  CHECK(d.getEnum<ParticleEffect>(Prop::Effect) == ParticleEffect::Confetti);
  CHECK(d.getFloat(Prop::ParticleCount) == 1500);
  CHECK(d.getFloat(Prop::Rate) == 0);
  CHECK(d.getString(Prop::EmitClip).empty());

  Scene t =
      parseScene(emitterScene(R"("effect": "coins", "count": 300, "rate": 120, "lifetime": [1, 2],
        "direction": 90, "spread": 20, "particle_speed": [100, 200], "gravity": [0, 900],
        "drag": 0.5, "particle_size": [20, 30], "spin": 360, "seed": 7, "clip": "win",
        "colors": [{"offset": 0, "color": "#ffcc00"}, {"offset": 0.5, "color": "#ffffff"}])",
                              R"(, "clips": [{"id": "win", "duration": 3, "tracks": []}],
        "cues": [{"time": 2, "start": "win"}])"),
                 "x.json");
  const Node& n = t.nodes.at(0);
  CHECK(n.getEnum<ParticleEffect>(Prop::Effect) == ParticleEffect::Coins);
  CHECK(n.getFloat(Prop::Rate) == 120);
  CHECK(n.getVec2(Prop::ParticleSpeed) == Vec2{100, 200});
  CHECK(n.getStops(Prop::Colors).size() == 2);
  CHECK(n.getString(Prop::EmitClip) == "win");
  // Saved and loaded back unchanged.
  CHECK(saveScene(parseScene(saveScene(t), "y.json")) == saveScene(t));
}

TEST_CASE("particles: bad emitter properties name the pointer and what was expected",
          "[scene][particles]") {
  struct Case {
    std::string props, extra, pointer, message;
  };
  const std::vector<Case> cases = {
      {R"("effect": "fireworks")", "", "/nodes/0/effect", "confetti"},
      {R"("count": 0)", "", "/nodes/0/count", "expected a number in [1, 1000000], found 0"},
      {R"("count": 2000000)", "", "/nodes/0/count", "[1, 1000000]"},
      {R"("rate": -1)", "", "/nodes/0/rate", "expected a number in [0, 1000000]"},
      {R"("lifetime": [0, 2])", "", "/nodes/0/lifetime/0", "[0.01, 600]"},
      {R"("lifetime": 2)", "", "/nodes/0/lifetime", ""},
      {R"("spread": 400)", "", "/nodes/0/spread", "[0, 360]"},
      {R"("drag": -0.5)", "", "/nodes/0/drag", "[0, 100]"},
      {R"("particle_speed": "fast")", "", "/nodes/0/particle_speed", ""},
      {R"("colors": "#ff0000")", "", "/nodes/0/colors", ""},
      {R"("resolution": 0)", "", "/nodes/0/resolution", "[0.05, 1]"},
      {R"("sprite": "missing.png")", "", "/nodes/0/sprite", "image file not found"},
      {R"("clip": "burts")", R"(, "clips": [{"id": "burst", "duration": 1, "tracks": []}])",
       "/nodes/0/clip",
       "no clip has the id \"burts\"; \"clip\" names the clip whose start fires the emitter"},
      {R"("colors": [{"offset": 0, "color": "#000000"}, {"offset": 0.1, "color": "#000000"},
         {"offset": 0.2, "color": "#000000"}, {"offset": 0.3, "color": "#000000"},
         {"offset": 0.4, "color": "#000000"}, {"offset": 0.5, "color": "#000000"},
         {"offset": 0.6, "color": "#000000"}, {"offset": 0.7, "color": "#000000"},
         {"offset": 0.8, "color": "#000000"}])",
       "", "/nodes/0/colors", "expected 1 to 8 colour stops, found 9"},
      {R"("font_size": 20)", "", "/nodes/0/font_size", "particles"},
  };
  for (const Case& c : cases) {
    INFO(c.props);
    SceneIssue i = onlyIssue(emitterScene(c.props, c.extra));
    CHECK(i.pointer == c.pointer);
    CHECK_THAT(i.message, Catch::Contains(c.message));
  }
}
