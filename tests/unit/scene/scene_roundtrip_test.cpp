// The property table and canonical saving. The all-properties scene is built
// from the table, so a property added to properties.def is covered here
// without touching this file.
#include <catch2/catch.hpp>
#include <set>

#include "scene/property_json.h"
#include "scene_test_util.h"

using namespace mq::scene;
using namespace mq::scene::test;

namespace {

bool holdsDeclaredType(const PropertyDesc& d, const PropertyValue& v) {
  switch (d.type) {
    case PropType::Float:
      return std::holds_alternative<double>(v);
    case PropType::Bool:
      return std::holds_alternative<bool>(v);
    case PropType::Vec2:
      return std::holds_alternative<Vec2>(v);
    case PropType::Insets:
      return std::holds_alternative<Insets>(v);
    case PropType::Color:
      return std::holds_alternative<Color>(v);
    case PropType::String:
    case PropType::Path:
      return std::holds_alternative<std::string>(v);
    case PropType::Enum:
      return std::holds_alternative<int64_t>(v);
    case PropType::Stops:
      return std::holds_alternative<Stops>(v);
  }
  return false;
}

// A value in [min, max] other than `avoid`; fractions give values that need
// the shortest-round-trip float formatting (e.g. 30.00007).
double pick(const PropertyDesc& d, double fraction, double avoid) {
  double v = d.min + (d.max - d.min) * fraction;
  return v == avoid ? d.min + (d.max - d.min) * (fraction + 0.11) : v;
}

PropertyValue nonDefault(const PropertyDesc& d, const std::string& imagePath) {
  const PropertyValue& def = d.defaultValue;
  switch (d.type) {
    case PropType::Float:
      return pick(d, 0.3, std::get<double>(def));
    case PropType::Bool:
      return !std::get<bool>(def);
    case PropType::Vec2: {
      Vec2 v = std::get<Vec2>(def);
      return Vec2{pick(d, 0.3, v.x), pick(d, 0.71, v.y)};
    }
    case PropType::Insets: {
      Insets v = std::get<Insets>(def);
      return Insets{pick(d, 0.1, v.left), pick(d, 0.2, v.top), pick(d, 0.05, v.right),
                    pick(d, 0.4, v.bottom)};
    }
    case PropType::Color: {
      Color c{0x12, 0xab, 0x3c, uint8_t(size_t(d.id) % 2 ? 0x80 : 0xff)};  // both spellings
      return c == std::get<Color>(def) ? Color{1, 2, 3, 4} : c;
    }
    case PropType::String:
      // Strings with a meaning the loader checks: a time of day, a node id.
      if (d.id == Prop::Until) return std::string("20:30:05");
      if (d.id == Prop::Camera) return std::string("camera");
      if (d.id == Prop::EmitClip) return std::string("every");  // an emitter's clip
      return std::string("Sale \"now\" \xE2\x80\x94 20%\n\\ \xF0\x9F\x98\x80");
    case PropType::Path:
      return imagePath;
    case PropType::Enum:
      return int64_t((std::get<int64_t>(def) + 1) % int64_t(d.choices.size()));
    case PropType::Stops:
      return Stops{{0, Color{0x11, 0x22, 0x33, 255}},
                   {0.25, Color{0x44, 0x55, 0x66, 0xcc}},
                   {0.25, Color{0, 0, 0, 0}},
                   {1, Color{0x77, 0x88, 0x99, 255}}};
  }
  return def;
}

Node fullNode(NodeKind kind, const std::string& id) {
  Node node = makeNode(kind, id);
  node.name = "Node " + id + " \xC3\xA9";
  for (const PropertyDesc& d : properties())
    if (appliesTo(d.id, kind)) node.values[size_t(d.id)] = nonDefault(d, "img/logo.png");
  return node;
}

void checkSameValues(const Node& a, const Node& b) {
  INFO("node " << a.id);
  CHECK(a.id == b.id);
  CHECK(a.name == b.name);
  CHECK(a.kind == b.kind);
  for (const PropertyDesc& d : properties()) {
    INFO("property " << d.name);
    CHECK(a.values[size_t(d.id)] == b.values[size_t(d.id)]);
  }
  REQUIRE(a.children.size() == b.children.size());
  for (size_t i = 0; i < a.children.size(); ++i) checkSameValues(a.children[i], b.children[i]);
}

}  // namespace

