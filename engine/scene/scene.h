// The show scene: canvas, background and a tree of nodes with stable ids.
// Properties are declared once in properties.def; everything here reads them
// through that table.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/rational.h"
#include "data/binding.h"

namespace mq::scene {

inline constexpr const char* kFormat = "marquee.scene/1";

// Video plays a media source (camera, file, stream) as a layer; Sound is an
// audio-only node (a music bed or a sound effect fired by cues) and draws nothing.
// The kinds after Sound up to Ticker are show-graphic widgets: each is drawn
// by expanding it into the primitives above when a frame is planned
// (render/widgets.h). Particles is a GPU particle emitter (render/particles.h).
enum class NodeKind : uint8_t {
  Solid,
  Gradient,
  Image,
  Text,
  Group,
  Video,
  Sound,
  LowerThird,
  LBar,
  Countdown,
  StockCounter,
  ProgressBar,
  ProductCard,
  Ticker,
  Particles,
};
inline constexpr int kNodeKindCount = 15;
bool isWidget(NodeKind kind);
const char* nodeKindName(NodeKind kind);

// Bitmask of node kinds, for the property table.
inline constexpr uint32_t kSolid = 1u << 0, kGradient = 1u << 1, kImage = 1u << 2, kText = 1u << 3,
                          kGroup = 1u << 4, kVideo = 1u << 5, kSound = 1u << 6,
                          kLowerThird = 1u << 7, kLBar = 1u << 8, kCountdown = 1u << 9,
                          kStockCounter = 1u << 10, kProgressBar = 1u << 11,
                          kProductCard = 1u << 12, kTicker = 1u << 13, kParticles = 1u << 14,
                          kWidgets = 0x3f80,  // every show-graphic widget
    kVisual = 0x3f | kWidgets | kParticles,   // every kind that draws
    kAll = 0x7fff;

struct Vec2 {
  double x = 0, y = 0;
  bool operator==(const Vec2&) const = default;
};
struct Insets {
  double left = 0, top = 0, right = 0, bottom = 0;
  bool operator==(const Insets&) const = default;
};
// sRGB-encoded, straight (not premultiplied) alpha, as designers pick colours.
// JSON: "#rrggbb" or "#rrggbbaa".
struct Color {
  uint8_t r = 0, g = 0, b = 0, a = 255;
  bool operator==(const Color&) const = default;
};
struct GradientStop {
  double offset = 0;
  Color color;
  bool operator==(const GradientStop&) const = default;
};
using Stops = std::vector<GradientStop>;

enum class Blend : uint8_t { Normal, Add, Multiply, Screen };
enum class GradientType : uint8_t { Linear, Radial };
enum class Fit : uint8_t { Stretch, Contain, Cover };
enum class Align : uint8_t { Left, Center, Right };
enum class OnLoss : uint8_t { Slate, LastFrame };
enum class Key : uint8_t { None, Chroma, Luma };
enum class MaskMode : uint8_t { Alpha, Luminance };
enum class ParticleEffect : uint8_t { Confetti, Sparkle, Coins };

enum class PropType : uint8_t { Float, Bool, Vec2, Insets, Color, String, Path, Enum, Stops };

// Enum properties hold their choice index as int64_t.
using PropertyValue = std::variant<double, bool, Vec2, Insets, Color, std::string, int64_t, Stops>;

enum class Prop : uint16_t {
#define MQ_PROPERTY(id, ...) id,
#include "scene/properties.def"
#undef MQ_PROPERTY
  Count
};
inline constexpr size_t kPropCount = static_cast<size_t>(Prop::Count);

struct PropertyDesc {
  Prop id;
  const char* name;  // JSON key
  PropType type;
  PropertyValue defaultValue;
  double min, max;  // inclusive, per component, for numeric types
  const char* unit;
  uint32_t kinds;  // NodeKind bitmask
  const char* description;
  std::vector<const char*> choices;  // Enum spellings, in C++ enum order
};

// The property table, indexed by Prop.
const std::array<PropertyDesc, kPropCount>& properties();
const PropertyDesc& property(Prop id);
bool appliesTo(Prop id, NodeKind kind);
// Properties a node of `kind` must state in its file (an image's source, a
// text's text); the saver writes them even at their default.
bool isRequired(Prop id, NodeKind kind);

// Lookups by JSON spelling, for every text front end (loader, control API, editor).
std::optional<NodeKind> nodeKindFromName(std::string_view name);
const PropertyDesc* findProperty(std::string_view jsonName);  // nullptr if unknown
// "#rrggbb" or "#rrggbbaa", hex digits in either case.
std::optional<Color> parseColor(std::string_view text);
// Lowercase "#rrggbb" when alpha is 255, else "#rrggbbaa".
std::string formatColor(Color color);

// How a keyframe segment moves from one value to the next (animation.h has the
// curves, the names and the parser).
enum class EaseCurve : uint8_t {
  Linear,
  Step,  // holds the earlier key's value until the next key
  InSine,
  OutSine,
  InOutSine,
  InQuad,
  OutQuad,
  InOutQuad,
  InCubic,
  OutCubic,
  InOutCubic,
  InExpo,
  OutExpo,
  InOutExpo,
  InBack,
  OutBack,
  InOutBack,
  InElastic,
  OutElastic,
  InOutElastic,
  InBounce,
  OutBounce,
  InOutBounce,
  CubicBezier,  // CSS cubic-bezier(x1, y1, x2, y2)
};
struct Easing {
  EaseCurve curve = EaseCurve::Linear;
  double x1 = 0, y1 = 0, x2 = 1, y2 = 1;  // CubicBezier only
  bool operator==(const Easing&) const = default;
};

// A property that follows a live data value (see property_binding.h for the
// JSON forms). `binding` maps the data value onto the identity (the number),
// a fraction of the way from values[0] to values[1] (linear), or an index
// into values (steps); values hold property values of the bound property.
struct PropertyBinding {
  Prop property = Prop::Opacity;
  data::Binding binding;
  std::vector<PropertyValue> values;
  // "tween": when the bound value changes, the shown value travels from where
  // it is to the new one over this many seconds along `ease` (0: it jumps).
  double tween = 0;
  Easing ease{EaseCurve::OutCubic};
  nlohmann::ordered_json spec;  // canonical JSON, as saved
  bool operator==(const PropertyBinding& o) const {
    return property == o.property && spec == o.spec;
  }
};

struct Node {
  std::string id;    // stable, unique in the scene; survives renames and reordering
  std::string name;  // display name (may be empty)
  NodeKind kind = NodeKind::Solid;
  std::array<PropertyValue, kPropCount> values;  // every entry holds its declared type
  std::vector<Node> children;                    // groups only; bottom to top
  std::vector<PropertyBinding> bindings;         // in property table order, one per property
  std::string jsonPointer;                       // where it was loaded from (not saved)
  // Made by the loader for a stinger transition (its video), at the end of
  // the root nodes; not saved (the transition is).
  bool generated = false;

