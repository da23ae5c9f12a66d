// The property table (built from properties.def), node helpers and errors.
#include "scene/scene.h"

#include <cstdio>
#include <functional>

namespace mq::scene {

namespace {

const char* const kKindNames[kNodeKindCount] = {
    "solid",         "gradient",     "image",        "text",   "group",
    "video",         "sound",        "lower_third",  "lbar",   "countdown",
    "stock_counter", "progress_bar", "product_card", "ticker", "particles"};

// clang-format off
std::array<PropertyDesc, kPropCount> buildTable() {
  std::array<PropertyDesc, kPropCount> table = {{
#define MQ_PROPERTY(id, name, type, def, min, max, unit, kinds, description) \
  PropertyDesc{Prop::id, name, PropType::type, PropertyValue def, min, max, unit, kinds, description, {}},
#include "scene/properties.def"
#undef MQ_PROPERTY
  }};
#define MQ_ENUM(id, ...) table[size_t(Prop::id)].choices = __VA_ARGS__;
#define MQ_PROPERTY(...)
#include "scene/properties.def"
#undef MQ_PROPERTY
#undef MQ_ENUM
  return table;
}
// clang-format on

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::array<PropertyDesc, kPropCount>& properties() {
  static const std::array<PropertyDesc, kPropCount> table = buildTable();
  return table;
}

const PropertyDesc& property(Prop id) {
  return properties()[size_t(id)];
}

bool appliesTo(Prop id, NodeKind kind) {
  return property(id).kinds & (1u << unsigned(kind));
}

bool isRequired(Prop id, NodeKind kind) {
  return (id == Prop::Source && kind == NodeKind::Image) ||
         (id == Prop::Text && kind == NodeKind::Text) ||
         (id == Prop::Url && kind == NodeKind::Video) ||
         (id == Prop::File && kind == NodeKind::Sound);
}

bool isWidget(NodeKind kind) {
  return (1u << unsigned(kind)) & kWidgets;
}

const char* nodeKindName(NodeKind kind) {
  return unsigned(kind) < kNodeKindCount ? kKindNames[unsigned(kind)] : "unknown";
}

std::optional<NodeKind> nodeKindFromName(std::string_view name) {
  for (int k = 0; k < kNodeKindCount; ++k)
    if (name == kKindNames[k]) return NodeKind(k);
  return std::nullopt;
}

const PropertyDesc* findProperty(std::string_view jsonName) {
  for (const PropertyDesc& d : properties())
    if (jsonName == d.name) return &d;
  return nullptr;
}

std::optional<Color> parseColor(std::string_view text) {
  if ((text.size() != 7 && text.size() != 9) || text[0] != '#') return std::nullopt;
  uint8_t channels[4] = {0, 0, 0, 255};
  for (size_t i = 1, c = 0; i < text.size(); i += 2, ++c) {
    int hi = hexDigit(text[i]), lo = hexDigit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    channels[c] = uint8_t(hi * 16 + lo);
  }
  return Color{channels[0], channels[1], channels[2], channels[3]};
}

std::string formatColor(Color c) {
  char buf[16];
  if (c.a == 255)
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c.r, c.g, c.b);
  else
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x%02x", c.r, c.g, c.b, c.a);
  return buf;
}

Node makeNode(NodeKind kind, std::string id) {
  Node node;
  node.id = std::move(id);
  node.kind = kind;
  for (const PropertyDesc& d : properties()) node.values[size_t(d.id)] = d.defaultValue;
  return node;
}

std::vector<const Node*> Scene::allNodes() const {
  std::vector<const Node*> out;
  std::function<void(const std::vector<Node>&)> walk = [&](const std::vector<Node>& list) {
    for (const Node& n : list) {
      out.push_back(&n);
      walk(n.children);
    }
  };
  walk(nodes);
  return out;
}

const Node* Scene::findNode(const std::string& id) const {
  for (const Node* n : allNodes())
    if (n->id == id) return n;
  return nullptr;
}

const Clip* Scene::findClip(const std::string& id) const {
  for (const Clip& c : clips)
    if (c.id == id) return &c;
  return nullptr;
}

std::filesystem::path Scene::resolve(const std::string& relative) const {
  std::filesystem::path p(relative);
  return (p.is_absolute() ? p : baseDir / p).lexically_normal();
}

SceneIssue issueAt(const Scene& scene, const std::string& pointer, std::string message) {
  SceneIssue issue;
  issue.file = scene.file.empty() ? "<scene>" : scene.file.string();
  issue.pointer = pointer;
  issue.message = std::move(message);
  // Walk up to the nearest enclosing value that was in the file (a missing key
  // is reported at the object that should have held it).
  std::string p = pointer;
  for (;;) {
    auto it = scene.positions.find(p);
    if (it != scene.positions.end()) {
      issue.line = it->second.first;
      issue.column = it->second.second;
      break;
    }
    if (p.empty()) break;
    size_t slash = p.rfind('/');
    p.resize(slash == std::string::npos ? 0 : slash);
  }
  return issue;
}

SceneError::SceneError(std::vector<SceneIssue> issues) : issues_(std::move(issues)) {
  for (const SceneIssue& i : issues_) {
    if (!text_.empty()) text_ += '\n';
    text_ += i.file;
    if (i.line > 0) text_ += ':' + std::to_string(i.line) + ':' + std::to_string(i.column);
    text_ += ": " + (i.pointer.empty() ? std::string("(root)") : i.pointer) + ": " + i.message;
  }
}

}  // namespace mq::scene
