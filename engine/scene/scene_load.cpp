// Scene file loading: JSON syntax (json_with_positions), then the structure,
// every property through the property table, ids and asset files. All
// problems are collected so a designer can fix a file in one pass.
#include <stb_image.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numeric>
#include <span>

#include "core/error.h"
#include "data/data_store.h"
#include "data/rules.h"
#include "media/media_probe.h"
#include "scene/animation.h"
#include "scene/clock_time.h"
#include "scene/effects.h"
#include "scene/json_with_positions.h"
#include "scene/property_binding.h"
#include "scene/property_json.h"
#include "scene/scene.h"

namespace mq::scene {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr size_t kMaxIssues = 50;
// Past this many, more issues would not be read anyway; stop collecting them.
constexpr size_t kMaxCollected = 10000;
// A scene describes a show, it does not hold media. The limit bounds memory:
// every JSON value costs ~100 bytes of tree and position map.
constexpr size_t kMaxFileBytes = 16u << 20;
// The ids of the nodes a stinger transition makes: its id and these.
constexpr const char* kStingerVideo = ".stinger";
constexpr const char* kStingerSound = ".stinger-sound";

std::vector<std::string> kindNames() {
  std::vector<std::string> names;
  for (int k = 0; k < kNodeKindCount; ++k) names.push_back(nodeKindName(NodeKind(k)));
  return names;
}
const std::vector<std::string> kKindNames = kindNames();

std::string kindList() {
  std::string out;
  for (const std::string& k : kKindNames) out += (out.empty() ? "" : ", ") + k;
  return out;
}

std::string aKind(NodeKind kind) {
  bool vowelSound = kind == NodeKind::Image || kind == NodeKind::LBar;  // "an L-bar"
  return std::string(vowelSound ? "an " : "a ") + nodeKindName(kind) + " node";
}

bool validId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

bool isIntegral(const json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  double x = v.get<double>();
  return std::isfinite(x) && x == std::floor(x);
}

// A frame rate in [1, 240] with numerator and denominator up to 10^6 (so frame
// time arithmetic in int64 cannot overflow for any realistic show length).
std::optional<Rational> makeFps(int64_t num, int64_t den) {
  if (num < 1 || den < 1 || num > 1000000 || den > 1000000) return std::nullopt;
  int64_t g = std::gcd(num, den);
  num /= g;
  den /= g;
  if (num < den || num > 240 * den) return std::nullopt;
  return Rational{num, den};
}

std::optional<Rational> parseFps(const json& v) {
  if (v.is_number_integer()) return makeFps(v.get<int64_t>(), 1);
  if (v.is_number_float()) {
    double x = v.get<double>();
    if (!(x >= 1 && x <= 240)) return std::nullopt;
    if (x == std::floor(x)) return makeFps(int64_t(x), 1);
    // NTSC-style rates: 29.97 means 30000/1001, 59.94 means 60000/1001, ...
    int64_t n = std::llround(x * 1.001);
    if (std::fabs(x - double(n) * 1000.0 / 1001.0) < 0.001) return makeFps(n * 1000, 1001);
    double milli = x * 1000;
    if (std::fabs(milli - std::round(milli)) < 1e-6) return makeFps(std::llround(milli), 1000);
    return std::nullopt;
  }
  if (v.is_string()) {  // "N/D" or "N"
    const std::string& s = v.get_ref<const std::string&>();
    int64_t parts[2] = {0, 1};
    size_t slash = s.find('/');
    if (slash != std::string::npos) parts[1] = 0;
    std::string_view texts[2] = {std::string_view(s).substr(0, slash), {}};
    if (slash != std::string::npos) texts[1] = std::string_view(s).substr(slash + 1);
    for (int i = 0; i < (slash == std::string::npos ? 1 : 2); ++i) {
      if (texts[i].empty() || texts[i].size() > 7) return std::nullopt;
      for (char c : texts[i]) {
        if (c < '0' || c > '9') return std::nullopt;
        parts[i] = parts[i] * 10 + (c - '0');
      }
    }
    return makeFps(parts[0], parts[1]);
  }
  return std::nullopt;
}

class Loader {
 public:
  explicit Loader(Scene& scene) : scene_(scene) {}

  void load(const json& root) {
    if (!root.is_object()) {
      issue("", "expected a scene object {\"format\": \"marquee.scene/1\", ...}, found " +
                    describeJson(root));
      return;
    }
    auto format = root.find("format");
    if (format == root.end()) {
      issue("/format", "missing \"format\"; expected \"marquee.scene/1\"");
    } else if (*format != kFormat) {
      // Another format or version: checking the rest against this one's rules
      // would only bury this message.
      issue("/format", "expected \"marquee.scene/1\", found " + describeJson(*format));
      return;
    }
    checkKeys(root, "",
              {"format", "name", "canvas", "nodes", "clips", "transitions", "effects", "cues",
               "data", "rules"},
              "in the scene");
    if (auto name = root.find("name"); name != root.end()) {
      if (name->is_string())
        scene_.name = name->get<std::string>();
      else
        issue("/name", "expected a string, found " + describeJson(*name));
    }
    if (auto canvas = root.find("canvas"); canvas != root.end()) readCanvas(*canvas);
    if (auto nodes = root.find("nodes"); nodes != root.end())
      readChildren(*nodes, "/nodes", scene_.nodes);
    // After the nodes: tracks are checked against the nodes they animate.
    if (auto clips = root.find("clips"); clips != root.end()) readClips(*clips);
    if (auto t = root.find("transitions"); t != root.end()) readTransitions(*t);
    if (auto e = root.find("effects"); e != root.end()) readEffects(*e);
    if (auto cues = root.find("cues"); cues != root.end()) readCues(*cues);
    if (auto data = root.find("data"); data != root.end()) readData(*data);
    if (auto rules = root.find("rules"); rules != root.end()) readRules(*rules);
  }

  // "data": {"viewers": 0, "stock": {"blue_xl": 37}} - initial values.
  void readData(const json& data) {
    try {
      data::DataStore check;
      if (!data.is_object()) throw UserError("expected an object of initial values");
      check.loadInitial(data, "/data");
      scene_.dataJson = data.dump();
    } catch (const UserError& e) {
      issue("/data", e.what());
    }
  }

  // "rules": [{"id", "when": "viewers >= 50000", "once", "hysteresis",
  //            "do": {"start": CLIP, "for": SEC} | {"stop": CLIP} | {"play": SOUND}}]
  void readRules(const json& rules) {
    try {
      data::RuleSet::parse(rules, "/rules");
    } catch (const UserError& e) {
      issue("/rules", e.what());
      return;
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      std::string pointer = "/rules/" + std::to_string(i) + "/do";
      const json& action = rules[i]["do"];
      if (!action.is_object()) {
        issue(pointer,
              "expected an action {\"start\": CLIP, \"for\": SEC}, {\"stop\": CLIP} "
              "or {\"play\": SOUND}, found " +
                  describeJson(action));
        continue;
      }
      checkKeys(action, pointer, {"start", "stop", "play", "for"}, "in a rule's action");
      int verbs = int(action.contains("start")) + int(action.contains("stop")) +
                  int(action.contains("play"));
      if (verbs != 1) {
        issue(pointer, "expected exactly one of \"start\", \"stop\" or \"play\"");
        continue;
      }
      for (const char* verb : {"start", "stop"}) {
        if (auto it = action.find(verb);
            it != action.end() && (!it->is_string() || !scene_.findClip(it->get<std::string>())))
          issue(pointer + "/" + verb, "expected the id of a clip, found " + describeJson(*it));
      }
      if (auto it = action.find("play"); it != action.end()) {
        const Node* n = it->is_string() ? scene_.findNode(it->get<std::string>()) : nullptr;
        if (!n || n->kind != NodeKind::Sound)
          issue(pointer + "/play", "expected the id of a sound node, found " + describeJson(*it));
      }
      if (auto it = action.find("for"); it != action.end()) {
        if (!action.contains("start"))
          issue(pointer + "/for", "\"for\" only goes with \"start\"");
        else if (!it->is_number() || !(it->get<double>() > 0) || !(it->get<double>() <= 1e6))
          issue(pointer + "/for", "expected seconds in (0, 1000000], found " + describeJson(*it));
      }
    }
    scene_.rulesJson = rules.dump();
  }

