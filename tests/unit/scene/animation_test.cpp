// Keyframe animation: easing curves, interpolation per property type, clip
// timing from cues, and the loader's checks of clips, tracks, keys and cues.
#include "scene/animation.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "scene_test_util.h"

using namespace mq::scene;
using namespace mq::scene::test;

namespace {

Easing named(const std::string& name) {
  std::string error;
  auto e = parseEasing(name, error);
  INFO(name << ": " << error);
  REQUIRE(e);
  return *e;
}

// A scene with a solid "box" (and a text "title"), `clips` and `cues` as JSON
// array texts.
std::string animScene(const std::string& clips, const std::string& cues = "[]") {
  return R"({"format": "marquee.scene/1", "nodes": [
    {"id": "box", "kind": "solid", "size": [100, 100], "opacity": 0.5},
    {"id": "title", "kind": "text", "text": "Hi"},
    {"id": "pop", "kind": "sound", "file": "/dev/null"}],
  "clips": )" +
         clips + R"(, "cues": )" + cues + "}";
}

double opacityAt(const Scene& scene, double t) {
  return evaluateScene(scene, t).findNode("box")->getFloat(Prop::Opacity);
}

}  // namespace

TEST_CASE("animation: every easing starts at 0 and ends at 1", "[animation]") {
  std::vector<std::string> names = easingNames();
  names.push_back("cubic-bezier(0.2,0.8,0.2,1)");
  names.push_back("cubic-bezier(0,1.5,1,-0.5)");
  CHECK(names.size() == 2 + 7 * 3 + 2);
  for (const std::string& name : names) {
    INFO(name);
    Easing e = named(name);
    CHECK(ease(e, 0) == 0);
    CHECK(ease(e, 1) == 1);
    CHECK(ease(e, -0.5) == 0);  // clamped outside [0, 1]
    CHECK(ease(e, 1.5) == 1);
    CHECK(easingName(e) == name);  // canonical spelling reads back
    for (double x = 0; x <= 1; x += 0.01) CHECK(std::isfinite(ease(e, x)));
  }
}

TEST_CASE("animation: easing midpoints and shapes", "[animation]") {
  CHECK(ease(named("linear"), 0.3) == Approx(0.3));
  CHECK(ease(named("in-quad"), 0.5) == Approx(0.25));
  CHECK(ease(named("out-quad"), 0.5) == Approx(0.75));
  CHECK(ease(named("in-out-quad"), 0.5) == Approx(0.5));
  CHECK(ease(named("in-cubic"), 0.5) == Approx(0.125));
  CHECK(ease(named("out-cubic"), 0.5) == Approx(0.875));
  CHECK(ease(named("in-out-cubic"), 0.5) == Approx(0.5));
  CHECK(ease(named("in-out-sine"), 0.5) == Approx(0.5));
  CHECK(ease(named("in-sine"), 0.5) == Approx(1 - std::sqrt(0.5)));
  CHECK(ease(named("in-out-expo"), 0.5) == Approx(0.5));
  CHECK(ease(named("in-out-bounce"), 0.5) == Approx(0.5));
  CHECK(ease(named("out-bounce"), 1 / 2.75) == Approx(1));  // the first landing
  CHECK(ease(named("step"), 0.999) == 0);

  // cubic-bezier(0,0,1,1) is a straight line.
  Easing straight = named("cubic-bezier(0,0,1,1)");
  for (double x : {0.1, 0.25, 0.5, 0.77, 0.9}) CHECK(ease(straight, x) == Approx(x).margin(1e-9));
  // CSS ease-in, cubic-bezier(0.42,0,1,1): reference values of the curve.
  Easing easeIn = named("cubic-bezier(0.42, 0, 1, 1)");
  CHECK(ease(easeIn, 0.25) == Approx(0.0932).margin(1e-3));
  CHECK(ease(easeIn, 0.5) == Approx(0.3153).margin(1e-3));
  CHECK(ease(easeIn, 0.75) == Approx(0.6220).margin(1e-3));
  // Flat ends (x1 = 0, x2 = 1) make Newton's method stall; the result must still be monotonic.
  Easing flat = named("cubic-bezier(0,0.5,1,0.5)");
  double last = 0;
  for (double x = 0; x <= 1; x += 0.001) {
    double y = ease(flat, x);
    CHECK(y >= last - 1e-9);
    last = y;
  }

  auto range = [](const std::string& name) {
    Easing e = named(name);
    std::pair<double, double> r{0, 1};
    for (double x = 0; x <= 1; x += 0.001) {
      r.first = std::min(r.first, ease(e, x));
      r.second = std::max(r.second, ease(e, x));
    }
    return r;
  };
  CHECK(range("in-back").first < -0.05);  // pulls back before it goes
  CHECK(range("out-back").second > 1.05);
  CHECK(range("in-out-back").first < -0.05);
  CHECK(range("in-out-back").second > 1.05);
  CHECK(range("out-elastic").second > 1.2);
  CHECK(range("in-elastic").first < -0.2);
  for (const char* bounce : {"in-bounce", "out-bounce", "in-out-bounce"}) {
    INFO(bounce);
    CHECK(range(bounce).first >= 0);
    CHECK(range(bounce).second <= 1 + 1e-12);
  }
  for (const char* monotonic : {"in-sine", "out-quad", "in-out-cubic", "out-expo"}) {
    Easing e = named(monotonic);
    for (double x = 0; x < 1; x += 0.01) CHECK(ease(e, x + 0.01) >= ease(e, x));
  }
}

