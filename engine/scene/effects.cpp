#include "scene/effects.h"

#include <utility>

namespace mq::scene {

namespace {

const std::pair<const char*, EffectType> kTypes[] = {{"sticker", EffectType::Sticker},
                                                     {"flash", EffectType::Flash},
                                                     {"shine", EffectType::Shine},
                                                     {"roll_up", EffectType::RollUp}};

Keyframe key(double time, PropertyValue value, Easing ease = {}) {
  return Keyframe{time, std::move(value), ease};
}

Easing curve(EaseCurve c) {
  Easing e;
  e.curve = c;
  return e;
}

}  // namespace

std::optional<EffectType> parseEffectType(std::string_view name) {
  for (const auto& [text, type] : kTypes)
    if (name == text) return type;
  return std::nullopt;
}

const char* effectTypeNames() {
  return "sticker, flash, shine or roll_up";
}

EffectSpec defaultEffect(EffectType type) {
  EffectSpec spec;
  spec.type = type;
  switch (type) {
    case EffectType::Sticker:
      spec.duration = 0.8;
      spec.ease = curve(EaseCurve::OutElastic);
      break;
    case EffectType::Flash:
      spec.duration = 0.4;
      spec.ease = curve(EaseCurve::OutQuad);
      break;
    case EffectType::Shine:
      spec.duration = 0.8;
      spec.ease = curve(EaseCurve::InOutSine);
      break;
    case EffectType::RollUp:
      spec.duration = 1.5;
      spec.ease = curve(EaseCurve::OutExpo);
      break;
  }
  return spec;
}

std::vector<Track> effectTracks(const EffectSpec& spec, const Node& node) {
  const double d = spec.duration;
  std::vector<Track> tracks;
  auto track = [&](Prop p, std::vector<Keyframe> keys) {
    tracks.push_back(Track{node.id, p, std::move(keys)});
  };
  switch (spec.type) {
    case EffectType::Sticker:
      // A sticker hidden until its entrance appears with it.
      track(Prop::Visible, {key(0, true)});
      track(Prop::Scale, {key(0, Vec2{0, 0}, spec.ease), key(d, node.getVec2(Prop::Scale))});
      track(Prop::Opacity,
            {key(0, 0.0, curve(EaseCurve::OutQuad)), key(0.15 * d, node.getFloat(Prop::Opacity))});
      break;
    case EffectType::Flash:
      track(Prop::Visible, {key(0, true)});
      track(Prop::Opacity, {key(0, spec.strength.value_or(1.0), spec.ease), key(d, 0.0)});
      break;
    case EffectType::Shine: {
      double own = node.getFloat(Prop::Shine);
      track(Prop::Shine, {key(0, spec.strength.value_or(own > 0 ? own : 0.8))});
      track(Prop::ShinePosition, {key(0, 0.0, spec.ease), key(d, 1.0)});
      break;
    }
    case EffectType::RollUp:
      track(spec.property, {key(0, spec.from.value_or(0.0), spec.ease),
                            key(d, spec.to.value_or(node.getFloat(spec.property)))});
      break;
  }
  return tracks;
}

}  // namespace mq::scene