  // Sorted by position, at most kMaxIssues (the last one then says so).
  std::vector<SceneIssue> takeIssues() {
    std::stable_sort(issues_.begin(), issues_.end(), [](const SceneIssue& a, const SceneIssue& b) {
      return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    if (issues_.size() > kMaxIssues) {
      issues_.resize(kMaxIssues - 1);
      SceneIssue note = issueAt(
          scene_, "",
          "too many issues; only the first " + std::to_string(kMaxIssues - 1) + " are listed");
      note.line = note.column = 0;
      issues_.push_back(std::move(note));
    }
    return std::move(issues_);
  }

 private:
  Scene& scene_;
  std::vector<SceneIssue> issues_;
  std::map<std::string, std::string> ids_;      // id -> pointer of the node that has it
  std::map<std::string, std::string> clipIds_;  // id -> pointer of the clip that has it

  void issue(const std::string& pointer, std::string message) {
    if (issues_.size() < kMaxCollected)
      issues_.push_back(issueAt(scene_, pointer, std::move(message)));
  }

  void checkKeys(const json& object, const std::string& pointer,
                 const std::vector<std::string>& allowed, const std::string& where) {
    for (const auto& [key, value] : object.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string list;
      for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
      issue(childPointer(pointer, key), "unknown key " + jsonQuoted(key) + " " + where +
                                            didYouMean(key, allowed) + " (expected " + list + ")");
    }
  }

  void readCanvas(const json& c) {
    if (!c.is_object()) {
      issue("/canvas",
            "expected an object {\"width\", \"height\", \"fps\", \"background\"}, "
            "found " +
                describeJson(c));
      return;
    }
    checkKeys(c, "/canvas", {"width", "height", "fps", "background"}, "in canvas");
    for (auto [key, field] :
         {std::pair{"width", &scene_.canvas.width}, std::pair{"height", &scene_.canvas.height}}) {
      auto it = c.find(key);
      if (it == c.end()) continue;
      // Even sizes, because 4:2:0 video has one chroma sample per 2x2 pixels.
      double x = it->is_number() ? it->get<double>() : 0;
      if (isIntegral(*it) && x >= 16 && x <= 8192 && int(x) % 2 == 0) {
        *field = int(x);
      } else {
        issue(std::string("/canvas/") + key,
              "expected an even integer in [16, 8192], found " + describeJson(*it));
      }
    }
    if (auto it = c.find("fps"); it != c.end()) {
      if (auto fps = parseFps(*it)) {
        scene_.canvas.fps = *fps;
      } else {
        issue("/canvas/fps",
              "expected a frame rate in [1, 240]: an integer, a decimal like "
              "29.97, or a string \"N/D\", found " +
                  describeJson(*it));
      }
    }
    if (auto it = c.find("background"); it != c.end()) {
      std::optional<Color> color;
      if (it->is_string()) color = parseColor(it->get_ref<const std::string&>());
      if (color)
        scene_.canvas.background = *color;
      else
        issue("/canvas/background",
              "expected a colour \"#rrggbb\" or \"#rrggbbaa\", found " + describeJson(*it));
    }
  }

  // "cues": [{"time": SECONDS, "play": "sound_node_id"} or "start"/"stop": "clip_id", ...]
  void readCues(const json& array) {
    if (!array.is_array()) {
      issue("/cues", "expected an array of cues [{\"time\": 2.5, \"play\": \"sfx\"}], found " +
                         describeJson(array));
      return;
    }
    for (size_t i = 0; i < array.size(); ++i) {
      std::string pointer = "/cues/" + std::to_string(i);
      const json& c = array[i];
      if (!c.is_object()) {
        issue(pointer,
              "expected a cue object {\"time\": 2.5, \"play\": \"sfx\"}, found " + describeJson(c));
        continue;
      }
      checkKeys(c, pointer, {"time", "play", "start", "stop"}, "in a cue");
      Cue cue;
      cue.jsonPointer = pointer;
      bool ok = true;
      auto time = c.find("time");
      if (time == c.end()) {
        issue(pointer + "/time", "missing \"time\" (seconds of show time)");
        ok = false;
      } else if (!time->is_number() || !(time->get<double>() >= 0) ||
                 !(time->get<double>() <= 1e6)) {
        issue(pointer + "/time", "expected seconds in [0, 1000000], found " + describeJson(*time));
        ok = false;
      } else {
        cue.time = time->get<double>();
      }
      // A cue does one thing, so which one is never ambiguous.
      const std::pair<const char*, std::string*> actions[] = {
          {"play", &cue.play}, {"start", &cue.start}, {"stop", &cue.stop}};
      const char* chosen = nullptr;
      for (auto [key, field] : actions) {
        auto it = c.find(key);
        if (it == c.end()) continue;
        std::string kp = pointer + "/" + key;
        const char* what = field == &cue.play ? "the id of a sound node" : "the id of a clip";
        if (chosen) {
          issue(kp, std::string("a cue does one thing, but this one has both \"") + chosen +
                        "\" and \"" + key + "\"; split it into two cues at the same time");
          ok = false;
        } else if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
          issue(kp, std::string("expected ") + what + ", found " + describeJson(*it));
          ok = false;
        } else {
          *field = it->get<std::string>();
        }
        chosen = key;
      }
      if (!chosen) {
        issue(pointer,
              "missing \"play\" (the id of a sound node), \"start\" or \"stop\" (the id of a "
              "clip); a cue needs exactly one of them");
        ok = false;
      }
      if (ok) scene_.cues.push_back(std::move(cue));
    }
  }

  // The "id" of a clip or a transition (one namespace: cues start both by
  // it), registered as taken; none after an issue. `missingHint` says why an
  // object needs one.
  std::optional<std::string> readClipId(const json& object, const std::string& pointer,
                                        const std::string& missingHint) {
    auto id = object.find("id");
    if (id == object.end()) {
      issue(pointer + "/id", "missing \"id\"; " + missingHint);
      return std::nullopt;
    }
    if (!id->is_string() || !validId(id->get_ref<const std::string&>())) {
      issue(pointer + "/id", "expected an id of 1 to 64 characters from A-Z a-z 0-9 _ . -, found " +
                                 describeJson(*id));
      return std::nullopt;
    }
    auto [first, inserted] = clipIds_.emplace(id->get<std::string>(), pointer);
    if (!inserted) {
      issue(pointer + "/id", "duplicate clip id " + jsonQuoted(first->first) +
                                 "; already used by the clip at " + first->second);
      return std::nullopt;
    }
    return first->first;
  }

  // "transitions": [{"id", "from", "to", "type", "duration", "direction", "ease", "softness",
  //                  "source", "cut_point", "sound"}]
  // A transition is a clip made here (cues start it by its id): from one
  // shot (any node, usually a full-frame group) to another, which the scene
  // keeps hidden ("visible": false) until then.
  //   cut   the new shot replaces the old at once
  //   mix   the new shot fades in over the old (a dissolve in linear light)
  //   slide the new shot moves in from the side opposite `direction`, over the old
  //   push  as slide, and the old shot moves out ahead of it
  //   wipe  the new shot is uncovered by an edge travelling in `direction`,
  //         a linear ramp `softness` px wide (the new shot's crop_softness)
  //   stinger the video `source` (with alpha) plays over everything, on a video
  //         node made here; the shots switch under it at `cut_point`
  // "duration": seconds, or "12f" frames of the canvas rate (cut: one frame;
  // stinger: the video's length by default).
  // The old shot is hidden when the transition ends (a stinger: at the cut).
  void readTransitions(const json& array) {
    if (!array.is_array()) {
      issue("/transitions",
            "expected an array of transitions [{\"id\": ..., \"from\": ..., \"to\": ..., "
            "\"type\": \"mix\", \"duration\": 0.5}], found " +
                describeJson(array));
      return;
    }
    bool all = true;
    std::vector<Node> stingers;
    for (size_t i = 0; i < array.size(); ++i) {
      std::string pointer = "/transitions/" + std::to_string(i);
      if (auto clip = readTransition(array[i], pointer, stingers)) {
        scene_.clips.push_back(std::move(*clip));
      } else {
        all = false;
      }
    }
    // Added after every transition is read: they hold pointers into the nodes.
    // On top of every other node, as a stinger covers the whole picture.
    for (Node& n : stingers) scene_.nodes.push_back(std::move(n));
    if (all) scene_.transitionsJson = array.dump();
  }

  // A clip's or effect's "sound": a sound node's id, into `sound`; false
  // after an issue.
  bool readClipSound(const json& object, const std::string& pointer, std::string& sound) {
    auto it = object.find("sound");
    if (it == object.end()) return true;
    const Node* n = it->is_string() ? scene_.findNode(it->get<std::string>()) : nullptr;
    if (!n || n->kind != NodeKind::Sound) {
      issue(pointer + "/sound", "expected the id of a sound node (played when it starts), found " +
                                    describeJson(*it) +
                                    (n ? " (" + aKind(n->kind) + ")" : std::string()));
      return false;
    }
    sound = n->id;
    return true;
  }

  // "effects": [{"id", "type", "node", "duration", "ease", "sound", "strength",
  //              "property", "from", "to"}] - presets made into clips
  // (effects.h has what each type does).
  void readEffects(const json& array) {
    if (!array.is_array()) {
      issue("/effects",
            "expected an array of effects [{\"id\": ..., \"type\": \"sticker\", \"node\": "
            "...}], found " +
                describeJson(array));
      return;
    }
    bool all = true;
    for (size_t i = 0; i < array.size(); ++i) {
      if (auto clip = readEffect(array[i], "/effects/" + std::to_string(i)))
        scene_.clips.push_back(std::move(*clip));
      else
        all = false;
    }
    if (all) scene_.effectsJson = array.dump();
  }

  std::optional<Clip> readEffect(const json& e, const std::string& pointer) {
    if (!e.is_object()) {
      issue(pointer,
            "expected an effect object {\"id\": ..., \"type\": \"sticker\", "
            "\"node\": ...}, found " +
                describeJson(e));
      return std::nullopt;
    }
    checkKeys(
        e, pointer,
        {"id", "type", "node", "duration", "ease", "sound", "strength", "property", "from", "to"},
        "in an effect");
    Clip clip;
    clip.generated = true;
    clip.jsonPointer = pointer;
    bool ok = true;
    if (auto id = readClipId(e, pointer, "cues and rules start the effect by its id"))
      clip.id = *id;
    else
      ok = false;
    EffectSpec spec;
    std::optional<EffectType> type;
    if (auto it = e.find("type"); it == e.end()) {
      issue(pointer + "/type", std::string("missing \"type\": ") + effectTypeNames());
      ok = false;
    } else if (!it->is_string() || !(type = parseEffectType(it->get<std::string>()))) {
      issue(pointer + "/type",
            std::string("expected ") + effectTypeNames() + ", found " + describeJson(*it));
      ok = false;
    } else {
      spec = defaultEffect(*type);
    }
    const Node* node = nullptr;
    if (auto it = e.find("node"); it == e.end()) {
      issue(pointer + "/node", "missing \"node\" (the id of the layer the effect plays on)");
      ok = false;
    } else if (!it->is_string() || !(node = scene_.findNode(it->get<std::string>()))) {
      issue(pointer + "/node",
            "expected the id of a node in the scene, found " + describeJson(*it));
      ok = false;
    } else if (!appliesTo(Prop::Opacity, node->kind)) {
      issue(pointer + "/node", jsonQuoted(node->id) + " is " + aKind(node->kind) +
                                   ", which does not draw; an effect plays on a layer");
      node = nullptr;
      ok = false;
    }
    if (auto it = e.find("duration"); it != e.end()) {
      if (auto d = readSecondsOrFrames(*it, pointer + "/duration"))
        spec.duration = *d;
      else
        ok = false;
    }
    if (auto it = e.find("ease"); it != e.end()) {
      std::string error;
      std::optional<Easing> ease =
          it->is_string() ? parseEasing(it->get<std::string>(), error) : std::nullopt;
      if (ease) {
        spec.ease = *ease;
      } else {
        issue(pointer + "/ease", it->is_string() ? error
                                                 : "expected an easing such as \"out-back\", "
                                                   "found " +
                                                       describeJson(*it));
        ok = false;
      }
    }
    if (!readClipSound(e, pointer, clip.sound)) ok = false;
    // The keys only some types take.
    auto onlyFor = [&](const char* key, std::initializer_list<EffectType> types,
                       const char* what) -> const json* {
      auto it = e.find(key);
      if (it == e.end() || !type) return nullptr;
      if (std::find(types.begin(), types.end(), *type) == types.end()) {
        issue(pointer + "/" + key, std::string("\"") + key + "\" is " + what + "; a " +
                                       e["type"].get<std::string>() + " has none");
        ok = false;
        return nullptr;
      }
      return &*it;
    };
    if (const json* v = onlyFor("strength", {EffectType::Flash, EffectType::Shine},
                                "a flash's peak opacity or a shine's strength")) {
      if (v->is_number() && v->get<double>() >= 0 && v->get<double>() <= 1) {
        spec.strength = v->get<double>();
      } else {
        issue(pointer + "/strength", "expected a number from 0 to 1, found " + describeJson(*v));
        ok = false;
      }
    }
    if (const json* v = onlyFor("property", {EffectType::RollUp}, "the number a roll-up counts")) {
      const PropertyDesc* desc = v->is_string() ? findProperty(v->get<std::string>()) : nullptr;
      if (!desc || desc->type != PropType::Float) {
        issue(
            pointer + "/property",
            "expected the name of a number property such as \"value\", found " + describeJson(*v));
        ok = false;
      } else {
        spec.property = desc->id;
      }
    }
    if (type == EffectType::RollUp && node && !appliesTo(spec.property, node->kind)) {
      issue(pointer + (e.contains("property") ? "/property" : "/node"),
            "a roll-up counts " + jsonQuoted(property(spec.property).name) + ", which " +
                aKind(node->kind) +
                " does not have (a stock counter's or progress bar's "
                "\"value\", or name a number \"property\")");
      ok = false;
    }
    for (auto [key, field] : {std::pair{"from", &spec.from}, std::pair{"to", &spec.to}}) {
      const json* v = onlyFor(key, {EffectType::RollUp}, "where a roll-up counts from or to");
      if (!v) continue;
      const PropertyDesc& desc = property(spec.property);
      if (v->is_number() && v->get<double>() >= desc.min && v->get<double>() <= desc.max) {
        *field = v->get<double>();
      } else {
        issue(pointer + "/" + key, "expected a number from " + formatNumber(desc.min) + " to " +
                                       formatNumber(desc.max) + ", found " + describeJson(*v));
        ok = false;
      }
    }
    if (!ok || !node) return std::nullopt;
    clip.duration = spec.duration;
    clip.tracks = effectTracks(spec, *node);
    return clip;
  }

  // Seconds, or whole frames of the canvas rate like "12f", in (0, 600]
  // (`zero`: [0, 600]); nullopt after an issue at `pointer`.
  std::optional<double> readSecondsOrFrames(const json& v, const std::string& pointer,
                                            bool zero = false) {
    double frame = 1.0 / scene_.canvas.fps.toDouble();
    std::string error = std::string("expected seconds in ") + (zero ? "[0" : "(0") +
                        ", 600] or whole frames like \"12f\", found " + describeJson(v);
    if (v.is_number() && (zero ? v.get<double>() >= 0 : v.get<double>() > 0) &&
        v.get<double>() <= 600)
      return v.get<double>();
    if (v.is_string() && v.get_ref<const std::string&>().size() >= 2 &&
        v.get_ref<const std::string&>().back() == 'f') {
      const std::string& text = v.get_ref<const std::string&>();
      char* end = nullptr;
      long frames = std::strtol(text.c_str(), &end, 10);
      if (end == text.c_str() + text.size() - 1 && (zero ? frames >= 0 : frames > 0) &&
          frames * frame <= 600)
        return double(frames) * frame;
    }
    issue(pointer, error);
    return std::nullopt;
  }

  std::optional<Clip> readTransition(const json& t, const std::string& pointer,
                                     std::vector<Node>& stingers) {
    if (!t.is_object()) {
      issue(pointer,
            "expected a transition object {\"id\": ..., \"from\": ..., \"to\": ..., "
            "\"type\": ...}, found " +
                describeJson(t));
      return std::nullopt;
    }
    checkKeys(t, pointer,
              {"id", "from", "to", "type", "duration", "direction", "ease", "softness", "source",
               "cut_point", "sound", "source_sound"},
              "in a transition");
    Clip clip;
    clip.generated = true;
    clip.jsonPointer = pointer;
    bool ok = true;
    if (auto id = readClipId(t, pointer, "cues start the transition by its id")) {
      clip.id = *id;
    } else {
      ok = false;
    }
    const Node* shots[2] = {nullptr, nullptr};
    const char* roles[2] = {"from", "to"};
    for (int k = 0; k < 2; ++k) {
      auto it = t.find(roles[k]);
      std::string kp = pointer + "/" + roles[k];
      if (it == t.end()) {
        issue(kp, std::string("missing \"") + roles[k] + "\" (the id of a node)");
        ok = false;
      } else if (!it->is_string() || !(shots[k] = scene_.findNode(it->get<std::string>()))) {
        issue(kp, "expected the id of a node in the scene, found " + describeJson(*it));
        ok = false;
      }
    }
    if (shots[0] && shots[0] == shots[1]) {
      issue(pointer + "/to",
            "a transition goes from one node to another; \"from\" and \"to\" "
            "are both " +
                jsonQuoted(shots[0]->id));
      ok = false;
    }
    static const char* const kTypes[] = {"cut", "mix", "slide", "push", "wipe", "stinger"};
    std::string type;
    if (auto it = t.find("type"); it == t.end()) {
      issue(pointer + "/type", "missing \"type\": cut, mix, slide, push, wipe or stinger");
      ok = false;
    } else if (!it->is_string() || std::find(std::begin(kTypes), std::end(kTypes),
                                             it->get<std::string>()) == std::end(kTypes)) {
      issue(pointer + "/type",
            "expected cut, mix, slide, push, wipe or stinger, found " + describeJson(*it));
      ok = false;
    } else {
      type = it->get<std::string>();
    }
    bool stinger = type == "stinger";
    if (!readClipSound(t, pointer, clip.sound)) ok = false;
    double frame = 1.0 / scene_.canvas.fps.toDouble();
    double duration = frame;
    bool haveDuration = false;
    if (auto it = t.find("duration"); it != t.end() && type != "cut") {
      if (auto d = readSecondsOrFrames(*it, pointer + "/duration")) {
        duration = *d;
        haveDuration = true;
      } else {
        ok = false;
      }
    } else if (it == t.end() && type != "cut" && !stinger && !type.empty()) {
      issue(pointer + "/duration", "missing \"duration\" (seconds, or frames like \"12f\")");
      ok = false;
    }
    // A stinger: a video (with alpha) played over both shots from the start,
    // which switch under it at `cut_point`.
    std::string source;
    double cutPoint = 0;
    if (auto it = t.find("source"); it != t.end()) {
      if (!type.empty() && !stinger) {
        issue(pointer + "/source", "\"source\" is a stinger's video; a " + type + " has none");
        ok = false;
      } else if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
        issue(pointer + "/source",
              "expected the stinger's video (a file relative to the scene, or a URL), found " +
                  describeJson(*it));
        ok = false;
      } else {
        source = it->get<std::string>();
      }
    } else if (stinger) {
      issue(pointer + "/source",
            "missing \"source\": the stinger's video (a file with alpha, relative to the scene)");
      ok = false;
    }
    // Whether the stinger's own sound plays (when it has one and the
    // transition names no `sound` of its own).
    bool sourceSound = true;
    if (auto it = t.find("source_sound"); it != t.end()) {
      if (!type.empty() && !stinger) {
        issue(pointer + "/source_sound",
              "\"source_sound\" is whether a stinger's video plays its sound; a " + type +
                  " has no video");
        ok = false;
      } else if (!it->is_boolean()) {
        issue(pointer + "/source_sound",
              "expected true or false (whether the stinger's own sound plays), found " +
                  describeJson(*it));
        ok = false;
      } else {
        sourceSound = it->get<bool>();
      }
    }
    bool haveCut = false;
    if (auto it = t.find("cut_point"); it != t.end()) {
      if (!type.empty() && !stinger) {
        issue(pointer + "/cut_point",
              "\"cut_point\" is where a stinger switches the shots; a " + type + " has none");
        ok = false;
      } else if (auto c = readSecondsOrFrames(*it, pointer + "/cut_point", true)) {
        cutPoint = *c;
        haveCut = true;
      } else {
        ok = false;
      }
    } else if (stinger) {
      issue(pointer + "/cut_point",
            "missing \"cut_point\": seconds, or frames like \"12f\", into the stinger where "
            "the shots switch");
      ok = false;
    }
    Vec2 towards{-1, 0};  // the way the incoming shot (or the wipe's edge) travels
    if (auto it = t.find("direction"); it != t.end()) {
      static const std::pair<const char*, Vec2> kDirections[] = {
          {"left", {-1, 0}}, {"right", {1, 0}}, {"up", {0, -1}}, {"down", {0, 1}}};
      auto d = std::find_if(std::begin(kDirections), std::end(kDirections), [&](const auto& e) {
        return it->is_string() && it->get<std::string>() == e.first;
      });
      if (d == std::end(kDirections)) {
        issue(pointer + "/direction",
              "expected left, right, up or down, found " + describeJson(*it));
        ok = false;
      } else {
        towards = d->second;
      }
    }
    Easing ease;
    ease.curve = EaseCurve::InOutCubic;
    if (auto it = t.find("ease"); it != t.end()) {
      std::string error;
      std::optional<Easing> e =
          it->is_string() ? parseEasing(it->get<std::string>(), error) : std::nullopt;
      if (!e) {
        issue(pointer + "/ease",
              "expected an easing such as \"in-out-cubic\" or "
              "\"cubic-bezier(0.2,0.8,0.2,1)\", found " +
                  describeJson(*it));
        ok = false;
      } else {
        ease = *e;
      }
    }
    // The wipe's edge: a ramp this many of the new shot's pixels wide.
    double softness = 0;
    if (auto it = t.find("softness"); it != t.end()) {
      if (!type.empty() && type != "wipe") {
        issue(pointer + "/softness",
              "\"softness\" is the width of a wipe's edge; a " + type + " has no edge");
        ok = false;
      } else if (!it->is_number() || !(it->get<double>() >= 0) || !(it->get<double>() <= 16384)) {
        issue(pointer + "/softness",
              "expected the edge's width in pixels, 0 to 16384, found " + describeJson(*it));
        ok = false;
      } else {
        softness = it->get<double>();
      }
    }
    bool withSound = false;  // the stinger's own sound plays
    if (stinger && ok) {
      // Without a duration the transition lasts as long as the video, which
      // only a file can tell before the show runs; so can only a file say
      // whether it has sound.
      bool stream = source.find("://") != std::string::npos || source.rfind("builtin:", 0) == 0 ||
                    source.rfind("/dev/", 0) == 0;
      std::string why = "a stream's length is not known in advance";
      std::optional<media::MediaInfo> info;
      if (!stream) info = media::probeMedia(scene_.resolve(source).string(), why);
      if (info && !info->seconds) why = "it does not state a length";
      withSound = info && info->hasAudio && sourceSound && clip.sound.empty();
      if (!haveDuration) {
        std::optional<double> length = info ? info->seconds : std::nullopt;
        if (!length) {
          issue(pointer + "/source", "cannot tell how long the stinger " + jsonQuoted(source) +
                                         " lasts (" + why +
                                         "); give the transition a \"duration\"");
          ok = false;
        } else {
          duration = std::min(*length, 600.0);
        }
      }
      if (ok && haveCut && cutPoint > duration) {
        issue(pointer + "/cut_point",
              "the cut point is past the stinger's end (" + formatNumber(duration) + " s)");
        ok = false;
      }
      const std::pair<const char*, const char*> made[] = {{kStingerVideo, "video"},
                                                          {kStingerSound, "sound"}};
      for (const auto& [suffix, what] : std::span(made, withSound ? 2 : 1)) {
        std::string nodeId = clip.id + suffix;
        if (ok && scene_.findNode(nodeId)) {
          issue(pointer + "/id", std::string("the stinger's ") + what + " node is named " +
                                     jsonQuoted(nodeId) +
                                     ", which is already a node's id; rename one of them");
          ok = false;
        }
      }
    }
    if (!ok) return std::nullopt;

    const Node& from = *shots[0];
    const Node& to = *shots[1];
    clip.duration = duration;
    auto track = [&](const Node& n, Prop prop, std::vector<Keyframe> keys) {
      clip.tracks.push_back(Track{n.id, prop, std::move(keys)});
    };
    auto key = [](double time, PropertyValue value, Easing e = {}) {
      return Keyframe{time, std::move(value), e};
    };
    if (stinger) {
      // The video node the transition's start plays from its first frame
      // (its "clip" is this transition), shown until the transition ends;
      // made here, not saved (the transition is).
      Node video = makeNode(NodeKind::Video, clip.id + kStingerVideo);
      video.values[size_t(Prop::Url)] = source;
      video.values[size_t(Prop::Visible)] = false;
      video.values[size_t(Prop::EmitClip)] = clip.id;
      video.generated = true;
      video.jsonPointer = pointer;
      // Keys half a frame early: the frame nearest each time switches, however
      // the show time of that frame rounds (1.4 - 1.0 < 0.4).
      double end = std::max(duration - 0.5 * frame, 0.5 * duration);
      track(video, Prop::Visible, {key(0, true), key(end, false)});
      // A cut under the stinger.
      if (double cut = cutPoint - 0.5 * frame; cut > 0) {
        track(to, Prop::Visible, {key(0, false), key(cut, true)});
        track(from, Prop::Visible, {key(0, true), key(cut, false)});
      } else {
        track(to, Prop::Visible, {key(0, true)});
        track(from, Prop::Visible, {key(0, false)});
      }
      stingers.push_back(std::move(video));
      if (withSound) {
        // Its sound, played as the transition's: from each start, with the
        // first picture.
        Node sound = makeNode(NodeKind::Sound, clip.id + kStingerSound);
        sound.values[size_t(Prop::File)] = source;
        sound.generated = true;
        sound.jsonPointer = pointer + "/source";
        clip.sound = sound.id;
        stingers.push_back(std::move(sound));
      }
      return clip;
    }
    track(to, Prop::Visible, {key(0, true)});
    track(from, Prop::Visible, {key(0, type != "cut"), key(duration, false)});
    // Distances: the shot's box, or the canvas for a shot sized by it.
    Vec2 size = to.getVec2(Prop::Size);
    double w = size.x > 0 ? size.x : scene_.canvas.width;
    double h = size.y > 0 ? size.y : scene_.canvas.height;
    Vec2 travel{towards.x * scene_.canvas.width, towards.y * scene_.canvas.height};
    if (type == "mix") {
      track(to, Prop::Opacity, {key(0, 0.0, ease), key(duration, to.getFloat(Prop::Opacity))});
    } else if (type == "slide" || type == "push") {
      Vec2 base = to.getVec2(Prop::Position);
      track(to, Prop::Position,
            {key(0, Vec2{base.x - travel.x, base.y - travel.y}, ease), key(duration, base)});
      if (type == "push") {
        Vec2 old = from.getVec2(Prop::Position);
        track(from, Prop::Position,
              {key(0, old, ease), key(duration, Vec2{old.x + travel.x, old.y + travel.y})});
      }
    } else if (type == "wipe") {
      // The new shot starts cropped away entirely on the side the edge comes
      // from and ends as it was.
      Insets base = to.getInsets(Prop::Crop);
      Insets start = base;
      if (towards.x < 0) start.left = w;
      if (towards.x > 0) start.right = w;
      if (towards.y < 0) start.top = h;
      if (towards.y > 0) start.bottom = h;
      track(to, Prop::Crop, {key(0, start, ease), key(duration, base)});
      // Feathers the travelling crop edge; the shot's own value is back at the
      // end (held, not blended: the ramp keeps its width while it travels).
      if (softness > 0) {
        Easing hold;
        hold.curve = EaseCurve::Step;
        track(to, Prop::CropSoftness,
              {key(0, softness, hold), key(duration, to.getFloat(Prop::CropSoftness))});
      }
    }
    return clip;
  }

