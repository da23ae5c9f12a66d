// Canonical scene text: fixed key order, properties in table order, defaults
// omitted, so saved files diff cleanly and save(load(save(s))) == save(s).
#include <numeric>

#include "scene/property_json.h"
#include "scene/scene.h"

namespace mq::scene {

namespace {

using ojson = nlohmann::ordered_json;

ojson nodeToJson(const Node& node) {
  ojson out = ojson::object();
  out["id"] = node.id;
  if (!node.name.empty()) out["name"] = node.name;
  out["kind"] = nodeKindName(node.kind);
  for (const PropertyDesc& d : properties()) {
    // Properties that do not apply to the kind would not load back; skip them.
    const PropertyValue& value = node.values[size_t(d.id)];
    if (appliesTo(d.id, node.kind) && (!(value == d.defaultValue) || isRequired(d.id, node.kind)))
      out[d.name] = propertyToJson(d, value);
  }
  if (node.kind == NodeKind::Group && !node.children.empty()) {
    ojson children = ojson::array();
    for (const Node& child : node.children) children.push_back(nodeToJson(child));
    out["children"] = std::move(children);
  }
  return out;
}

}  // namespace

std::string saveScene(const Scene& scene) {
  ojson root = ojson::object();
  root["format"] = kFormat;
  if (!scene.name.empty()) root["name"] = scene.name;
  // Reduced, so 60/2 saves as 30 and loads back unchanged.
  Rational fps = scene.canvas.fps;
  if (int64_t g = std::gcd(fps.num, fps.den); g > 1) fps = {fps.num / g, fps.den / g};
  ojson canvas = ojson::object();
  canvas["width"] = scene.canvas.width;
  canvas["height"] = scene.canvas.height;
  if (fps.den == 1)
    canvas["fps"] = fps.num;
  else
    canvas["fps"] = std::to_string(fps.num) + "/" + std::to_string(fps.den);
  canvas["background"] = formatColor(scene.canvas.background);
  root["canvas"] = std::move(canvas);
  ojson nodes = ojson::array();
  for (const Node& node : scene.nodes) nodes.push_back(nodeToJson(node));
  root["nodes"] = std::move(nodes);
  if (!scene.cues.empty()) {
    ojson cues = ojson::array();
    for (const Cue& cue : scene.cues) cues.push_back({{"time", cue.time}, {"play", cue.play}});
    root["cues"] = std::move(cues);
  }
  // replace: a string set in code with invalid UTF-8 must not make saving throw.
  return root.dump(2, ' ', false, ojson::error_handler_t::replace) + "\n";
}

}  // namespace mq::scene