  double getFloat(Prop p) const { return std::get<double>(values[size_t(p)]); }
  bool getBool(Prop p) const { return std::get<bool>(values[size_t(p)]); }
  Vec2 getVec2(Prop p) const { return std::get<Vec2>(values[size_t(p)]); }
  Insets getInsets(Prop p) const { return std::get<Insets>(values[size_t(p)]); }
  Color getColor(Prop p) const { return std::get<Color>(values[size_t(p)]); }
  const std::string& getString(Prop p) const { return std::get<std::string>(values[size_t(p)]); }
  template <typename E>
  E getEnum(Prop p) const {
    return static_cast<E>(std::get<int64_t>(values[size_t(p)]));
  }
  const Stops& getStops(Prop p) const { return std::get<Stops>(values[size_t(p)]); }
};

// A node with every property at its default.
Node makeNode(NodeKind kind, std::string id);

struct Canvas {
  int width = 1920;
  int height = 1080;
  Rational fps{30, 1};
  Color background{0, 0, 0, 255};
};

// A timed action in the show: at `time` seconds, exactly one of: play the
// sound node `play`, start the clip `start` (from its beginning), or stop the
// clip `stop` (its nodes return to their own values). The other two are empty.
struct Cue {
  double time = 0;
  std::string play;         // id of a sound node
  std::string start;        // id of a clip
  std::string stop;         // id of a clip
  std::string jsonPointer;  // where it was loaded from (not saved)
  bool operator==(const Cue& o) const {
    return time == o.time && play == o.play && start == o.start && stop == o.stop;
  }
};

// A property value at a time of its clip; `ease` shapes the way to the next key.
struct Keyframe {
  double time = 0;  // seconds from the clip's start, in [0, duration]
  PropertyValue value;
  Easing ease;
  bool operator==(const Keyframe&) const = default;
};

// Animates one property of one node; keys in strictly ascending time.
struct Track {
  std::string node;  // node id
  Prop property = Prop::Opacity;
  std::vector<Keyframe> keys;
  bool operator==(const Track&) const = default;
};

// A named group of tracks that cues start and stop together. Clip ids are
// their own namespace (a clip may share an id with a node), unique among clips.
struct Clip {
  std::string id;
  double duration = 1;    // seconds, > 0
  bool loop = false;      // wrap at duration instead of holding the last values
  bool autoplay = false;  // playing from show time 0 without a cue
  // A sound node played on the frame the clip starts (by a cue, a rule or
  // autoplay); empty for none.
  std::string sound;
  std::vector<Track> tracks;
  std::string jsonPointer;  // where it was loaded from (not saved)
  // Made by the loader from a transition or an effect of the same id (not
  // saved: the transition or effect is).
  bool generated = false;
  bool operator==(const Clip& o) const {
    return id == o.id && duration == o.duration && loop == o.loop && autoplay == o.autoplay &&
           sound == o.sound && tracks == o.tracks;
  }
};

struct Scene {
  std::string name;
  Canvas canvas;
  std::vector<Node> nodes;  // root layers, bottom to top
  std::vector<Clip> clips;  // in file order
  std::vector<Cue> cues;    // in file order
  // Live data: the initial values ("data": {...}) and the rules that act on
  // them ("rules": [...]), kept as JSON text; engine/data interprets them
  // (the loader has checked them). Empty when the file has none.
  std::string dataJson;
  std::string rulesJson;
  std::string transitionsJson;  // "transitions" as loaded (each also made into a clip)
  std::string effectsJson;      // "effects" as loaded (each also made into a clip)
  // The wall-clock time of day at show time 0, in seconds since local
  // midnight, for countdowns to a time of day. Not saved: offline renders
  // keep 0 (so they stay deterministic), live mode sets the real time.
  double clockAtStart = 0;
  std::filesystem::path file;     // the file it was loaded from (empty if built in code)
  std::filesystem::path baseDir;  // relative asset paths resolve against this