  // "clips": [{"id", "duration", "loop", "autoplay", "sound",
  //            "tracks": [{"node", "property", "keys"}]}]
  void readClips(const json& array) {
    if (!array.is_array()) {
      issue("/clips",
            "expected an array of clips [{\"id\": ..., \"duration\": ..., \"tracks\": "
            "[...]}], found " +
                describeJson(array));
      return;
    }
    for (size_t i = 0; i < array.size(); ++i) {
      std::string pointer = "/clips/" + std::to_string(i);
      const json& c = array[i];
      if (!c.is_object()) {
        issue(pointer,
              "expected a clip object {\"id\": ..., \"duration\": ..., \"tracks\": "
              "[...]}, found " +
                  describeJson(c));
        continue;
      }
      checkKeys(c, pointer, {"id", "duration", "loop", "autoplay", "sound", "tracks"}, "in a clip");
      Clip clip;
      clip.jsonPointer = pointer;
      bool ok = true;
      if (auto id = readClipId(c, pointer, "every clip needs a unique id like \"intro\"")) {
        clip.id = *id;
      } else {
        ok = false;
      }
      auto duration = c.find("duration");
      bool haveDuration = false;
      if (duration == c.end()) {
        issue(pointer + "/duration", "missing \"duration\" (seconds, more than 0)");
        ok = false;
      } else if (!duration->is_number() || !(duration->get<double>() > 0) ||
                 !(duration->get<double>() <= 1e6)) {
        issue(pointer + "/duration",
              "expected seconds in (0, 1000000], found " + describeJson(*duration));
        ok = false;
      } else {
        clip.duration = duration->get<double>();
        haveDuration = true;
      }
      for (auto [key, field] :
           {std::pair{"loop", &clip.loop}, std::pair{"autoplay", &clip.autoplay}}) {
        auto it = c.find(key);
        if (it == c.end()) continue;
        if (it->is_boolean()) {
          *field = it->get<bool>();
        } else {
          issue(pointer + "/" + key, "expected true or false, found " + describeJson(*it));
          ok = false;
        }
      }
      if (!readClipSound(c, pointer, clip.sound)) ok = false;
      auto tracks = c.find("tracks");
      if (tracks == c.end()) {
        issue(pointer + "/tracks", "missing \"tracks\" (what the clip animates)");
        ok = false;
      } else if (!tracks->is_array()) {
        issue(pointer + "/tracks",
              "expected an array of tracks [{\"node\": ..., \"property\": "
              "..., \"keys\": [...]}], found " +
                  describeJson(*tracks));
        ok = false;
      } else {
        std::map<std::pair<std::string, Prop>, std::string> animated;  // -> pointer of its track
        for (size_t t = 0; t < tracks->size(); ++t) {
          std::string tp = pointer + "/tracks/" + std::to_string(t);
          auto track = readTrack((*tracks)[t], tp, haveDuration ? clip.duration : 1e300);
          if (!track) {
            ok = false;
            continue;
          }
          auto [first, inserted] = animated.emplace(std::pair(track->node, track->property), tp);
          if (!inserted) {
            issue(tp + "/property", "the clip already animates " + jsonQuoted(track->node) + " " +
                                        jsonQuoted(property(track->property).name) +
                                        " in the track at " + first->second);
            ok = false;
          }
          clip.tracks.push_back(std::move(*track));
        }
      }
      if (ok) scene_.clips.push_back(std::move(clip));
    }
  }

