// Transitions are loaded into clips (cues start them by id): what each type
// animates, durations in seconds or frames, and located errors.
#include <catch2/catch.hpp>
#include <string>

#include "scene/animation.h"
#include "scene_test_util.h"

using namespace mq::scene;
using namespace mq::scene::test;

namespace {

std::string shotsScene(const std::string& transitions, const std::string& cues = "[]") {
  return R"({"format": "marquee.scene/1", "canvas": {"width": 1000, "height": 500, "fps": 25},
  "nodes": [
    {"id": "wide", "kind": "solid", "color": "#ff0000"},
    {"id": "close", "kind": "solid", "color": "#0000ff", "visible": false, "opacity": 0.8}],
  "transitions": )" +
         transitions + R"(, "cues": )" + cues + "}";
}

}  // namespace

TEST_CASE("transitions: each type animates the two shots as it should", "[scene][transitions]") {
  auto at = [](const std::string& transition, double t) {
    Scene s = parseScene(shotsScene("[" + transition + "]", R"([{"time": 1, "start": "t"}])"),
                         "/tmp/t.json");
    return evaluateScene(s, t);
  };
  SECTION("cut: on the cue's frame, nothing before") {
    std::string cut = R"({"id": "t", "from": "wide", "to": "close", "type": "cut"})";
    CHECK(at(cut, 0.96).findNode("wide")->getBool(Prop::Visible));
    CHECK_FALSE(at(cut, 0.96).findNode("close")->getBool(Prop::Visible));
    CHECK_FALSE(at(cut, 1.0).findNode("wide")->getBool(Prop::Visible));
    CHECK(at(cut, 1.0).findNode("close")->getBool(Prop::Visible));
  }
  SECTION("mix: the new shot fades in to its own opacity; the old one goes at the end") {
    std::string mix =
        R"({"id": "t", "from": "wide", "to": "close", "type": "mix", "duration": "10f", "ease": "linear"})";
    Scene mid = at(mix, 1.2);  // 10 frames at 25 fps = 0.4 s
    CHECK(mid.findNode("close")->getFloat(Prop::Opacity) == Approx(0.4));
    CHECK(mid.findNode("wide")->getBool(Prop::Visible));
    Scene end = at(mix, 1.44);  // the frame after the last
    CHECK(end.findNode("close")->getFloat(Prop::Opacity) == Approx(0.8));
    CHECK_FALSE(end.findNode("wide")->getBool(Prop::Visible));
  }
  SECTION("push left: in from the right by a canvas width, the old shot out to the left") {
    std::string push =
        R"({"id": "t", "from": "wide", "to": "close", "type": "push", "duration": 1, "ease": "linear"})";
    Scene mid = at(push, 1.5);
    CHECK(mid.findNode("close")->getVec2(Prop::Position).x == Approx(500));
    CHECK(mid.findNode("wide")->getVec2(Prop::Position).x == Approx(-500));
  }
  SECTION("wipe down: the new shot is uncovered from the top") {
    std::string wipe =
        R"({"id": "t", "from": "wide", "to": "close", "type": "wipe", "duration": 1, "direction": "down", "ease": "linear"})";
    CHECK(at(wipe, 1.0).findNode("close")->getInsets(Prop::Crop).bottom == Approx(500));
    CHECK(at(wipe, 1.5).findNode("close")->getInsets(Prop::Crop).bottom == Approx(250));
    CHECK(at(wipe, 2.0).findNode("close")->getInsets(Prop::Crop).bottom == Approx(0));
    // A hard edge: the new shot's crop_softness is left alone.
    CHECK(at(wipe, 1.5).findNode("close")->getFloat(Prop::CropSoftness) == 0);
  }
  SECTION("soft wipe: the new shot's crop edge is feathered while it travels") {
    std::string wipe =
        R"({"id": "t", "from": "wide", "to": "close", "type": "wipe", "duration": 1, "softness": 24, "ease": "linear"})";
    Scene mid = at(wipe, 1.5);
    CHECK(mid.findNode("close")->getInsets(Prop::Crop).left == Approx(500));
    CHECK(mid.findNode("close")->getFloat(Prop::CropSoftness) == Approx(24));
    CHECK(at(wipe, 1.0).findNode("close")->getFloat(Prop::CropSoftness) == Approx(24));
    CHECK(at(wipe, 1.96).findNode("close")->getFloat(Prop::CropSoftness) == Approx(24));
    // At the end the shot has its own value (and crop) again.
    CHECK(at(wipe, 2.0).findNode("close")->getFloat(Prop::CropSoftness) == 0);
    CHECK(at(wipe, 0.5).findNode("close")->getFloat(Prop::CropSoftness) == 0);
    // Softness 0 makes the same clip as none.
    auto clipOf = [](const std::string& t) {
      return *parseScene(shotsScene("[" + t + "]"), "/tmp/t.json").findClip("t");
    };
    std::string hard =
        R"({"id": "t", "from": "wide", "to": "close", "type": "wipe", "duration": 1, "ease": "linear"})";
    std::string zero =
        R"({"id": "t", "from": "wide", "to": "close", "type": "wipe", "duration": 1, "softness": 0, "ease": "linear"})";
    CHECK(clipOf(zero) == clipOf(hard));
  }
}

