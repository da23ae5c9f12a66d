// Data bindings on node properties: loading, canonical saving, the errors a
// designer gets for a bad one, and evaluation against a data store.
#include <catch2/catch.hpp>

#include "data/data_store.h"
#include "scene/property_binding.h"
#include "scene_test_util.h"

using namespace mq::scene;
using namespace mq::scene::test;

namespace {

std::string sceneWith(const std::string& node) {
  return R"({"format": "marquee.scene/1", "nodes": [)" + node + "]}";
}

SceneIssue nodeIssue(const std::string& node) {
  return onlyIssue(sceneWith(node));
}

}  // namespace

TEST_CASE("bindings: load, save canonically, round-trip", "[scene][binding]") {
  // Keys out of table order and mapping keys in any order: saved in the
  // table's order with "source" first, defaults ("clamp": true) left out.
  Scene s = parseScene(sceneWith(R"({"id": "bar", "kind": "solid", "bindings": {
      "color": {"steps": [[0, "#FF0000"], [10, "#00ff00"]], "source": "stock.blue_xl"},
      "size": {"to": [[0, 40], [800, 40]], "from": [0, 500], "source": "sold", "clamp": true},
      "opacity": {"source": "level"},
      "visible": {"source": "on_air"},
      "position": {"source": "sold", "from": [0, 100], "to": [[0, 0], [50, 10]], "clamp": false}}})"),
                       "/tmp/b.json");
  const Node& n = s.nodes.at(0);
  REQUIRE(n.bindings.size() == 5);
  CHECK(n.bindings[0].property == Prop::Position);
  CHECK(n.bindings[4].property == Prop::Fill);
  std::string saved = saveScene(s);
  CHECK(saved.find(R"("size": {
          "source": "sold",
          "from": [
            0,
            500
          ],)") != std::string::npos);
  CHECK(saved.find(R"("clamp": false)") != std::string::npos);
  CHECK(saved.find(R"("clamp": true)") == std::string::npos);
  CHECK(saved.find(R"("#ff0000")") != std::string::npos);  // colours in canonical spelling
  Scene again = parseScene(saved, "/tmp/b.json");
  CHECK(again.nodes[0].bindings == n.bindings);
  CHECK(saveScene(again) == saved);
}

TEST_CASE("bindings: evaluated from the data store", "[scene][binding]") {
  Scene s = parseScene(sceneWith(R"({"id": "bar", "kind": "solid", "bindings": {
      "color": {"source": "stock", "steps": [[0, "#ff0000"], [10, "#00ff00"]]},
      "size": {"source": "sold", "from": [0, 500], "to": [[0, 40], [800, 40]]},
      "opacity": {"source": "level"},
      "visible": {"source": "on_air"}}})"),
                       "/tmp/b.json");
  const Node& n = s.nodes.at(0);
  auto find = [&](Prop p) -> const PropertyBinding& {
    for (const PropertyBinding& b : n.bindings)
      if (b.property == p) return b;
    FAIL("no binding");
    throw;
  };
  mq::data::DataStore store;
  // Missing values give no result: the property keeps its value.
  CHECK_FALSE(evaluateBinding(find(Prop::Fill), store));
  store.set("stock", 3);
  store.set("sold", 250);
  store.set("level", 7);  // identity, clamped to the property's range
  store.set("on_air", 0);
  CHECK(evaluateBinding(find(Prop::Fill), store) == PropertyValue(Color{255, 0, 0, 255}));
  CHECK(evaluateBinding(find(Prop::Size), store) == PropertyValue(Vec2{400, 40}));
  CHECK(evaluateBinding(find(Prop::Opacity), store) == PropertyValue(1.0));
  CHECK(evaluateBinding(find(Prop::Visible), store) == PropertyValue(false));
  store.set("stock", 12);
  store.set("sold", 9000);  // clamped at the end of "to"
  CHECK(evaluateBinding(find(Prop::Fill), store) == PropertyValue(Color{0, 255, 0, 255}));
  CHECK(evaluateBinding(find(Prop::Size), store) == PropertyValue(Vec2{800, 40}));
  store.set("sold", "lots");  // a string is no number: no result
  CHECK_FALSE(evaluateBinding(find(Prop::Size), store));

  // Overrides land on the nodes they name.
  applyOverrides({{"bar", Prop::Opacity, 0.25}, {"nobody", Prop::Opacity, 0.5}}, s);
  CHECK(s.nodes[0].getFloat(Prop::Opacity) == 0.25);
}

