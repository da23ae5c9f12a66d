// Widget expansion without a GPU: what a countdown reads at a time, where an
// L-bar puts its camera, the states of counters and bars, and that a ticker
// loops seamlessly (text measured with a model: 10 px per byte).
#include "render/widgets.h"

#include <catch2/catch.hpp>

#include "scene/scene.h"

using namespace mq;
using namespace mq::scene;

namespace {

const render::TextMeasure kMeasure = [](const Node& t) {
  return 10.0 * double(t.getString(Prop::Text).size());
};

const Node* child(const Node& group, const std::string& id) {
  for (const Node& c : group.children)
    if (c.id == id) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("widgets: countdown text by show time and time of day", "[widgets]") {
  Scene s;
  Node c = makeNode(NodeKind::Countdown, "c");
  c.values[size_t(Prop::Duration)] = 10.0;
  c.values[size_t(Prop::StartsAt)] = 2.0;
  CHECK(render::countdownText(c, s, 0) == "0:10");  // not started yet
  CHECK(render::countdownText(c, s, 2.5) == "0:10");
  CHECK(render::countdownText(c, s, 3.0) == "0:09");
  CHECK(render::countdownText(c, s, 11.9) == "0:01");
  CHECK(render::countdownText(c, s, 12.0) == "0:00");
  c.values[size_t(Prop::AtZero)] = std::string("LIVE NOW");
  CHECK(render::countdownText(c, s, 20) == "LIVE NOW");
  // Offline, show time 0 is 00:00:00; live, clockAtStart is the wall clock.
  c.values[size_t(Prop::Until)] = std::string("01:00:05");
  CHECK(render::countdownText(c, s, 0) == "1:00:05");
  CHECK(render::countdownText(c, s, 3605) == "LIVE NOW");
  s.clockAtStart = 3600;  // 01:00:00
  CHECK(render::countdownText(c, s, 0) == "0:05");
}

TEST_CASE("widgets: L-bar camera rectangle follows frame and squeeze", "[widgets]") {
  Node l = makeNode(NodeKind::LBar, "l");
  CHECK(render::lbarCameraRect(l, {1920, 1080}) == glm::dvec4(0, 0, 1536, 864));
  l.values[size_t(Prop::Squeeze)] = 0.5;
  CHECK(render::lbarCameraRect(l, {1920, 1080}) == glm::dvec4(0, 0, 1728, 972));
  l.values[size_t(Prop::Frame)] = Insets{100, 50, 0, 0};
  l.values[size_t(Prop::Squeeze)] = 1.0;
  CHECK(render::lbarCameraRect(l, {1920, 1080}) == glm::dvec4(100, 50, 1820, 1030));
}

TEST_CASE("widgets: counter and progress states", "[widgets]") {
  Scene s;
  Node c = makeNode(NodeKind::StockCounter, "stock");
  c.values[size_t(Prop::Value)] = 1240.0;
  Node g = render::expandWidget(c, s, 0, kMeasure);
  CHECK(g.kind == NodeKind::Group);
  CHECK(g.getVec2(Prop::Size) == Vec2{440, 150});
  CHECK(child(g, "stock.value")->getString(Prop::Text) == "1,240");
  CHECK(child(g, "stock.panel")->getFloat(Prop::BorderWidth) == 0);
  c.values[size_t(Prop::Value)] = 3.0;
  g = render::expandWidget(c, s, 0, kMeasure);
  CHECK(child(g, "stock.value")->getColor(Prop::Fill) == c.getColor(Prop::LowColor));
  CHECK(child(g, "stock.panel")->getFloat(Prop::BorderWidth) > 0);

  Node p = makeNode(NodeKind::ProgressBar, "p");
  p.values[size_t(Prop::Value)] = 25.0;  // of the default goal, 100
  g = render::expandWidget(p, s, 0, kMeasure);
  double track = child(g, "p.track")->getVec2(Prop::Size).x;
  CHECK(child(g, "p.fill")->getVec2(Prop::Size).x == Approx(track / 4));
  CHECK(child(g, "p.count")->getString(Prop::Text) == "25 / 100");
  p.values[size_t(Prop::Value)] = 150.0;
  p.values[size_t(Prop::AtGoal)] = std::string("GOAL!");
  g = render::expandWidget(p, s, 0, kMeasure);
  CHECK(child(g, "p.fill")->getVec2(Prop::Size).x == Approx(track));
  CHECK(child(g, "p.count")->getString(Prop::Text) == "GOAL!");
}

TEST_CASE("widgets: the ticker loops by the advance of its line", "[widgets]") {
  Scene s;
  Node t = makeNode(NodeKind::Ticker, "t");
  t.values[size_t(Prop::Text)] = std::string("hello");     // 50 px
  t.values[size_t(Prop::Separator)] = std::string(" | ");  // 30 px: a period of 80
  t.values[size_t(Prop::Speed)] = 100.0;
  auto firstX = [&](double time) {
    Node g = render::expandWidget(t, s, time, kMeasure);
    const Node* scroll = child(g, "t.scroll");
    REQUIRE(scroll);
    REQUIRE(scroll->children.size() >= 24);  // 1920 px of 80 px loops
    return scroll->children[0].getVec2(Prop::Position).x;
  };
  CHECK(firstX(0) == 0);
  CHECK(firstX(0.5) == Approx(-50));
  CHECK(firstX(0.8) == Approx(0).margin(1e-9));  // one whole period later: the same frame
}