  std::optional<Track> readTrack(const json& t, const std::string& pointer, double duration) {
    if (!t.is_object()) {
      issue(pointer,
            "expected a track object {\"node\": ..., \"property\": ..., \"keys\": "
            "[...]}, found " +
                describeJson(t));
      return std::nullopt;
    }
    checkKeys(t, pointer, {"node", "property", "keys"}, "in a track");
    Track track;
    bool ok = true;
    const Node* node = nullptr;
    auto nodeId = t.find("node");
    if (nodeId == t.end()) {
      issue(pointer + "/node", "missing \"node\" (the id of the node to animate)");
      ok = false;
    } else if (!nodeId->is_string()) {
      issue(pointer + "/node", "expected the id of a node, found " + describeJson(*nodeId));
      ok = false;
    } else {
      track.node = nodeId->get<std::string>();
      node = scene_.findNode(track.node);
      // A node that failed to load has its id registered and its own issue.
      if (!node && !ids_.count(track.node)) {
        std::vector<std::string> known;
        for (const auto& [known_id, p] : ids_) known.push_back(known_id);
        issue(pointer + "/node",
              "no node has the id " + jsonQuoted(track.node) + didYouMean(track.node, known));
      }
      if (!node) ok = false;
    }
    const PropertyDesc* desc = nullptr;
    auto prop = t.find("property");
    if (prop == t.end()) {
      issue(pointer + "/property", "missing \"property\" (the name of the property to animate)");
      ok = false;
    } else if (!prop->is_string()) {
      issue(pointer + "/property", "expected a property name, found " + describeJson(*prop));
      ok = false;
    } else {
      const std::string& name = prop->get_ref<const std::string&>();
      desc = findProperty(name);
      std::optional<NodeKind> kind;
      if (node) kind = node->kind;
      if (!desc) {
        std::vector<std::string> names;
        for (const PropertyDesc& d : properties())
          if (!kind || appliesTo(d.id, *kind)) names.push_back(d.name);
        issue(pointer + "/property", "unknown property " + jsonQuoted(name) +
                                         (kind ? " for " + aKind(*kind) : "") +
                                         didYouMean(name, names));
        ok = false;
      } else if (kind && !appliesTo(desc->id, *kind)) {
        issue(pointer + "/property", "property " + jsonQuoted(name) + " does not apply to " +
                                         aKind(*kind) + " (" + jsonQuoted(track.node) + ")");
        desc = nullptr;
        ok = false;
      } else {
        track.property = desc->id;
      }
    }
    auto keys = t.find("keys");
    if (keys == t.end()) {
      issue(pointer + "/keys", "missing \"keys\" (at least one {\"time\": ..., \"value\": ...})");
      return std::nullopt;
    }
    if (!keys->is_array() || keys->empty()) {
      issue(pointer + "/keys",
            "expected an array of keyframes [{\"time\": 0, \"value\": ...}, "
            "...], found " +
                describeJson(*keys));
      return std::nullopt;
    }
    for (size_t k = 0; k < keys->size(); ++k) {
      std::string kp = pointer + "/keys/" + std::to_string(k);
      auto key = readKey((*keys)[k], kp, desc, duration);
      if (!key) {
        ok = false;
        continue;
      }
      if (!track.keys.empty() && !(key->time > track.keys.back().time)) {
        issue(kp + "/time", "expected a time after the previous key's (" +
                                formatNumber(track.keys.back().time) +
                                "): keys are in ascending time, found " + formatNumber(key->time));
        ok = false;
      }
      track.keys.push_back(std::move(*key));
    }
    if (!ok) return std::nullopt;
    return track;
  }

