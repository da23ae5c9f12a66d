#include "scene/animation.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numbers>
#include <unordered_map>

#include "scene/property_json.h"

namespace mq::scene {

namespace {

constexpr double kPi = std::numbers::pi;

struct NamedCurve {
  std::string name;
  EaseCurve curve;
};
// In EaseCurve order after Linear and Step: in, out, in-out of each family.
constexpr const char* kFamilies[] = {"sine", "quad", "cubic", "expo", "back", "elastic", "bounce"};

std::vector<NamedCurve> namedCurves() {
  std::vector<NamedCurve> out = {{"linear", EaseCurve::Linear}, {"step", EaseCurve::Step}};
  auto curve = uint8_t(EaseCurve::InSine);
  for (const char* family : kFamilies)
    for (const char* mode : {"in-", "out-", "in-out-"})
      out.push_back({mode + std::string(family), EaseCurve(curve++)});
  return out;
}
const std::vector<NamedCurve>& curves() {
  static const std::vector<NamedCurve> table = namedCurves();
  return table;
}

double outBounce(double x) {
  // Four parabolic arcs, each bounce a quarter the height of the one before.
  constexpr double n = 7.5625, d = 2.75;
  if (x < 1 / d) return n * x * x;
  if (x < 2 / d) {
    x -= 1.5 / d;
    return n * x * x + 0.75;
  }
  if (x < 2.5 / d) {
    x -= 2.25 / d;
    return n * x * x + 0.9375;
  }
  x -= 2.625 / d;
  return n * x * x + 0.984375;
}

// CSS cubic-bezier: the curve runs from (0,0) to (1,1) with control points
// (x1,y1) and (x2,y2); the easing is y as a function of x, so the curve
// parameter for x is found numerically (x(t) is monotonic as x1, x2 are in [0,1]).
double cubicBezier(const Easing& e, double x) {
  auto coord = [](double p1, double p2, double t) {
    double u = 1 - t;
    return 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t;
  };
  auto slope = [](double p1, double p2, double t) {
    double u = 1 - t;
    return 3 * u * u * p1 + 6 * u * t * (p2 - p1) + 3 * t * t * (1 - p2);
  };
  double lo = 0, hi = 1, t = x;
  for (int i = 0; i < 60; ++i) {
    double err = coord(e.x1, e.x2, t) - x;
    if (std::fabs(err) < 1e-12) break;
    (err > 0 ? hi : lo) = t;
    double d = slope(e.x1, e.x2, t);
    double next = d > 1e-9 ? t - err / d : -1;
    // Newton converges fast where the slope is healthy; bisection is the
    // fallback where it is flat (x1 or x2 at 0 or 1).
    t = next > lo && next < hi ? next : (lo + hi) / 2;
  }
  return coord(e.y1, e.y2, t);
}

double curveValue(const Easing& e, double x) {
  constexpr double c1 = 1.70158, c2 = c1 * 1.525, c3 = c1 + 1;
  constexpr double c4 = 2 * kPi / 3, c5 = 2 * kPi / 4.5;
  switch (e.curve) {
    case EaseCurve::Linear:
      return x;
    case EaseCurve::Step:
      return x < 1 ? 0 : 1;
    case EaseCurve::InSine:
      return 1 - std::cos(x * kPi / 2);
    case EaseCurve::OutSine:
      return std::sin(x * kPi / 2);
    case EaseCurve::InOutSine:
      return (1 - std::cos(kPi * x)) / 2;
    case EaseCurve::InQuad:
      return x * x;
    case EaseCurve::OutQuad:
      return 1 - (1 - x) * (1 - x);
    case EaseCurve::InOutQuad:
      return x < 0.5 ? 2 * x * x : 1 - std::pow(2 - 2 * x, 2) / 2;
    case EaseCurve::InCubic:
      return x * x * x;
    case EaseCurve::OutCubic:
      return 1 - std::pow(1 - x, 3);
    case EaseCurve::InOutCubic:
      return x < 0.5 ? 4 * x * x * x : 1 - std::pow(2 - 2 * x, 3) / 2;
    // The exponential curves never quite reach their ends; pin them so every
    // curve starts at exactly 0 and ends at exactly 1.
    case EaseCurve::InExpo:
      return x <= 0 ? 0 : std::pow(2, 10 * x - 10);
    case EaseCurve::OutExpo:
      return x >= 1 ? 1 : 1 - std::pow(2, -10 * x);
    case EaseCurve::InOutExpo:
      if (x <= 0 || x >= 1) return x <= 0 ? 0 : 1;
      return x < 0.5 ? std::pow(2, 20 * x - 10) / 2 : (2 - std::pow(2, 10 - 20 * x)) / 2;
    case EaseCurve::InBack:
      return c3 * x * x * x - c1 * x * x;
    case EaseCurve::OutBack:
      return 1 + c3 * std::pow(x - 1, 3) + c1 * std::pow(x - 1, 2);
    case EaseCurve::InOutBack:
      return x < 0.5 ? std::pow(2 * x, 2) * ((c2 + 1) * 2 * x - c2) / 2
                     : (std::pow(2 * x - 2, 2) * ((c2 + 1) * (2 * x - 2) + c2) + 2) / 2;
    case EaseCurve::InElastic:
      if (x <= 0 || x >= 1) return x <= 0 ? 0 : 1;
      return -std::pow(2, 10 * x - 10) * std::sin((10 * x - 10.75) * c4);
    case EaseCurve::OutElastic:
      if (x <= 0 || x >= 1) return x <= 0 ? 0 : 1;
      return std::pow(2, -10 * x) * std::sin((10 * x - 0.75) * c4) + 1;
    case EaseCurve::InOutElastic:
      if (x <= 0 || x >= 1) return x <= 0 ? 0 : 1;
      return x < 0.5 ? -(std::pow(2, 20 * x - 10) * std::sin((20 * x - 11.125) * c5)) / 2
                     : std::pow(2, 10 - 20 * x) * std::sin((20 * x - 11.125) * c5) / 2 + 1;
    case EaseCurve::InBounce:
      return 1 - outBounce(1 - x);
    case EaseCurve::OutBounce:
      return outBounce(x);
    case EaseCurve::InOutBounce:
      return x < 0.5 ? (1 - outBounce(1 - 2 * x)) / 2 : (1 + outBounce(2 * x - 1)) / 2;
    case EaseCurve::CubicBezier:
      return cubicBezier(e, x);
  }
  return x;
}

double srgbToLinear(uint8_t v) {
  double c = v / 255.0;
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}
uint8_t linearToSrgb(double c) {
  c = std::clamp(c, 0.0, 1.0);
  double s = c <= 0.0031308 ? c * 12.92 : 1.055 * std::pow(c, 1 / 2.4) - 0.055;
  return uint8_t(std::lround(std::clamp(s, 0.0, 1.0) * 255));
}

// Premultiplied in linear light, as the compositor blends: a fade from a
// transparent colour does not darken through black, and the midpoint of two
// colours is what the eye would see if they were mixed as light.
Color mixColor(Color a, Color b, double w) {
  double aa = a.a / 255.0, ba = b.a / 255.0;
  double alpha = aa + (ba - aa) * w;
  double rgb[3];
  const uint8_t ac[3] = {a.r, a.g, a.b}, bc[3] = {b.r, b.g, b.b};
  for (int i = 0; i < 3; ++i) {
    double pa = srgbToLinear(ac[i]) * aa, pb = srgbToLinear(bc[i]) * ba;
    double p = pa + (pb - pa) * w;
    rgb[i] = alpha > 1e-9 ? p / alpha : 0;
  }
  return Color{linearToSrgb(rgb[0]), linearToSrgb(rgb[1]), linearToSrgb(rgb[2]),
               uint8_t(std::lround(std::clamp(alpha, 0.0, 1.0) * 255))};
}

}  // namespace

double ease(const Easing& easing, double x) {
  if (!(x > 0)) return 0;  // NaN too
  if (x >= 1) return 1;
  return curveValue(easing, x);
}

const std::vector<std::string>& easingNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const NamedCurve& c : curves()) out.push_back(c.name);
    return out;
  }();
  return names;
}

