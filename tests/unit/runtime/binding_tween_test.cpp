// Tweened bindings through ShowData, frame by frame as `marquee render` runs
// them: a counter rolls up to a new value along its easing, a retarget starts
// from where the value stands, and a follow point glides to a tracked point.
#include <catch2/catch.hpp>
#include <string>

#include "runtime/show_data.h"
#include "scene/scene.h"

using namespace mq;

namespace {

const scene::PropertyValue* shown(const runtime::ShowData& data, scene::Prop p) {
  static scene::PropertyOverrides last;
  last = data.overrides();
  for (const scene::PropertyOverride& o : last)
    if (o.property == p) return &o.value;
  return nullptr;
}

double number(const runtime::ShowData& data) {
  const scene::PropertyValue* v = shown(data, scene::Prop::Value);
  REQUIRE(v);
  return std::get<double>(*v);
}

}  // namespace

TEST_CASE("binding tween: a counter rolls up, a retarget starts where it stands",
          "[runtime][data][binding]") {
  scene::Scene s = scene::parseScene(R"({"format": "marquee.scene/1",
    "data": {"sold": 100},
    "nodes": [{"id": "sold", "kind": "stock_counter",
               "bindings": {"value": {"source": "sold", "tween": 1, "ease": "linear"}}}]})",
                                     "/tmp/tween.json");
  runtime::ShowData data(s, std::nullopt);
  auto at = [&](double t) {
    data.frame(t, 0, s, nullptr);
    return number(data);
  };
  // The first value shows at once: no roll-up from zero when the show opens.
  CHECK(at(0.0) == 100);
  CHECK(at(0.5) == 100);
  REQUIRE(data.applyLine(R"({"set": {"sold": 200}})"));
  CHECK(at(1.0) == 100);  // the tween starts on this frame
  CHECK(at(1.25) == Approx(125));
  CHECK(at(1.5) == Approx(150));
  REQUIRE(data.applyLine(R"({"set": {"sold": 50}})"));
  CHECK(at(1.5) == Approx(150));  // retargeted: from 150, not from 200
  CHECK(at(2.0) == Approx(100));
  CHECK(at(2.5) == Approx(50));
  CHECK(at(9.0) == 50);  // and it stays there
}

TEST_CASE("binding tween: an eased roll-up, and a follow point gliding to a tracked point",
          "[runtime][data][binding]") {
  scene::Scene s = scene::parseScene(R"({"format": "marquee.scene/1",
    "data": {"orders": 0, "hand": [0.5, 0.5]},
    "nodes": [
      {"id": "goal", "kind": "progress_bar", "goal": 1000,
       "bindings": {"value": {"source": "orders", "tween": 2, "ease": "out-cubic"}}},
      {"id": "loupe", "kind": "video", "url": "builtin:camera", "zoom": 4,
       "bindings": {"zoom_center": {"source": "hand", "tween": 0.5, "ease": "linear"}}}]})",
                                     "/tmp/tween.json");
  runtime::ShowData data(s, std::nullopt);
  data.frame(0, 0, s, nullptr);
  REQUIRE(data.applyLine(R"({"set": {"orders": 1000, "hand": [0.7, 0.3]}})"));
  data.frame(1.0, 30, s, nullptr);
  data.frame(1.25, 37, s, nullptr);
  // out-cubic a quarter and an eighth of the way: 1 - (1 - x)^3.
  CHECK(number(data) == Approx(1000 * (1 - 0.875 * 0.875 * 0.875)));
  const scene::PropertyValue* p = shown(data, scene::Prop::ZoomCenter);
  REQUIRE(p);
  CHECK(std::get<scene::Vec2>(*p).x == Approx(0.6));
  CHECK(std::get<scene::Vec2>(*p).y == Approx(0.4));
  data.frame(3.0, 90, s, nullptr);
  CHECK(number(data) == 1000);
  p = shown(data, scene::Prop::ZoomCenter);
  CHECK(std::get<scene::Vec2>(*p) == scene::Vec2{0.7, 0.3});
  // A reading that is not a point (a tracker that lost the hand) keeps the
  // point where it is.
  REQUIRE(data.applyLine(R"({"set": {"hand": "lost"}})"));
  data.frame(3.5, 105, s, nullptr);
  CHECK(std::get<scene::Vec2>(*shown(data, scene::Prop::ZoomCenter)) == scene::Vec2{0.7, 0.3});
}
