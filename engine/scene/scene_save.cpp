// Canonical scene text: fixed key order, properties in table order, defaults
// omitted, so saved files diff cleanly and save(load(save(s))) == save(s).
#include <numeric>

#include "scene/animation.h"
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
  if (!node.bindings.empty()) {
    ojson bindings = ojson::object();
    for (const PropertyBinding& b : node.bindings) bindings[property(b.property).name] = b.spec;
    out["bindings"] = std::move(bindings);
  }
  if (node.kind == NodeKind::Group && !node.children.empty()) {
    ojson children = ojson::array();
    for (const Node& child : node.children) children.push_back(nodeToJson(child));
    out["children"] = std::move(children);
  }
  return out;
}

ojson clipToJson(const Clip& clip) {
  ojson out = ojson::object();
  out["id"] = clip.id;
  out["duration"] = numberToJson(clip.duration);
  if (clip.loop) out["loop"] = true;
  if (clip.autoplay) out["autoplay"] = true;
  if (!clip.sound.empty()) out["sound"] = clip.sound;
  ojson tracks = ojson::array();
  for (const Track& track : clip.tracks) {
    const PropertyDesc& desc = property(track.property);
    ojson keys = ojson::array();
    for (const Keyframe& key : track.keys) {
      ojson k = ojson::object();
      k["time"] = numberToJson(key.time);
      k["value"] = propertyToJson(desc, key.value);
      if (!(key.ease == Easing{})) k["ease"] = easingName(key.ease);
      keys.push_back(std::move(k));
    }
    ojson t = ojson::object();
    t["node"] = track.node;
    t["property"] = desc.name;
    t["keys"] = std::move(keys);
    tracks.push_back(std::move(t));
  }
  out["tracks"] = std::move(tracks);
  return out;
}

ojson cueToJson(const Cue& cue) {
  ojson out = ojson::object();
  out["time"] = cue.time;
  if (!cue.play.empty())
    out["play"] = cue.play;
  else if (!cue.start.empty())
    out["start"] = cue.start;
  else
    out["stop"] = cue.stop;
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
  for (const Node& node : scene.nodes)
    if (!node.generated) nodes.push_back(nodeToJson(node));
  root["nodes"] = std::move(nodes);
  ojson clips = ojson::array();
  for (const Clip& clip : scene.clips)
    if (!clip.generated) clips.push_back(clipToJson(clip));
  if (!clips.empty()) root["clips"] = std::move(clips);
  if (!scene.transitionsJson.empty()) root["transitions"] = ojson::parse(scene.transitionsJson);
  if (!scene.effectsJson.empty()) root["effects"] = ojson::parse(scene.effectsJson);
  if (!scene.cues.empty()) {
    ojson cues = ojson::array();
    for (const Cue& cue : scene.cues) cues.push_back(cueToJson(cue));
    root["cues"] = std::move(cues);
  }
  if (!scene.dataJson.empty()) root["data"] = ojson::parse(scene.dataJson);
  if (!scene.rulesJson.empty()) root["rules"] = ojson::parse(scene.rulesJson);
  // replace: a string set in code with invalid UTF-8 must not make saving throw.
  return root.dump(2, ' ', false, ojson::error_handler_t::replace) + "\n";
}

}  // namespace mq::scene