TEST_CASE("bindings: bad bindings name the pointer and what was expected", "[scene][binding]") {
  struct Case {
    std::string node, pointer, message;
  };
  const Case cases[] = {
      {R"({"id": "a", "kind": "solid", "bindings": {"opacty": {"source": "v"}}})",
       "/nodes/0/bindings/opacty",
       "unknown property \"opacty\" for a solid node; did you mean \"opacity\"?"},
      {R"({"id": "a", "kind": "solid", "bindings": {"font_size": {"source": "v"}}})",
       "/nodes/0/bindings/font_size", "property \"font_size\" does not apply to a solid node"},
      {R"({"id": "a", "kind": "solid", "bindings": {"color": {"source": "v"}}})",
       "/nodes/0/bindings/color",
       "property \"color\" takes a colour, not a number: map the data value"},
      {R"({"id": "a", "kind": "solid", "bindings": {"color": {"source": "v",
          "steps": [[0, "#ff0000"], [5, "red"]]}}})",
       "/nodes/0/bindings/color/steps/1/1", "expected a colour"},
      {R"({"id": "a", "kind": "solid", "bindings": {"visible": {"source": "v",
          "from": [0, 1], "to": [false, true]}}})",
       "/nodes/0/bindings/visible/to",
       "property \"visible\" takes true/false, which does not "
       "blend: use \"steps\""},
      {R"({"id": "a", "kind": "solid", "bindings": {"size": {"source": "v",
          "from": [0, 1], "to": [[0, 0], 5]}}})",
       "/nodes/0/bindings/size/to/1", "expected"},
      {R"({"id": "a", "kind": "solid", "bindings": {"opacity": {"source": "no such name"}}})",
       "/nodes/0/bindings/opacity/source", "expected a data name like \"stock.blue_xl\""},
      {R"({"id": "a", "kind": "solid", "bindings": {"opacity": {"source": "v", "form": [0, 1]}}})",
       "/nodes/0/bindings/opacity/form", "unknown key"},
      {R"({"id": "a", "kind": "solid", "bindings": {"opacity": {"source": "v", "from": [1, 1],
          "to": [0, 1]}}})",
       "/nodes/0/bindings/opacity/from", "the two ends must differ"},
      {R"({"id": "a", "kind": "product_card", "bindings": {"image": {"source": "v",
          "steps": [[0, "a.png"]]}}})",
       "/nodes/0/bindings/image", "property \"image\" names a file, which cannot follow live data"},
      {R"({"id": "a", "kind": "solid", "bindings": [1]})", "/nodes/0/bindings",
       "expected an object of bindings"},
      {R"({"id": "a", "kind": "solid", "bindings": {"opacity": {"source": "v", "tween": -1}}})",
       "/nodes/0/bindings/opacity/tween", "expected seconds from 0 to 60, found -1"},
      {R"({"id": "a", "kind": "solid", "bindings": {"visible": {"source": "v", "tween": 1}}})",
       "/nodes/0/bindings/visible/tween",
       "property \"visible\" takes true/false, which does not blend, so it cannot tween"},
      {R"({"id": "a", "kind": "solid", "bindings": {"opacity": {"source": "v", "ease": "out-cubic"}}})",
       "/nodes/0/bindings/opacity/ease", "\"ease\" shapes a tween: add \"tween\": SECONDS"},
      {R"({"id": "a", "kind": "solid", "bindings": {"opacity": {"source": "v", "tween": 1,
          "ease": "out-cubc"}}})",
       "/nodes/0/bindings/opacity/ease",
       "unknown easing \"out-cubc\"; did you mean \"out-cubic\"?"},
      {R"({"id": "a", "kind": "countdown", "until": "25:00"})", "/nodes/0/until",
       "expected a time of day \"HH:MM\" or \"HH:MM:SS\" (24-hour)"},
      {R"({"id": "a", "kind": "lbar", "camera": "cam"})", "/nodes/0/camera",
       "no node has the id \"cam\""},
      {R"({"id": "a", "kind": "lbar", "camera": "a"})", "/nodes/0/camera",
       "\"a\" is an lbar node; \"camera\" names a video"},
      {R"({"id": "a", "kind": "stock_counter", "low_threshold": "ten"})", "/nodes/0/low_threshold",
       "expected a number"},
      {R"({"id": "a", "kind": "ticker", "speed": -5})", "/nodes/0/speed", "expected a number"},
      {R"({"id": "a", "kind": "ticker", "price": "$5"})", "/nodes/0/price",
       "property \"price\" does not apply to a ticker node"},
  };
  for (const Case& c : cases) {
    INFO(c.node);
    SceneIssue i = nodeIssue(c.node);
    CHECK(i.pointer == c.pointer);
    CHECK(i.message.find(c.message) == 0);
    CHECK(i.line >= 1);
    CHECK(i.column > 1);
  }
}

TEST_CASE("bindings: a tween saves canonically, a point follows a two-number list",
          "[scene][binding]") {
  Scene s = parseScene(sceneWith(R"({"id": "cam", "kind": "video", "url": "builtin:camera",
      "bindings": {
        "zoom_center": {"ease": "out-quad", "source": "tracker.hand", "tween": 0.4},
        "opacity": {"source": "level", "tween": 0.5, "ease": "out-cubic"}}})"),
                       "/tmp/b.json");
  const Node& n = s.nodes.at(0);
  REQUIRE(n.bindings.size() == 2);
  const PropertyBinding& follow = n.bindings[1];
  REQUIRE(follow.property == Prop::ZoomCenter);
  CHECK(follow.tween == 0.4);
  std::string saved = saveScene(s);
  // The default easing (out-cubic) is left out; keys after the mapping.
  CHECK(saved.find(R"("source": "tracker.hand",
          "tween": 0.4,
          "ease": "out-quad")") != std::string::npos);
  CHECK(saved.find(R"("source": "level",
          "tween": 0.5
        })") != std::string::npos);
  Scene again = parseScene(saved, "/tmp/b.json");
  CHECK(again.nodes[0].bindings == n.bindings);
  CHECK(saveScene(again) == saved);

  mq::data::DataStore store;
  CHECK_FALSE(evaluateBinding(follow, store));
  store.set("tracker.hand", mq::data::Value::List{0.25, 0.75});
  CHECK(evaluateBinding(follow, store) == PropertyValue(Vec2{0.25, 0.75}));
  store.set("tracker.hand", mq::data::Value::List{0.25});  // not a point: no result
  CHECK_FALSE(evaluateBinding(follow, store));
  store.set("tracker.hand", mq::data::Value::List{-5.0, 9.0});  // clamped to the range
  CHECK(evaluateBinding(follow, store) == PropertyValue(Vec2{0, 1}));
}
