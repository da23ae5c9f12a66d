// A scripted data feed (JSON lines) drives widgets through bindings, checked
// frame-exactly against the same widgets with the values written in.
#include <catch2/catch.hpp>
#include <string>

#include "cli_harness.h"

using namespace mq::clitest;

namespace {

void requireOk(const RunResult& r) {
  INFO(r.describe());
  REQUIRE(r.status == 0);
}

// A stock counter and a progress bar; `bindings` true binds their values to
// the data, false writes `stock` and `sold` in.
std::string widgetScene(bool bindings, int stock, int sold) {
  std::string counter = R"({"id": "stock", "kind": "stock_counter", "position": [20, 20],
    "title": "Blue XL left", "low_threshold": 10, "at_zero": "SOLD OUT")";
  std::string bar = R"({"id": "goal", "kind": "progress_bar", "position": [480, 20],
    "size": [440, 110], "title": "Sold", "goal": 1000, "at_goal": "GOAL!")";
  if (bindings) {
    counter += R"(, "bindings": {"value": {"source": "stock.blue_xl"}}})";
    bar += R"(, "bindings": {"value": {"source": "sold"}}})";
  } else {
    counter += R"(, "value": )" + std::to_string(stock) + "}";
    bar += R"(, "value": )" + std::to_string(sold) + "}";
  }
  return R"({"format": "marquee.scene/1",
  "canvas": {"width": 960, "height": 200, "fps": 30, "background": "#202030"},
  "nodes": [)" +
         counter + ", " + bar + "]}";
}

}  // namespace

TEST_CASE("a data feed drives a stock counter and a progress bar frame-exactly",
          "[cli][data][widgets]") {
  TempDir dir;
  writeFile(dir / "bound.json", widgetScene(true, 0, 0));
  // 37 in stock and 120 sold from the start; at show time 1.0 s (frame 30)
  // stock drops to 4 (low-stock styling) and the goal is reached.
  writeFile(dir / "feed.jsonl",
            "{\"set\": {\"stock\": {\"blue_xl\": 37}, \"sold\": 120}}\n"
            "{\"t\": 1.0, \"set\": {\"stock.blue_xl\": 4, \"sold\": 1000}}\n");
  auto still = [&](const std::string& scene, const std::string& time, bool data) {
    std::vector<std::string> args = {"still", scene, "--time", time, "-o", "f.png"};
    if (data) {
      args.push_back("--data");
      args.push_back("feed.jsonl");
    }
    requireOk(runMarquee(args, dir.path()));
    return loadRgb(dir / "f.png").rgb;
  };
  writeFile(dir / "before.json", widgetScene(false, 37, 120));
  writeFile(dir / "after.json", widgetScene(false, 4, 1000));
  auto frame29 = still("bound.json", "0.967", true);
  auto frame30 = still("bound.json", "1.0", true);
  CHECK(frame29 == still("before.json", "0", false));
  CHECK(frame30 == still("after.json", "0", false));
  CHECK(frame29 != frame30);
  // Without data the bound values keep the scene's own (0: sold out, empty bar).
  CHECK(still("bound.json", "0", false) == [&] {
    writeFile(dir / "zero.json", widgetScene(false, 0, 0));
    return still("zero.json", "0", false);
  }());
}

TEST_CASE("a bad binding or widget property is bad input naming its place", "[cli][widgets]") {
  TempDir dir;
  std::string scene = widgetScene(true, 0, 0);
  scene.replace(scene.find("\"source\": \"sold\""), 16, "\"source\": \"sold\", \"to\": [0, 1]");
  writeFile(dir / "bad.json", scene);
  RunResult r = runMarquee({"validate", "bad.json"}, dir.path());
  INFO(r.describe());
  CHECK(r.status == 2);
  CHECK(r.err.find("bad.json:5:") != std::string::npos);
  CHECK(r.err.find("/nodes/1/bindings/value: a linear mapping needs both \"from\" and \"to\"") !=
        std::string::npos);
}