TEST_CASE("properties: the table is consistent", "[scene][properties]") {
  std::set<std::string> names = {"id", "name", "kind", "children"};
  for (size_t i = 0; i < kPropCount; ++i) {
    const PropertyDesc& d = properties()[i];
    INFO(d.name);
    CHECK(size_t(d.id) == i);
    CHECK(&property(d.id) == &d);
    CHECK(findProperty(d.name) == &d);
    CHECK(names.insert(d.name).second);  // unique, and no clash with node keys
    CHECK(holdsDeclaredType(d, d.defaultValue));
    CHECK(d.kinds != 0);
    CHECK((d.kinds & ~kAll) == 0);
    CHECK(d.min <= d.max);
    CHECK(d.description[0] != '\0');
    std::vector<ValueProblem> problems;  // every default must itself be loadable
    if (d.type != PropType::Path) {
      auto back = propertyFromJson(d, propertyToJson(d, d.defaultValue), "/p", problems);
      CHECK(problems.empty());
      CHECK(back == std::optional<PropertyValue>(d.defaultValue));
    }
    if (d.type == PropType::Enum) {
      CHECK(d.choices.size() >= 2);
      CHECK(size_t(std::get<int64_t>(d.defaultValue)) < d.choices.size());
    } else {
      CHECK(d.choices.empty());
    }
  }
  CHECK(findProperty("nope") == nullptr);
  const auto& blend = property(Prop::Blend).choices;
  CHECK(std::vector<std::string>(blend.begin(), blend.end()) ==
        std::vector<std::string>{"normal", "add", "multiply", "screen"});
  CHECK(appliesTo(Prop::Opacity, NodeKind::Group));
  CHECK(appliesTo(Prop::Fill, NodeKind::Text));
  CHECK_FALSE(appliesTo(Prop::Fill, NodeKind::Image));
  CHECK_FALSE(appliesTo(Prop::FontSize, NodeKind::Solid));
  for (int k = 0; k < kNodeKindCount; ++k)
    CHECK(nodeKindFromName(nodeKindName(NodeKind(k))) == NodeKind(k));
  CHECK_FALSE(nodeKindFromName("Solid"));

  Node n = makeNode(NodeKind::Text, "t");
  CHECK(n.id == "t");
  CHECK(n.getFloat(Prop::FontSize) == 48.0);
  CHECK(n.getString(Prop::Font) == "DejaVu Sans");
  CHECK(n.getEnum<Align>(Prop::Align) == Align::Left);
}

TEST_CASE("colours parse in either case and format canonically", "[scene]") {
  CHECK(parseColor("#A0b1C2") == Color{0xa0, 0xb1, 0xc2, 255});
  CHECK(parseColor("#a0b1c2d3") == Color{0xa0, 0xb1, 0xc2, 0xd3});
  for (const char* bad :
       {"", "#", "a0b1c2", "#a0b1c", "#a0b1c2d", "#a0b1c2d3e4", "#g0b1c2", " #a0b1c2"})
    CHECK_FALSE(parseColor(bad));
  CHECK(formatColor({0xA0, 0xB1, 0xC2, 255}) == "#a0b1c2");
  CHECK(formatColor({0, 1, 2, 0}) == "#00010200");
}