TEST_CASE("transitions: bad ones are located and explained", "[scene][transitions]") {
  struct Case {
    std::string transitions, pointer, message;
  };
  const Case cases[] = {
      {R"({"id": "t", "from": "wide", "to": "close", "type": "mix", "duration": 1, "sound": "close"})",
       "/transitions/0/sound",
       "expected the id of a sound node (played when it starts), found \"close\""},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "fade", "duration": 1})",
       "/transitions/0/type", "expected cut, mix, slide, push, wipe or stinger, found \"fade\""},
      {R"({"id": "t", "from": "wide", "to": "nobody", "type": "mix", "duration": 1})",
       "/transitions/0/to", "expected the id of a node in the scene, found \"nobody\""},
      {R"({"id": "t", "from": "wide", "to": "wide", "type": "mix", "duration": 1})",
       "/transitions/0/to", "a transition goes from one node to another"},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "mix"})", "/transitions/0/duration",
       "missing \"duration\""},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "mix", "duration": "1.5f"})",
       "/transitions/0/duration", "expected seconds in (0, 600] or whole frames like \"12f\""},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "mix", "duration": 0})",
       "/transitions/0/duration", "expected seconds in (0, 600]"},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "slide", "duration": 1, "direction": "north"})",
       "/transitions/0/direction", "expected left, right, up or down, found \"north\""},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "mix", "duration": 1, "ease": "wobbly"})",
       "/transitions/0/ease", "expected an easing such as"},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "cut", "stinger": "x"})",
       "/transitions/0/stinger", "unknown key \"stinger\" in a transition"},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "stinger", "cut_point": 0.5, "duration": 1})",
       "/transitions/0/source", "missing \"source\": the stinger's video"},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "stinger", "source": "", "cut_point": 0.5, "duration": 1})",
       "/transitions/0/source",
       "expected the stinger's video (a file relative to the scene, or a URL), found \"\""},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "stinger", "source": "s.mov", "duration": 1})",
       "/transitions/0/cut_point", "missing \"cut_point\""},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "stinger", "source": "s.mov", "cut_point": "half", "duration": 1})",
       "/transitions/0/cut_point",
       "expected seconds in [0, 600] or whole frames like \"12f\", found \"half\""},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "stinger", "source": "s.mov", "cut_point": "30f", "duration": 1})",
       "/transitions/0/cut_point", "the cut point is past the stinger's end (1 s)"},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "stinger", "source": "missing.mov", "cut_point": 0.5})",
       "/transitions/0/source",
       "cannot tell how long the stinger \"missing.mov\" lasts (cannot open it: "},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "stinger", "source": "srt://host:9000", "cut_point": 0.5})",
       "/transitions/0/source",
       "cannot tell how long the stinger \"srt://host:9000\" lasts (a stream's length is not known "
       "in advance); give the transition a \"duration\""},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "mix", "duration": 1, "cut_point": 0.5})",
       "/transitions/0/cut_point",
       "\"cut_point\" is where a stinger switches the shots; a mix has none"},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "wipe", "duration": 1, "source": "s.mov"})",
       "/transitions/0/source", "\"source\" is a stinger's video; a wipe has none"},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "mix", "duration": 1, "source_sound": false})",
       "/transitions/0/source_sound",
       "\"source_sound\" is whether a stinger's video plays its sound; a mix has no video"},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "stinger", "source": "s.mov", "cut_point": 0, "duration": 1, "source_sound": "no"})",
       "/transitions/0/source_sound",
       "expected true or false (whether the stinger's own sound plays), found \"no\""},

      {R"({"from": "wide", "to": "close", "type": "cut"})", "/transitions/0/id", "missing \"id\""},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "wipe", "duration": 1, "softness": -2})",
       "/transitions/0/softness", "expected the edge's width in pixels, 0 to 16384, found -2"},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "wipe", "duration": 1, "softness": "4px"})",
       "/transitions/0/softness", "expected the edge's width in pixels, 0 to 16384, found \"4px\""},
      {R"({"id": "t", "from": "wide", "to": "close", "type": "mix", "duration": 1, "softness": 8})",
       "/transitions/0/softness", "\"softness\" is the width of a wipe's edge; a mix has no edge"},
  };
  for (const Case& c : cases) {
    std::string text = shotsScene("[" + c.transitions + "]");
    INFO(text);
    SceneIssue i = onlyIssue(text);
    CHECK(i.pointer == c.pointer);
    CHECK(i.message.find(c.message) == 0);
  }
  // Transition ids share the clips' namespace: a cue starting an unknown one is caught.
  SceneIssue i =
      onlyIssue(shotsScene(R"([{"id": "t", "from": "wide", "to": "close", "type": "cut"}])",
                           R"([{"time": 1, "start": "u"}])"));
  CHECK(i.pointer == "/cues/0/start");
}