std::optional<Easing> parseEasing(std::string_view text, std::string& error) {
  for (const NamedCurve& c : curves())
    if (text == c.name) return Easing{c.curve};
  constexpr std::string_view kBezier = "cubic-bezier(";
  const std::string bezierShape =
      "cubic-bezier(x1,y1,x2,y2): four numbers with x1 and x2 in [0, 1]";
  if (text.substr(0, kBezier.size()) == kBezier) {
    std::string inner(text.substr(kBezier.size()));
    bool ok = !inner.empty() && inner.back() == ')';
    if (ok) inner.pop_back();
    std::vector<std::string> parts;
    for (size_t pos = 0;;) {
      size_t comma = inner.find(',', pos);
      parts.push_back(inner.substr(pos, comma == std::string::npos ? comma : comma - pos));
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    double v[4] = {};
    ok = ok && parts.size() == 4;
    for (size_t i = 0; ok && i < 4; ++i) {
      std::string& part = parts[i];
      part.erase(0, part.find_first_not_of(' '));
      part.erase(part.find_last_not_of(' ') + 1);
      char* end = nullptr;
      v[i] = std::strtod(part.c_str(), &end);
      ok = !part.empty() && end == part.c_str() + part.size() && std::isfinite(v[i]);
    }
    ok = ok && v[0] >= 0 && v[0] <= 1 && v[2] >= 0 && v[2] <= 1;
    if (ok) return Easing{EaseCurve::CubicBezier, v[0], v[1], v[2], v[3]};
    error = "expected " + bezierShape + ", found " + jsonQuoted(text);
    return std::nullopt;
  }
  // CSS keywords are what designers type first; point them at the same curve.
  static const std::pair<std::string_view, const char*> kCss[] = {
      {"ease", "cubic-bezier(0.25,0.1,0.25,1)"},
      {"ease-in", "cubic-bezier(0.42,0,1,1)"},
      {"ease-out", "cubic-bezier(0,0,0.58,1)"},
      {"ease-in-out", "cubic-bezier(0.42,0,0.58,1)"}};
  std::string hint;
  for (const auto& [css, bezier] : kCss)
    if (text == css) hint = std::string("; CSS ") + jsonQuoted(css) + " is \"" + bezier + "\"";
  std::string list;
  for (const std::string& n : easingNames()) list += n + ", ";
  std::vector<std::string> candidates = easingNames();
  candidates.push_back("cubic-bezier(x1,y1,x2,y2)");
  error = "unknown easing " + jsonQuoted(text) +
          (hint.empty() ? didYouMean(text, candidates) : hint) + " (expected " + list + "or " +
          bezierShape + ")";
  return std::nullopt;
}

std::string easingName(const Easing& easing) {
  if (easing.curve == EaseCurve::CubicBezier)
    return "cubic-bezier(" + formatNumber(easing.x1) + "," + formatNumber(easing.y1) + "," +
           formatNumber(easing.x2) + "," + formatNumber(easing.y2) + ")";
  for (const NamedCurve& c : curves())
    if (c.curve == easing.curve) return c.name;
  return "linear";
}

bool interpolates(PropType type) {
  switch (type) {
    case PropType::Float:
    case PropType::Vec2:
    case PropType::Insets:
    case PropType::Color:
    case PropType::Stops:
      return true;
    default:
      return false;
  }
}

PropertyValue interpolate(const PropertyDesc& desc, const PropertyValue& a, const PropertyValue& b,
                          double w) {
  if (!interpolates(desc.type) || a.index() != b.index()) return w < 1 ? a : b;
  // Overshooting curves (back, elastic) may carry a number past its range.
  auto num = [&](double x, double y) { return std::clamp(x + (y - x) * w, desc.min, desc.max); };
  switch (desc.type) {
    case PropType::Float:
      return num(std::get<double>(a), std::get<double>(b));
    case PropType::Vec2: {
      Vec2 x = std::get<Vec2>(a), y = std::get<Vec2>(b);
      return Vec2{num(x.x, y.x), num(x.y, y.y)};
    }
    case PropType::Insets: {
      Insets x = std::get<Insets>(a), y = std::get<Insets>(b);
      return Insets{num(x.left, y.left), num(x.top, y.top), num(x.right, y.right),
                    num(x.bottom, y.bottom)};
    }
    case PropType::Color:
      return mixColor(std::get<Color>(a), std::get<Color>(b), w);
    case PropType::Stops: {
      const Stops &x = std::get<Stops>(a), &y = std::get<Stops>(b);
      // Stops pair up one to one only when both lists have as many.
      if (x.size() != y.size()) return w < 1 ? a : b;
      Stops out(x.size());
      double floor = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        // Offsets stay ascending even when an overshoot reorders them.
        out[i].offset = std::max(floor, num(x[i].offset, y[i].offset));
        floor = out[i].offset;
        out[i].color = mixColor(x[i].color, y[i].color, w);
      }
      return out;
    }
    default:
      return w < 1 ? a : b;
  }
}