TEST_CASE("save: every property at a non-default value round-trips byte for byte",
          "[scene][save]") {
  TempDir dir;
  fs::create_directories(dir / "img");
  writePng(dir / "img/logo.png");

  Scene scene;
  scene.name = "Every property \xF0\x9F\x8E\x89";
  scene.canvas = Canvas{1280, 720, mq::Rational{30000, 1001}, Color{10, 11, 12, 0x80}};
  Node group = fullNode(NodeKind::Group, "group");
  for (int k = 0; k < kNodeKindCount; ++k) {
    if (NodeKind(k) == NodeKind::Group) continue;
    scene.nodes.push_back(fullNode(NodeKind(k), std::string("top.") + nodeKindName(NodeKind(k))));
    group.children.push_back(
        fullNode(NodeKind(k), std::string("child-") + nodeKindName(NodeKind(k))));
  }
  group.children.push_back(fullNode(NodeKind::Group, "empty_group"));
  scene.nodes.push_back(group);
  scene.nodes.push_back(fullNode(NodeKind::Solid, "camera"));         // what the L-bars squeeze
  scene.clips.push_back(Clip{"every", 1, false, false, "", {}, ""});  // what the emitters follow

  const std::string saved = saveScene(scene);
  writeFile(dir / "show.json", saved);
  Scene loaded = loadScene(dir / "show.json");
  const std::string again = saveScene(loaded);
  CHECK(again == saved);
  writeFile(dir / "show2.json", again);
  CHECK(saveScene(loadScene(dir / "show2.json")) == saved);

  CHECK(loaded.name == scene.name);
  CHECK(loaded.canvas.width == 1280);
  CHECK(loaded.canvas.fps == mq::Rational{30000, 1001});
  CHECK(loaded.canvas.background == scene.canvas.background);
  REQUIRE(loaded.nodes.size() == scene.nodes.size());
  for (size_t i = 0; i < scene.nodes.size(); ++i) checkSameValues(scene.nodes[i], loaded.nodes[i]);

  // Every applicable property was written (none silently dropped as "default").
  nlohmann::json doc = nlohmann::json::parse(saved);
  for (const nlohmann::json& node : doc["nodes"]) {
    NodeKind kind = *nodeKindFromName(node["kind"].get<std::string>());
    for (const PropertyDesc& d : properties()) {
      INFO(node["id"] << " " << d.name);
      CHECK(node.contains(d.name) == appliesTo(d.id, kind));
    }
  }
  CHECK(saved.find("\"fps\": \"30000/1001\"") != std::string::npos);
  CHECK(saved.find("\"background\": \"#0a0b0c80\"") != std::string::npos);
  CHECK(saved.back() == '\n');
}

TEST_CASE("save: canonical key order, defaults omitted, tidy numbers", "[scene][save]") {
  Scene scene;
  scene.canvas.fps = {60, 2};  // saved reduced
  Node text = makeNode(NodeKind::Text, "title");
  text.values[size_t(Prop::Text)] = std::string("Hi");
  text.values[size_t(Prop::Position)] = Vec2{100, 0.1};
  text.values[size_t(Prop::Opacity)] = 0.5;
  text.values[size_t(Prop::Fill)] = Color{0xAB, 0xCD, 0xEF, 255};
  text.values[size_t(Prop::GradientRadius)] = 3.0;  // does not apply to text: not saved
  Node group = makeNode(NodeKind::Group, "g");
  group.name = "Group";
  group.children.push_back(text);
  scene.nodes.push_back(group);
  scene.nodes.push_back(makeNode(NodeKind::Solid, "plain"));
  CHECK(saveScene(scene) == R"({
  "format": "marquee.scene/1",
  "canvas": {
    "width": 1920,
    "height": 1080,
    "fps": 30,
    "background": "#000000"
  },
  "nodes": [
    {
      "id": "g",
      "name": "Group",
      "kind": "group",
      "children": [
        {
          "id": "title",
          "kind": "text",
          "position": [
            100,
            0.1
          ],
          "opacity": 0.5,
          "color": "#abcdef",
          "text": "Hi"
        }
      ]
    },
    {
      "id": "plain",
      "kind": "solid"
    }
  ]
}
)");
}

TEST_CASE("save: the valid fixture is stable after one save", "[scene][save]") {
  Scene first = loadScene(kSceneData / "valid_all_kinds.json");
  std::string saved = saveScene(first);
  Scene second = parseScene(saved, kSceneData / "valid_all_kinds.json");
  CHECK(saveScene(second) == saved);
  for (size_t i = 0; i < first.nodes.size(); ++i) checkSameValues(first.nodes[i], second.nodes[i]);
}