  // Where each JSON value was in the file: JSON pointer -> (line, column), 1-based.
  // Lets later stages (asset decoding, font lookup) report errors in the same
  // FILE:LINE:COL: POINTER form as the loader.
  std::map<std::string, std::pair<int, int>> positions;

  // Every node, depth first (parents before children), for lookups by id or kind.
  std::vector<const Node*> allNodes() const;
  const Node* findNode(const std::string& id) const;
  const Clip* findClip(const std::string& id) const;

  // Absolute path of a Path property value.
  std::filesystem::path resolve(const std::string& relative) const;
};

// One problem found in a scene file. what() of SceneError prints them all as
//   FILE:LINE:COL: POINTER: MESSAGE
struct SceneIssue {
  std::string file;
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based
  std::string pointer;  // JSON pointer (RFC 6901) of the offending value; "" for the root
  std::string message;  // what was expected (and what was found)
};

class SceneError : public std::exception {
 public:
  explicit SceneError(std::vector<SceneIssue> issues);
  const char* what() const noexcept override { return text_.c_str(); }
  const std::vector<SceneIssue>& issues() const { return issues_; }

 private:
  std::vector<SceneIssue> issues_;
  std::string text_;
};

// Loads and fully validates a scene (syntax, types, ranges, unknown keys and
// kinds, duplicate ids, asset files that are missing or not decodable images /
// fonts). Throws SceneError listing every issue found (up to a limit).
// An issue at `pointer` of `scene`, with the line and column looked up in
// scene.positions (the nearest enclosing value that has one).
SceneIssue issueAt(const Scene& scene, const std::string& pointer, std::string message);

Scene loadScene(const std::filesystem::path& file);
Scene parseScene(const std::string& text, const std::filesystem::path& fileForMessages);

// Canonical JSON text: fixed key order, properties in table order, defaults
// omitted, 2-space indent, trailing newline. save(load(save(s))) == save(s).
std::string saveScene(const Scene& scene);

}  // namespace mq::scene