  // `desc` is null when the property is unknown: the value is then not checked.
  std::optional<Keyframe> readKey(const json& k, const std::string& pointer,
                                  const PropertyDesc* desc, double duration) {
    if (!k.is_object()) {
      issue(pointer,
            "expected a keyframe {\"time\": 0, \"value\": ..., \"ease\": \"linear\"}, "
            "found " +
                describeJson(k));
      return std::nullopt;
    }
    checkKeys(k, pointer, {"time", "value", "ease"}, "in a keyframe");
    Keyframe key;
    bool ok = true;
    auto time = k.find("time");
    if (time == k.end()) {
      issue(pointer + "/time", "missing \"time\" (seconds from the clip's start)");
      ok = false;
    } else if (!time->is_number() || !(time->get<double>() >= 0) ||
               !(time->get<double>() <= duration)) {
      std::string range =
          duration < 1e300 ? "[0, " + formatNumber(duration) + "]" : "[0, the clip's duration]";
      issue(pointer + "/time", "expected seconds in " + range + " (the clip's duration), found " +
                                   describeJson(*time));
      ok = false;
    } else {
      key.time = time->get<double>();
    }
    auto value = k.find("value");
    if (value == k.end()) {
      issue(pointer + "/value", "missing \"value\" (the property's value at this time)");
      ok = false;
    } else if (desc) {
      std::vector<ValueProblem> problems;
      auto v = propertyFromJson(*desc, *value, pointer + "/value", problems);
      for (ValueProblem& p : problems) issue(p.pointer, std::move(p.message));
      if (v && desc->type == PropType::Path &&
          !checkAsset(*desc, std::get<std::string>(*v), pointer + "/value"))
        v.reset();
      if (v && !checkMeaning(*desc, *v, pointer + "/value")) v.reset();
      if (v)
        key.value = std::move(*v);
      else
        ok = false;
    } else {
      ok = false;
    }
    if (auto e = k.find("ease"); e != k.end()) {
      std::string error;
      std::optional<Easing> easing;
      if (e->is_string())
        easing = parseEasing(e->get_ref<const std::string&>(), error);
      else
        error = "expected an easing name like \"out-cubic\", found " + describeJson(*e);
      if (easing)
        key.ease = *easing;
      else {
        issue(pointer + "/ease", error);
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return key;
  }

  // After every node is read: an L-bar squeezes a node that draws, not itself.
  void checkCameraTargets() {
    for (const Node* n : scene_.allNodes()) {
      if (n->kind != NodeKind::LBar) continue;
      const std::string& camera = n->getString(Prop::Camera);
      if (camera.empty()) continue;
      const Node* target = scene_.findNode(camera);
      std::string pointer = n->jsonPointer + "/camera";
      if (!target) {
        std::vector<std::string> known;
        for (const auto& [id, p] : ids_) known.push_back(id);
        issue(pointer, "no node has the id " + jsonQuoted(camera) +
                           "; \"camera\" names the node the L-bar squeezes" +
                           didYouMean(camera, known));
      } else if (target == n || target->kind == NodeKind::Sound || isWidget(target->kind)) {
        issue(pointer, jsonQuoted(camera) + " is " + aKind(target->kind) +
                           "; \"camera\" names a video, image, group or other layer");
      }
    }
  }

  // After every node is read: cues must name sound nodes or clips.
  void checkCueTargets() {
    for (const Cue& cue : scene_.cues) {
      if (!cue.play.empty()) {
        const Node* target = scene_.findNode(cue.play);
        if (!target)
          issue(cue.jsonPointer + "/play",
                "no node has the id " + jsonQuoted(cue.play) + "; \"play\" names a sound node");
        else if (target->kind != NodeKind::Sound)
          issue(cue.jsonPointer + "/play", jsonQuoted(cue.play) + " is " + aKind(target->kind) +
                                               "; \"play\" names a sound node");
      }
      for (auto [key, clip] : {std::pair{"start", &cue.start}, std::pair{"stop", &cue.stop}}) {
        // A clip with problems of its own is not loaded but its id is known.
        if (clip->empty() || clipIds_.count(*clip)) continue;
        std::vector<std::string> known;
        for (const auto& [id, p] : clipIds_) known.push_back(id);
        issue(cue.jsonPointer + "/" + key, "no clip has the id " + jsonQuoted(*clip) + "; \"" +
                                               key + "\" names a clip" + didYouMean(*clip, known));
      }
    }
  }

  // After every node and clip is read: an emitter's clip exists, and its
  // colours fit the particle shader.
  void checkEmitters() {
    for (const Node* n : scene_.allNodes()) {
      if (n->kind != NodeKind::Particles && n->kind != NodeKind::Video) continue;
      const std::string& clip = n->getString(Prop::EmitClip);
      if (!clip.empty() && !clipIds_.count(clip)) {
        std::vector<std::string> known;
        for (const auto& [id, p] : clipIds_) known.push_back(id);
        issue(n->jsonPointer + "/clip",
              "no clip has the id " + jsonQuoted(clip) + "; \"clip\" names the clip whose start " +
                  (n->kind == NodeKind::Video ? "starts the video" : "fires the emitter") +
                  didYouMean(clip, known));
      }
      if (n->kind != NodeKind::Particles) continue;
      size_t colors = n->getStops(Prop::Colors).size();
      if (colors == 0 || colors > 8) {
        issue(n->jsonPointer + "/colors",
              "expected 1 to 8 colour stops, found " + std::to_string(colors));
      }
    }
  }

 public:
  void finish() {
    checkCueTargets();
    checkCameraTargets();
    checkEmitters();
  }

 private:
  void readChildren(const json& array, const std::string& pointer, std::vector<Node>& out) {
    if (!array.is_array()) {
      issue(pointer, "expected an array of nodes, found " + describeJson(array));
      return;
    }
    for (size_t i = 0; i < array.size(); ++i)
      if (auto node = readNode(array[i], childPointer(pointer, std::to_string(i))))
        out.push_back(std::move(*node));
  }

  std::optional<NodeKind> readKind(const json& node, const std::string& pointer) {
    std::string kp = childPointer(pointer, "kind");
    auto it = node.find("kind");
    if (it == node.end()) {
      issue(kp, "missing \"kind\"; expected one of " + kindList());
      return std::nullopt;
    }
    if (!it->is_string()) {
      issue(kp, "expected a node kind (one of " + kindList() + "), found " + describeJson(*it));
      return std::nullopt;
    }
    auto kind = nodeKindFromName(it->get_ref<const std::string&>());
    if (!kind) {
      issue(kp, "unknown node kind " + describeJson(*it) + "; expected one of " + kindList() +
                    didYouMean(it->get_ref<const std::string&>(), kKindNames));
    }
    return kind;
  }

  void readId(const json& node, const std::string& pointer, Node& out) {
    std::string ip = childPointer(pointer, "id");
    auto it = node.find("id");
    if (it == node.end()) {
      issue(ip, "missing \"id\"; every node needs a unique id like \"lower_third\"");
    } else if (!it->is_string() || !validId(it->get_ref<const std::string&>())) {
      issue(ip, "expected an id of 1 to 64 characters from A-Z a-z 0-9 _ . -, found " +
                    describeJson(*it));
    } else {
      out.id = it->get<std::string>();
      auto [first, inserted] = ids_.emplace(out.id, pointer);
      if (!inserted)
        issue(ip, "duplicate id " + jsonQuoted(out.id) + "; already used by the node at " +
                      first->second);
    }
  }

  std::optional<Node> readNode(const json& j, const std::string& pointer) {
    if (!j.is_object()) {
      issue(pointer,
            "expected a node object {\"id\": ..., \"kind\": ..., ...}, found " + describeJson(j));
      return std::nullopt;
    }
    std::optional<NodeKind> kind = readKind(j, pointer);
    Node node = makeNode(kind.value_or(NodeKind::Solid), "");
    node.jsonPointer = pointer;
    readId(j, pointer, node);
    if (auto name = j.find("name"); name != j.end()) {
      if (name->is_string())
        node.name = name->get<std::string>();
      else
        issue(childPointer(pointer, "name"), "expected a string, found " + describeJson(*name));
    }
    for (const auto& [key, value] : j.items()) {
      if (key == "id" || key == "kind" || key == "name") continue;
      std::string kp = childPointer(pointer, key);
      if (key == "bindings") {
        if (kind) readBindings(value, kp, node);
        continue;
      }
      if (key == "children") {
        if (kind && *kind != NodeKind::Group)
          issue(kp, "\"children\" only applies to group nodes, not to " + aKind(*kind));
        else
          readChildren(value, kp, node.children);
        continue;
      }
      const PropertyDesc* desc = findProperty(key);
      if (!desc) {
        issue(kp, "unknown property " + jsonQuoted(key) + (kind ? " for " + aKind(*kind) : "") +
                      didYouMean(key, keysFor(kind)));
        continue;
      }
      if (kind && !appliesTo(desc->id, *kind)) {
        issue(kp, "property " + jsonQuoted(key) + " does not apply to " + aKind(*kind));
        continue;
      }
      std::vector<ValueProblem> problems;
      auto v = propertyFromJson(*desc, value, kp, problems);
      for (ValueProblem& p : problems) issue(p.pointer, std::move(p.message));
      if (v && desc->type == PropType::Path && !checkAsset(*desc, std::get<std::string>(*v), kp))
        v.reset();
      if (v && !checkMeaning(*desc, *v, kp)) v.reset();
      if (v) node.values[size_t(desc->id)] = std::move(*v);
    }
    if (!kind) return std::nullopt;
    for (const PropertyDesc& d : properties()) {
      if (isRequired(d.id, *kind) && !j.contains(d.name))
        issue(childPointer(pointer, d.name),
              "missing required property " + jsonQuoted(d.name) + " for " + aKind(*kind));
    }
    return node;
  }

  // "bindings": {"<property>": {"source": ..., mapping}, ...} (property_binding.h).
  void readBindings(const json& object, const std::string& pointer, Node& node) {
    if (!object.is_object()) {
      issue(pointer,
            "expected an object of bindings {\"opacity\": {\"source\": \"viewers\", "
            "\"from\": [0, 100], \"to\": [0, 1]}}, found " +
                describeJson(object));
      return;
    }
    std::vector<std::string> names;
    for (const PropertyDesc& d : properties())
      if (appliesTo(d.id, node.kind)) names.push_back(d.name);
    for (const auto& [key, value] : object.items()) {
      std::string kp = childPointer(pointer, key);
      const PropertyDesc* desc = findProperty(key);
      if (!desc) {
        issue(kp, "unknown property " + jsonQuoted(key) + " for " + aKind(node.kind) +
                      didYouMean(key, names));
        continue;
      }
      if (!appliesTo(desc->id, node.kind)) {
        issue(kp, "property " + jsonQuoted(key) + " does not apply to " + aKind(node.kind));
        continue;
      }
      std::vector<ValueProblem> problems;
      auto binding = parsePropertyBinding(*desc, value, kp, problems);
      for (ValueProblem& p : problems) issue(p.pointer, std::move(p.message));
      if (binding) node.bindings.push_back(std::move(*binding));
    }
    // Table order, so saving is canonical whatever the file's key order.
    std::sort(
        node.bindings.begin(), node.bindings.end(),
        [](const PropertyBinding& a, const PropertyBinding& b) { return a.property < b.property; });
  }

  // Checks a value's type and range cannot express: a countdown's time of day.
  bool checkMeaning(const PropertyDesc& desc, const PropertyValue& value,
                    const std::string& pointer) {
    if (desc.id == Prop::Until) {
      const std::string& text = std::get<std::string>(value);
      if (!text.empty() && !parseClockTime(text)) {
        issue(pointer,
              "expected a time of day \"HH:MM\" or \"HH:MM:SS\" (24-hour), or \"\" "
              "to count down a duration, found " +
                  jsonQuoted(text));
        return false;
      }
    }
    return true;
  }

  // Keys a node of `kind` may have, for "did you mean" suggestions.
  static std::vector<std::string> keysFor(std::optional<NodeKind> kind) {
    std::vector<std::string> keys = {"id", "name", "kind", "bindings"};
    if (!kind || *kind == NodeKind::Group) keys.push_back("children");
    for (const PropertyDesc& d : properties())
      if (!kind || appliesTo(d.id, *kind)) keys.push_back(d.name);
    return keys;
  }

  // Checks the file behind a Path value now, so a bad asset is reported with
  // its line instead of failing later in a decoder.
  bool checkAsset(const PropertyDesc& desc, const std::string& relative,
                  const std::string& pointer) {
    fs::path path = scene_.resolve(relative);
    std::error_code ec;
    bool image = desc.id == Prop::Source || desc.id == Prop::Image || desc.id == Prop::Mask ||
                 desc.id == Prop::Sprite;
    if (!fs::exists(path, ec)) {
      issue(pointer, std::string(image                   ? "image file"
                                 : desc.id == Prop::File ? "sound file"
                                                         : "file") +
                         " not found: " + path.string());
      return false;
    }
    if (!image) return true;
    // Check the signature before stbi_info: stb also accepts BMP, GIF, TGA and
    // more, and its TGA probe takes many arbitrary files for images.
    unsigned char head[8] = {};
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(head), sizeof head);
    static const unsigned char kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    bool png = in.gcount() == 8 && std::memcmp(head, kPng, 8) == 0;
    bool jpeg = in.gcount() >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF;
    int w = 0, h = 0, channels = 0;
    if (!fs::is_regular_file(path, ec) || !(png || jpeg) ||
        !stbi_info(path.c_str(), &w, &h, &channels)) {
      issue(pointer, "not a PNG or JPEG image: " + path.string());
      return false;
    }
    return true;
  }
};

Scene parseText(std::string_view text, const fs::path& file) {
  Scene scene;
  scene.file = file;
  std::error_code ec;
  fs::path absolute = fs::absolute(file.empty() ? fs::path("scene.json") : file, ec);
  scene.baseDir = (ec ? file : absolute).parent_path().lexically_normal();
  auto single = [&](int line, int column, std::string pointer, std::string message) {
    SceneIssue issue = issueAt(scene, "", std::move(message));
    issue.line = line;
    issue.column = column;
    issue.pointer = std::move(pointer);
    return SceneError({std::move(issue)});
  };
  if (text.size() > kMaxFileBytes)
    throw single(0, 0, "",
                 "file is too large for a scene (the limit is " +
                     std::to_string(kMaxFileBytes >> 20) + " MiB)");
  ParsedJson parsed;
  try {
    parsed = parseJsonWithPositions(text);
  } catch (const JsonSyntaxError& e) {
    throw single(e.line, e.column, e.pointer, e.what());
  }
  scene.positions = std::move(parsed.positions);
  Loader loader(scene);
  loader.load(parsed.value);
  loader.finish();
  std::vector<SceneIssue> issues = loader.takeIssues();
  if (!issues.empty()) throw SceneError(std::move(issues));
  return scene;
}

// Only SceneError leaves the loader: anything else is turned into one.
template <typename F>
Scene guarded(const fs::path& file, F&& body) {
  auto fail = [&](const std::string& message) {
    return SceneError({SceneIssue{file.empty() ? "<scene>" : file.string(), 0, 0, "", message}});
  };
  try {
    return body();
  } catch (const SceneError&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw fail("out of memory while loading the scene");
  } catch (const std::exception& e) {
    throw fail(std::string("internal error while loading the scene: ") + e.what());
  }
}

}  // namespace

Scene parseScene(const std::string& text, const std::filesystem::path& fileForMessages) {
  return guarded(fileForMessages, [&] { return parseText(text, fileForMessages); });
}

Scene loadScene(const std::filesystem::path& file) {
  return guarded(file, [&] {
    auto fail = [&](const std::string& message) {
      return SceneError({SceneIssue{file.string(), 0, 0, "", message}});
    };
    std::error_code ec;
    if (fs::is_directory(file, ec)) throw fail("cannot read scene file: it is a directory");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw fail(std::string("cannot open scene file: ") + std::strerror(errno));
    std::string text;
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
      text.append(buffer, size_t(in.gcount()));
      if (text.size() > kMaxFileBytes) break;  // parseText reports it
    }
    if (in.bad()) throw fail("cannot read scene file");
    return parseText(text, file);
  });
}

}  // namespace mq::scene
