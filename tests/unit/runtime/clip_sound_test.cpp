// A clip's sound (an effect's or a transition's "sound") plays on the frame
// the clip starts, whether a cue starts it or a rule does: the mixed audio of
// a show run frame by frame, as `marquee render` runs it, starts each pop on
// that frame.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "runtime/show_data.h"
#include "runtime/show_media.h"
#include "scene/scene.h"

using namespace mq;

TEST_CASE(
    "clip sound: an effect's or transition's sound plays on the frame a cue or a rule starts it",
    "[runtime][effects][audio]") {
  scene::Scene s = scene::parseScene(R"({"format": "marquee.scene/1",
    "canvas": {"width": 320, "height": 180, "fps": 30},
    "data": {"sales": 0},
    "nodes": [
      {"id": "badge", "kind": "solid", "size": [100, 100], "visible": false},
      {"id": "flash", "kind": "solid", "opacity": 0},
      {"id": "wide", "kind": "solid", "color": "#203040"},
      {"id": "close", "kind": "solid", "color": "#402030", "visible": false},
      {"id": "pop", "kind": "sound", "file": "../assets/audio/sfx_pop.wav"}],
    "effects": [
      {"id": "badge_in", "type": "sticker", "node": "badge", "sound": "pop"},
      {"id": "sale_flash", "type": "flash", "node": "flash", "sound": "pop"}],
    "transitions": [{"id": "to_close", "from": "wide", "to": "close", "type": "mix",
                     "duration": 0.5, "sound": "pop"}],
    "rules": [{"id": "sale", "when": "sales increases", "do": {"start": "sale_flash"}}],
    "cues": [{"time": 1, "start": "badge_in"}, {"time": 2.5, "start": "to_close"}]})",
                                     std::filesystem::path(MARQUEE_SOURCE_DIR) / "scenes/x.json");
  runtime::ShowMedia media(s, s.canvas.fps, {});
  runtime::ShowData data(s, std::nullopt);
  std::vector<int64_t> onsets;
  std::vector<float> audio;
  bool wasLoud = false;
  for (int64_t n = 0; n < 90; ++n) {
    if (n == 60) REQUIRE(data.applyLine(R"({"add": {"sales": 1}})"));
    data.frame(double(n) / 30, n, s, &media);
    media.mixAudio(n, audio);
    float peak = 0;
    for (float v : audio) peak = std::max(peak, std::fabs(v));
    bool loud = peak > 1e-3f;
    if (loud && !wasLoud) onsets.push_back(n);
    wasLoud = loud;
  }
  // The cue at 1 s (frame 30), the sale on frame 60 and the transition's cue
  // at 2.5 s (frame 75), each one pop (0.2 s).
  CHECK(onsets == std::vector<int64_t>{30, 60, 75});
}