PropertyValue sampleTrack(const PropertyDesc& desc, const std::vector<Keyframe>& keys,
                          double localTime) {
  if (keys.empty()) return desc.defaultValue;
  if (!(localTime > keys.front().time)) return keys.front().value;
  if (localTime >= keys.back().time) return keys.back().value;
  // The segment [keys[i], keys[i+1]) holding localTime.
  auto next = std::upper_bound(keys.begin(), keys.end(), localTime,
                               [](double t, const Keyframe& k) { return t < k.time; });
  const Keyframe& k0 = *(next - 1);
  const Keyframe& k1 = *next;
  double x = (localTime - k0.time) / (k1.time - k0.time);
  return interpolate(desc, k0.value, k1.value, ease(k0.ease, x));
}

ClipState clipState(const Scene& scene, const Clip& clip, double time) {
  // The last start or stop at or before `time` decides; among cues at the same
  // time the later one in the file wins. Autoplay is a start before every cue.
  ClipState state;
  bool decided = false;
  double decidedAt = 0;
  if (clip.autoplay && time >= 0) {
    state.playing = true;
    decided = true;
  }
  for (const Cue& cue : scene.cues) {
    if (cue.time > time || (cue.start != clip.id && cue.stop != clip.id)) continue;
    if (decided && cue.time < decidedAt) continue;
    decided = true;
    decidedAt = cue.time;
    state.playing = cue.start == clip.id;
    state.startTime = cue.time;
  }
  if (!state.playing) return state;
  double local = time - state.startTime;
  // A loop is back at its start at every multiple of the duration.
  if (clip.duration > 0 && local >= clip.duration)
    local = clip.loop ? std::fmod(local, clip.duration) : clip.duration;
  state.localTime = local;
  return state;
}

