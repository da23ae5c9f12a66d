// Keyframe animation: easing curves, interpolation of property values through
// the property table, and clip timing from the cue list. Everything here is a
// pure function of the scene and the show time, so an offline render is
// deterministic and any frame can be rendered on its own (no playback state).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scene/scene.h"

namespace mq::scene {

// The curve's value at x in [0, 1] (x is clamped). ease(e, 0) == 0 and
// ease(e, 1) == 1 for every curve; back and elastic overshoot in between.
double ease(const Easing& easing, double x);

// "out-cubic", "cubic-bezier(0.2,0.8,0.2,1)", ... On failure returns nullopt
// and sets `error` to what was expected (the valid names, and the closest one).
std::optional<Easing> parseEasing(std::string_view text, std::string& error);
// The canonical spelling parseEasing reads back to the same Easing.
std::string easingName(const Easing& easing);
// Every named curve ("linear", "step", "in-sine", ...), not cubic-bezier.
const std::vector<std::string>& easingNames();

// Whether values of `type` blend between keys; the others (and Stops of
// different lengths) hold the earlier key's value until the next key.
bool interpolates(PropType type);

// The value a fraction `w` of the way from `a` to `b` (w may leave [0, 1] for
// overshooting curves); numbers are clamped to the property's range, colours
// are blended premultiplied in linear light.
PropertyValue interpolate(const PropertyDesc& desc, const PropertyValue& a, const PropertyValue& b,
                          double w);

// A track's value at `localTime` seconds into its clip: the first key's value
// before it, the last key's after it.
PropertyValue sampleTrack(const PropertyDesc& desc, const std::vector<Keyframe>& keys,
                          double localTime);

// Where a clip stands at show time `time`, from its autoplay flag and the cues.
struct ClipState {
  bool playing = false;
  double startTime = 0;  // show time of the start that is playing
  double localTime = 0;  // seconds into the clip: wrapped when looping, else <= duration
};
ClipState clipState(const Scene& scene, const Clip& clip, double time);

// Writes the animated values at `time` into `out`, a copy of `scene` (same
// node tree): every animated property is first reset to its value in
// `scene`, then the playing clips are applied in start order (the clip
// started later wins; a tie goes to the later clip in the file). Reusing one
// copy across frames avoids copying the scene every frame.
void applyAnimation(const Scene& scene, double time, Scene& out);

// `scene` with its animation applied at `time`. Without clips it is a plain
// copy, made without evaluating anything.
Scene evaluateScene(const Scene& scene, double time);

}  // namespace mq::scene
