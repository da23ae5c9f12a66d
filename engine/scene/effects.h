// Effect presets: the sale-win moves a show designer reaches for by name
// instead of writing their keyframes. A scene's "effects" list names them:
//
//   "effects": [
//     {"id": "badge_in", "type": "sticker", "node": "badge", "sound": "sfx_pop"},
//     {"id": "sale_flash", "type": "flash", "node": "flash", "duration": "12f"},
//     {"id": "badge_shine", "type": "shine", "node": "badge", "sound": "sfx_shine"},
//     {"id": "sales_roll", "type": "roll_up", "node": "sold", "from": 0, "to": 1240}]
//
// The loader makes each into a clip of the same id (cues and rules start it
// like any clip; the effect, not the clip, is saved), which plays `sound` on
// the frame it starts. What each does to its node, whose own values are where
// the effect ends:
//   sticker  a scale-bounce entrance: shown, scaled up from nothing to its own
//            scale (out-elastic), fading in over the first 15 % (set the
//            node's anchor to [0.5, 0.5] to pop from its centre)
//   flash    a screen flash: shown at `strength` opacity (default 1) on the
//            first frame, fading out (out-quad); usually a full-frame white
//            solid with opacity 0
//   shine    a shine sweep: the band (`strength`, default the node's own
//            shine or 0.8) crosses the layer (in-out-sine)
//   roll_up  a number roll-up: the number `property` (default "value", e.g.
//            a stock counter's) counts from `from` (default 0) to `to`
//            (default the node's own value), out-expo
// Every type takes "duration" (seconds or frames like "12f"; defaults 0.8,
// 0.4, 0.8, 1.5 s) and "ease" (any easing; the defaults above).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scene/scene.h"

namespace mq::scene {

enum class EffectType { Sticker, Flash, Shine, RollUp };

struct EffectSpec {
  EffectType type = EffectType::Sticker;
  double duration = 0.8;  // seconds, > 0
  Easing ease;
  Prop property = Prop::Value;  // roll_up: the number that counts
  std::optional<double> from, to;
  std::optional<double> strength;  // flash: peak opacity; shine: band strength
};

std::optional<EffectType> parseEffectType(std::string_view name);
// "sticker, flash, shine or roll_up", for messages.
const char* effectTypeNames();
// The spec of `type` with its default duration and easing.
EffectSpec defaultEffect(EffectType type);

// The tracks that play `spec` on `node`.
std::vector<Track> effectTracks(const EffectSpec& spec, const Node& node);

}  // namespace mq::scene