TEST_CASE("animation: easing names are checked", "[animation]") {
  std::string error;
  CHECK_FALSE(parseEasing("out-cubc", error));
  CHECK(error.find("unknown easing \"out-cubc\"; did you mean \"out-cubic\"?") == 0);
  CHECK(error.find("in-out-elastic") != std::string::npos);  // lists the names
  CHECK(error.find("cubic-bezier(x1,y1,x2,y2)") != std::string::npos);
  for (const char* bad :
       {"cubic-bezier(1.5,0,1,1)", "cubic-bezier(0,0,1)", "cubic-bezier(0,0,1,1,1)",
        "cubic-bezier(0,0,1,1", "cubic-bezier(a,0,1,1)", "cubic-bezier(0,,1,1)",
        "cubic-bezier(0,0,-0.1,1)"}) {
    INFO(bad);
    error.clear();
    CHECK_FALSE(parseEasing(bad, error));
    CHECK(error.find("expected cubic-bezier(x1,y1,x2,y2): four numbers with x1 and x2 in [0, 1]") ==
          0);
  }
  CHECK_FALSE(parseEasing("", error));
  CHECK_FALSE(parseEasing("Linear", error));
}

TEST_CASE("animation: interpolation of each property type", "[animation]") {
  const PropertyDesc& opacity = property(Prop::Opacity);
  CHECK(std::get<double>(interpolate(opacity, 0.2, 0.6, 0.5)) == Approx(0.4));
  CHECK(std::get<double>(interpolate(opacity, 0.2, 1.0, 1.5)) == 1.0);  // clamped to its range
  CHECK(std::get<double>(interpolate(opacity, 0.2, 1.0, -0.5)) == 0.0);

  const PropertyDesc& position = property(Prop::Position);
  CHECK(std::get<Vec2>(interpolate(position, Vec2{0, 100}, Vec2{10, 50}, 0.5)) == Vec2{5, 75});
  const PropertyDesc& size = property(Prop::Size);  // >= 0: an overshoot stops at 0
  CHECK(std::get<Vec2>(interpolate(size, Vec2{0, 100}, Vec2{100, 100}, -0.1)) == Vec2{0, 100});
  const PropertyDesc& crop = property(Prop::Crop);
  CHECK(std::get<Insets>(interpolate(crop, Insets{0, 10, 20, 30}, Insets{10, 10, 0, 40}, 0.5)) ==
        Insets{5, 10, 10, 35});

  // Colours blend in linear light: halfway from black to white is sRGB 188, not 128.
  const PropertyDesc& fill = property(Prop::Fill);
  Color mid =
      std::get<Color>(interpolate(fill, Color{0, 0, 0, 255}, Color{255, 255, 255, 255}, 0.5));
  CHECK(mid == Color{188, 188, 188, 255});
  // Premultiplied: fading in from transparent black keeps the colour, no darkening.
  Color fade = std::get<Color>(interpolate(fill, Color{0, 0, 0, 0}, Color{255, 0, 0, 255}, 0.5));
  CHECK(fade == Color{255, 0, 0, 128});
  Color overshoot =
      std::get<Color>(interpolate(fill, Color{0, 0, 0, 255}, Color{255, 100, 50, 255}, 1.3));
  CHECK(overshoot.a == 255);
  CHECK(overshoot.r == 255);  // clamped
  CHECK(std::get<Color>(interpolate(fill, Color{1, 2, 3, 0}, Color{4, 5, 6, 0}, 0.5)).a == 0);

  const PropertyDesc& stops = property(Prop::GradientStops);
  Stops a{{0, Color{0, 0, 0, 255}}, {1, Color{255, 255, 255, 255}}};
  Stops b{{0.5, Color{255, 255, 255, 255}}, {1, Color{0, 0, 0, 255}}};
  Stops s = std::get<Stops>(interpolate(stops, a, b, 0.5));
  CHECK(s[0].offset == Approx(0.25));
  CHECK(s[0].color == Color{188, 188, 188, 255});
  Stops three{{0, Color{}}, {0.5, Color{}}, {1, Color{}}};
  CHECK(std::get<Stops>(interpolate(stops, a, three, 0.9)) == a);  // counts differ: step
  CHECK(std::get<Stops>(interpolate(stops, a, three, 1.0)) == three);

  // Booleans, enums, strings and paths hold the earlier value until the next key.
  CHECK(std::get<bool>(interpolate(property(Prop::Visible), true, false, 0.99)) == true);
  CHECK(std::get<int64_t>(interpolate(property(Prop::Blend), int64_t{0}, int64_t{2}, 0.5)) == 0);
  CHECK(std::get<std::string>(
            interpolate(property(Prop::Text), std::string("a"), std::string("b"), 0.5)) == "a");

  // Tracks: hold before the first key and after the last; ease of key i shapes segment i.
  std::vector<Keyframe> keys = {{1.0, 0.0, named("in-quad")}, {2.0, 1.0, {}}, {3.0, 0.5, {}}};
  CHECK(std::get<double>(sampleTrack(opacity, keys, 0.0)) == 0.0);
  CHECK(std::get<double>(sampleTrack(opacity, keys, 1.5)) == Approx(0.25));
  CHECK(std::get<double>(sampleTrack(opacity, keys, 2.0)) == 1.0);
  CHECK(std::get<double>(sampleTrack(opacity, keys, 2.5)) == Approx(0.75));
  CHECK(std::get<double>(sampleTrack(opacity, keys, 9.0)) == 0.5);
  std::vector<Keyframe> stepped = {{0, 0.0, named("step")}, {1, 1.0, {}}};
  CHECK(std::get<double>(sampleTrack(opacity, stepped, 0.99)) == 0.0);
  CHECK(std::get<double>(sampleTrack(opacity, stepped, 1.0)) == 1.0);
}