TEST_CASE("save: required properties are written even at their default", "[scene][save]") {
  Scene scene;
  scene.nodes.push_back(makeNode(NodeKind::Text, "caption"));  // text "" is the default
  std::string saved = saveScene(scene);
  CHECK(saved.find("\"text\": \"\"") != std::string::npos);
  CHECK(saveScene(parseScene(saved, "x.json")) == saved);
  CHECK(isRequired(Prop::Source, NodeKind::Image));
  CHECK(isRequired(Prop::Text, NodeKind::Text));
  CHECK_FALSE(isRequired(Prop::Opacity, NodeKind::Text));
}

TEST_CASE("save: clips and cues round-trip byte for byte", "[scene][save][animation]") {
  TempDir dir;
  fs::create_directories(dir / "img");
  writePng(dir / "img/logo.png");

  Scene scene;
  Clip every{"every", 2.5, true, false, "", {}, ""};
  // A track for every property of every kind, through the table: a property
  // added to properties.def is animated here without touching this file.
  const Easing easings[] = {Easing{EaseCurve::OutBack}, Easing{},
                            Easing{EaseCurve::CubicBezier, 0.1, -0.30000000000000004, 0.7, 1.5},
                            Easing{EaseCurve::Step}};
  size_t n = 0;
  for (int k = 0; k < kNodeKindCount; ++k) {
    Node node = fullNode(NodeKind(k), std::string("n-") + nodeKindName(NodeKind(k)));
    for (const PropertyDesc& d : properties()) {
      if (!appliesTo(d.id, node.kind)) continue;
      Track track{node.id, d.id, {}};
      track.keys.push_back({0, d.defaultValue, easings[n++ % 4]});
      if (d.type == PropType::Path) track.keys.front().value = std::string("img/logo.png");
      track.keys.push_back({1.0 / 3, nonDefault(d, "img/logo.png"), easings[n++ % 4]});
      track.keys.push_back({2.5, node.values[size_t(d.id)], Easing{}});
      every.tracks.push_back(std::move(track));
    }
    scene.nodes.push_back(std::move(node));
    if (k == 0) scene.nodes.push_back(fullNode(NodeKind::Solid, "camera"));  // for the L-bar
  }
  scene.clips.push_back(every);
  scene.clips.push_back(Clip{"n-solid", 1, false, true, "", {}, ""});  // may share a node's id
  scene.cues = {Cue{0.5, "n-sound", "", "", ""}, Cue{1, "", "every", "", ""},
                Cue{1.25, "", "", "every", ""}, Cue{2, "", "n-solid", "", ""}};

  const std::string saved = saveScene(scene);
  writeFile(dir / "show.json", saved);
  Scene loaded = loadScene(dir / "show.json");
  CHECK(saveScene(loaded) == saved);
  CHECK(loaded.clips == scene.clips);
  CHECK(loaded.cues == scene.cues);

  // Canonical: clips after nodes and before cues; linear eases and false flags omitted.
  CHECK(saved.find("\"nodes\"") < saved.find("\"clips\""));
  CHECK(saved.find("\"clips\"") < saved.find("\"cues\""));
  nlohmann::json doc = nlohmann::json::parse(saved);
  const nlohmann::json& clip = doc["clips"][0];
  CHECK(clip["loop"] == true);
  CHECK_FALSE(clip.contains("autoplay"));
  CHECK(doc["clips"][1]["autoplay"] == true);
  CHECK_FALSE(doc["clips"][1].contains("loop"));
  CHECK(clip["tracks"][0]["keys"][0]["ease"] == "out-back");
  CHECK_FALSE(clip["tracks"][0]["keys"][2].contains("ease"));
  CHECK(clip["tracks"][1]["keys"][0]["ease"] == "cubic-bezier(0.1,-0.30000000000000004,0.7,1.5)");
  CHECK(doc["cues"][1] == nlohmann::json({{"time", 1.0}, {"start", "every"}}));
  CHECK(doc["cues"][2] == nlohmann::json({{"time", 1.25}, {"stop", "every"}}));
  CHECK(doc["cues"][0].size() == 2);
}
