// The drop-event sample show (scenes/drop-event.json) fed its sample data feed
// (scenes/data/drop-event.jsonl), frame by frame as `marquee render` does:
// the 50K-viewer milestone fires once, on the frame viewers first pass 50 000,
// starts the colorway reveal for 180 s, and every sale plays the sale sound
// and fires a confetti burst.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "runtime/show_data.h"
#include "scene/scene.h"

using namespace mq;

TEST_CASE("drop-event sample feed: the milestone fires once, every sale plays a sound and bursts",
          "[runtime][data][shows]") {
  const std::filesystem::path root = MARQUEE_SOURCE_DIR;
  scene::Scene s = scene::loadScene(root / "scenes/drop-event.json");
  runtime::ShowData data(s, root / "scenes/data/drop-event.jsonl");
  std::map<std::string, std::vector<int64_t>> firedAt;
  const size_t cuesBefore = s.cues.size();
  for (int64_t k = 0; k < 30 * 12; ++k) {
    double t = double(k) / 30.0;
    for (const std::string& id : data.frame(t, k, s, nullptr)) firedAt[id].push_back(k);
  }
  // 47 940 viewers at 3 s, 50 380 at 4 s (frame 120); back under at 5 s
  // (49 920, within the 500 hysteresis) and over again at 6 s: no second firing.
  CHECK(firedAt["milestone"] == std::vector<int64_t>{120});
  CHECK(firedAt["milestone_horn"] == std::vector<int64_t>{120});
  // Sales rise at 2.5, 3.5, 5.5, 6.5, 7.5, 8.5 and 9.5 s: each plays the sale
  // sound and fires a confetti burst (restarts its clip).
  const std::vector<int64_t> sales{75, 105, 165, 195, 225, 255, 285};
  CHECK(firedAt["sale_sfx"] == sales);
  CHECK(firedAt["sale_confetti"] == sales);
  CHECK(firedAt.size() == 4);
  // Cues made by the rules: a start of the confetti clip per sale, and the
  // milestone's start at 4 s and stop 180 s later.
  std::vector<double> bursts, dropStarts, dropStops;
  for (size_t i = cuesBefore; i < s.cues.size(); ++i) {
    const scene::Cue& c = s.cues[i];
    if (c.start == "sale_burst") bursts.push_back(c.time);
    if (c.start == "drop_colorway") dropStarts.push_back(c.time);
    if (c.stop == "drop_colorway") dropStops.push_back(c.time);
  }
  CHECK(s.cues.size() == cuesBefore + 9);
  CHECK(bursts.size() == 7);
  REQUIRE(dropStarts.size() == 1);
  REQUIRE(dropStops.size() == 1);
  CHECK(dropStarts[0] == Approx(4.0));
  CHECK(dropStops[0] == Approx(184.0));
  CHECK(data.store().get("sales")->number() == 14);
  CHECK(data.store().get("stock.volt")->number() == 236);
}