TEST_CASE("animation: clip timing from autoplay, start and stop cues, loops", "[animation]") {
  const std::string fade =
      R"([{"id": "fade", "duration": 2, "tracks": [{"node": "box", "property": "opacity",
           "keys": [{"time": 0, "value": 0}, {"time": 1, "value": 1}]}]}])";
  SECTION("a clip without autoplay or cues never plays") {
    Scene scene = parseScene(animScene(fade), "/tmp/a.json");
    CHECK(opacityAt(scene, 0) == 0.5);
    CHECK(opacityAt(scene, 5) == 0.5);
  }
  SECTION("start and stop cues") {
    Scene scene = parseScene(animScene(fade, R"([{"time": 3, "start": "fade"},
                                                 {"time": 10, "stop": "fade"},
                                                 {"time": 12, "start": "fade"}])"),
                             "/tmp/a.json");
    CHECK(opacityAt(scene, 2.99) == 0.5);  // the node's own value before the start
    CHECK(opacityAt(scene, 3.0) == 0.0);
    CHECK(opacityAt(scene, 3.5) == Approx(0.5));
    CHECK(opacityAt(scene, 4.5) == 1.0);
    CHECK(opacityAt(scene, 9.99) == 1.0);            // past the duration: holds the last values
    CHECK(opacityAt(scene, 10.0) == 0.5);            // stopped: back to the node's own value
    CHECK(opacityAt(scene, 12.25) == Approx(0.25));  // started again, from the beginning
    CHECK(clipState(scene, scene.clips[0], 11).playing == false);
    ClipState s = clipState(scene, scene.clips[0], 12.5);
    CHECK(s.playing);
    CHECK(s.startTime == 12);
    CHECK(s.localTime == Approx(0.5));
    // Pure: evaluating out of order gives the same values.
    CHECK(opacityAt(scene, 3.5) == Approx(0.5));
  }
  SECTION("autoplay and loop") {
    std::string looped = fade;
    looped.replace(looped.find("\"duration\": 2"), 13,
                   "\"duration\": 2, \"loop\": true, \"autoplay\": true");
    Scene scene = parseScene(animScene(looped), "/tmp/a.json");
    CHECK(opacityAt(scene, 0) == 0.0);
    CHECK(opacityAt(scene, 0.5) == Approx(0.5));
    CHECK(opacityAt(scene, 1.5) == 1.0);
    CHECK(opacityAt(scene, 4.5) == Approx(0.5));  // wrapped twice
    CHECK(opacityAt(scene, 2.0) == 0.0);
  }
  SECTION("two clips on one property: the one started later wins") {
    const std::string two =
        R"([{"id": "a", "duration": 1, "autoplay": true, "tracks": [{"node": "box", "property": "opacity",
              "keys": [{"time": 0, "value": 0.1}]}]},
            {"id": "b", "duration": 1, "tracks": [{"node": "box", "property": "opacity",
              "keys": [{"time": 0, "value": 0.9}]},
              {"node": "box", "property": "color", "keys": [{"time": 0, "value": "#ff0000"}]}]}])";
    Scene scene =
        parseScene(animScene(two, R"([{"time": 2, "start": "b"}, {"time": 4, "start": "a"},
                                                {"time": 6, "stop": "a"}])"),
                   "/tmp/a.json");
    CHECK(opacityAt(scene, 1) == Approx(0.1));
    CHECK(opacityAt(scene, 3) == Approx(0.9));
    CHECK(opacityAt(scene, 5) == Approx(0.1));  // a restarted after b
    CHECK(opacityAt(scene, 7) == Approx(0.9));  // a stopped: b still plays
    Scene at7 = evaluateScene(scene, 7);
    CHECK(at7.findNode("box")->getColor(Prop::Fill) == Color{255, 0, 0, 255});
    CHECK(evaluateScene(scene, 1).findNode("box")->getColor(Prop::Fill) ==
          Color{255, 255, 255, 255});
  }
  SECTION("a stop and a start at the same time: the later cue in the file wins") {
    Scene scene = parseScene(animScene(fade, R"([{"time": 1, "start": "fade"},
                                                 {"time": 2, "stop": "fade"},
                                                 {"time": 2, "start": "fade"}])"),
                             "/tmp/a.json");
    CHECK(opacityAt(scene, 2.5) == Approx(0.5));
  }
  SECTION("one copy reused across frames, as the compositor does") {
    Scene scene = parseScene(animScene(fade, R"([{"time": 1, "start": "fade"}])"), "/tmp/a.json");
    Scene work = scene;
    applyAnimation(scene, 1.5, work);
    CHECK(work.findNode("box")->getFloat(Prop::Opacity) == Approx(0.5));
    applyAnimation(scene, 0.5, work);
    CHECK(work.findNode("box")->getFloat(Prop::Opacity) == 0.5);  // reset, not left over
  }
  SECTION("no clips: evaluateScene is a copy") {
    Scene scene = parseScene(animScene("[]"), "/tmp/a.json");
    CHECK(saveScene(evaluateScene(scene, 3)) == saveScene(scene));
  }
}