TEST_CASE("transitions: a stinger plays its video over a cut", "[scene][transitions]") {
  std::string stinger =
      R"({"id": "t", "from": "wide", "to": "close", "type": "stinger", "source": "sting.mov", "cut_point": "10f", "duration": 1.2})";
  Scene s =
      parseScene(shotsScene("[" + stinger + "]", R"([{"time": 1, "start": "t"}])"), "/tmp/t.json");
  // The loader made the stinger's video node, on top of everything, started
  // by the transition and hidden until then.
  REQUIRE(s.nodes.size() == 3);
  const Node& video = s.nodes.back();
  CHECK(video.id == "t.stinger");
  CHECK(video.kind == NodeKind::Video);
  CHECK(video.generated);
  CHECK(video.getString(Prop::Url) == "sting.mov");
  CHECK(video.getString(Prop::EmitClip) == "t");
  CHECK_FALSE(video.getBool(Prop::Visible));
  REQUIRE(s.findClip("t"));
  CHECK(s.findClip("t")->duration == Approx(1.2));

  auto visible = [&](double t, const char* id) {
    return evaluateScene(s, t).findNode(id)->getBool(Prop::Visible);
  };
  // Before the cue: the old shot alone.
  CHECK(visible(0.96, "wide"));
  CHECK_FALSE(visible(0.96, "close"));
  CHECK_FALSE(visible(0.96, "t.stinger"));
  // From the cue the stinger plays over the old shot...
  CHECK(visible(1.0, "t.stinger"));
  CHECK(visible(1.36, "wide"));
  CHECK_FALSE(visible(1.36, "close"));
  // ...which is cut to the new one at the cut point (10 frames at 25 fps).
  CHECK_FALSE(visible(1.4, "wide"));
  CHECK(visible(1.4, "close"));
  CHECK(visible(2.16, "t.stinger"));
  // The stinger goes when it ends.
  CHECK_FALSE(visible(2.2, "t.stinger"));
  CHECK(visible(2.2, "close"));
  CHECK_FALSE(visible(2.2, "wide"));

  // The made node is not saved (the transition is), and comes back on load.
  std::string saved = saveScene(s);
  CHECK(saved.find("t.stinger") == std::string::npos);
  CHECK(saved.find("\"cut_point\": \"10f\"") != std::string::npos);
  CHECK(saveScene(parseScene(saved, "/tmp/t.json")) == saved);

  // Its node id must be free.
  std::string taken = R"({"format": "marquee.scene/1",
    "nodes": [{"id": "a", "kind": "solid"}, {"id": "b", "kind": "solid", "visible": false},
              {"id": "t.stinger", "kind": "solid"}],
    "transitions": [{"id": "t", "from": "a", "to": "b", "type": "stinger", "source": "s.mov",
                     "cut_point": 0, "duration": 1}]})";
  SceneIssue i = onlyIssue(taken);
  CHECK(i.pointer == "/transitions/0/id");
  CHECK(i.message ==
        "the stinger's video node is named \"t.stinger\", which is already a node's id; rename "
        "one of them");
}