namespace {

void indexNodes(std::vector<Node>& nodes, std::unordered_map<std::string, Node*>& out) {
  for (Node& n : nodes) {
    out.emplace(n.id, &n);
    indexNodes(n.children, out);
  }
}

}  // namespace

void applyAnimation(const Scene& scene, double time, Scene& out) {
  if (scene.clips.empty()) return;
  std::unordered_map<std::string, Node*> targets;
  indexNodes(out.nodes, targets);
  std::unordered_map<std::string, const Node*> bases;
  for (const Node* n : scene.allNodes()) bases.emplace(n->id, n);

  // Reset first, so a property whose clips all stopped shows its own value.
  for (const Clip& clip : scene.clips) {
    for (const Track& track : clip.tracks) {
      auto target = targets.find(track.node);
      auto base = bases.find(track.node);
      if (target != targets.end() && base != bases.end())
        target->second->values[size_t(track.property)] =
            base->second->values[size_t(track.property)];
    }
  }
  struct Playing {
    const Clip* clip;
    ClipState state;
  };
  std::vector<Playing> playing;
  for (const Clip& clip : scene.clips)
    if (ClipState s = clipState(scene, clip, time); s.playing) playing.push_back({&clip, s});
  std::stable_sort(playing.begin(), playing.end(), [](const Playing& a, const Playing& b) {
    return a.state.startTime < b.state.startTime;
  });
  for (const Playing& p : playing) {
    for (const Track& track : p.clip->tracks) {
      auto target = targets.find(track.node);
      if (target == targets.end() || track.keys.empty()) continue;
      const PropertyDesc& desc = property(track.property);
      // A value of another type (a scene built in code) must not reach a
      // renderer that reads the declared type.
      PropertyValue v = sampleTrack(desc, track.keys, p.state.localTime);
      if (v.index() == desc.defaultValue.index())
        target->second->values[size_t(track.property)] = std::move(v);
    }
  }
}

Scene evaluateScene(const Scene& scene, double time) {
  Scene out = scene;
  if (scene.clips.empty()) return out;
  applyAnimation(scene, time, out);
  return out;
}

}  // namespace mq::scene