TEST_CASE("animation: keyframe values of every type load through the property table",
          "[animation]") {
  Scene scene = parseScene(animScene(R"([{"id": "c", "duration": 1, "tracks": [
        {"node": "title", "property": "text", "keys": [{"time": 0, "value": "A"}, {"time": 1, "value": "B"}]},
        {"node": "title", "property": "align", "keys": [{"time": 0, "value": "right"}]},
        {"node": "box", "property": "crop", "keys": [{"time": 0, "value": 4}]},
        {"node": "box", "property": "visible", "keys": [{"time": 0.5, "value": false, "ease": "step"}]}]}])"),
                           "/tmp/a.json");
  REQUIRE(scene.clips.size() == 1);
  const Clip& c = scene.clips[0];
  REQUIRE(c.tracks.size() == 4);
  CHECK(c.tracks[0].property == Prop::Text);
  CHECK(std::get<std::string>(c.tracks[0].keys[1].value) == "B");
  CHECK(std::get<int64_t>(c.tracks[1].keys[0].value) == 2);
  CHECK(std::get<Insets>(c.tracks[2].keys[0].value) == Insets{4, 4, 4, 4});
  CHECK(c.tracks[3].keys[0].ease.curve == EaseCurve::Step);
}

TEST_CASE("animation: loader errors name the pointer and what was expected", "[animation]") {
  auto clip = [](const std::string& track, const std::string& extra = "") {
    return R"([{"id": "c", "duration": 1)" + extra + R"(, "tracks": [)" + track + "]}]";
  };
  struct Case {
    std::string clips, cues, pointer, message;
  };
  const std::vector<Case> cases = {
      {clip(R"({"node": "bxo", "property": "opacity", "keys": [{"time": 0, "value": 1}]})"), "[]",
       "/clips/0/tracks/0/node", "no node has the id \"bxo\"; did you mean \"box\"?"},
      {clip(R"({"node": "box", "property": "opacty", "keys": [{"time": 0, "value": 1}]})"), "[]",
       "/clips/0/tracks/0/property",
       "unknown property \"opacty\" for a solid node; did you mean \"opacity\"?"},
      {clip(R"({"node": "box", "property": "font_size", "keys": [{"time": 0, "value": 1}]})"), "[]",
       "/clips/0/tracks/0/property",
       "property \"font_size\" does not apply to a solid node (\"box\")"},
      {clip(R"({"node": "box", "property": "opacity", "keys": [{"time": 0, "value": 2}]})"), "[]",
       "/clips/0/tracks/0/keys/0/value", "expected a number in [0, 1], found 2"},
      {clip(R"({"node": "box", "property": "position", "keys": [{"time": 0, "value": "left"}]})"),
       "[]", "/clips/0/tracks/0/keys/0/value", "expected [x, y], each a number in"},
      {clip(R"({"node": "box", "property": "opacity", "keys": [{"time": 0.5, "value": 1},
                                                               {"time": 0.5, "value": 0}]})"),
       "[]", "/clips/0/tracks/0/keys/1/time",
       "expected a time after the previous key's (0.5): keys are in ascending time, found 0.5"},
      {clip(R"({"node": "box", "property": "opacity", "keys": [{"time": 1.5, "value": 1}]})"), "[]",
       "/clips/0/tracks/0/keys/0/time",
       "expected seconds in [0, 1] (the clip's duration), found 1.5"},
      {clip(
           R"({"node": "box", "property": "opacity", "keys": [{"time": 0, "value": 1, "ease": "out-cubc"}]})"),
       "[]", "/clips/0/tracks/0/keys/0/ease",
       "unknown easing \"out-cubc\"; did you mean \"out-cubic\"? (expected linear, step, in-sine"},
      {clip(
           R"({"node": "box", "property": "opacity", "keys": [{"time": 0, "value": 1, "ease": 3}]})"),
       "[]", "/clips/0/tracks/0/keys/0/ease",
       "expected an easing name like \"out-cubic\", found 3"},
      {clip(R"({"node": "box", "property": "opacity", "keys": []})"), "[]",
       "/clips/0/tracks/0/keys", "expected an array of keyframes"},
      {clip(R"({"node": "box", "property": "opacity", "keys": [{"time": 0, "value": 1}]},
               {"node": "box", "property": "opacity", "keys": [{"time": 0, "value": 1}]})"),
       "[]", "/clips/0/tracks/1/property",
       "the clip already animates \"box\" \"opacity\" in the track at /clips/0/tracks/0"},
      {clip("", ", \"loop\": 1"), "[]", "/clips/0/loop", "expected true or false, found 1"},
      {R"([{"id": "c", "duration": 0, "tracks": []}])", "[]", "/clips/0/duration",
       "expected seconds in (0, 1000000], found 0"},
      {R"([{"id": "c", "duration": 1, "tracks": [], "keys": []}])", "[]", "/clips/0/keys",
       "unknown key \"keys\" in a clip"},
      {R"([{"id": "c", "duration": 1, "tracks": []}, {"id": "c", "duration": 1, "tracks": []}])",
       "[]", "/clips/1/id", "duplicate clip id \"c\"; already used by the clip at /clips/0"},
      {clip(""), R"([{"time": 1, "start": "d"}])", "/cues/0/start",
       "no clip has the id \"d\"; \"start\" names a clip"},
      {clip(""), R"([{"time": 1, "stop": "box"}])", "/cues/0/stop",
       "no clip has the id \"box\"; \"stop\" names a clip"},
      {clip(""), R"([{"time": 1, "start": "c", "play": "pop"}])", "/cues/0/start",
       "a cue does one thing, but this one has both \"play\" and \"start\""},
      {clip(""), R"([{"time": 1}])", "/cues/0",
       "missing \"play\" (the id of a sound node), \"start\" or \"stop\" (the id of a clip)"},
      {clip(""), R"([{"time": 1, "start": 5}])", "/cues/0/start",
       "expected the id of a clip, found 5"},
  };
  for (const Case& c : cases) {
    std::string text = animScene(c.clips, c.cues);
    INFO(text);
    SceneIssue i = onlyIssue(text);
    CHECK(i.pointer == c.pointer);
    CHECK(i.message.find(c.message) == 0);
    CHECK(i.line >= 1);
  }
  // A clip id may equal a node id (separate namespaces), and a clip without tracks is allowed.
  CHECK_NOTHROW(parseScene(animScene(R"([{"id": "box", "duration": 1, "tracks": []}])",
                                     R"([{"time": 0, "start": "box"}])"),
                           "/tmp/a.json"));
}
