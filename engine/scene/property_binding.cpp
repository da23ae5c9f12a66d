#include "scene/property_binding.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.h"
#include "scene/animation.h"

namespace mq::scene {

namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// data::Binding reports "POINTER: message"; split it so the loader can place
// the message at the pointer's line and column.
ValueProblem fromUserError(const UserError& e, const std::string& fallbackPointer) {
  std::string text = e.what();
  if (text.rfind(fallbackPointer, 0) == 0) {
    size_t colon = text.find(": ", fallbackPointer.size());
    if (colon != std::string::npos) return {text.substr(0, colon), text.substr(colon + 2)};
  }
  return {fallbackPointer, text};
}

std::string typeName(PropType t) {
  switch (t) {
    case PropType::Float:
      return "a number";
    case PropType::Bool:
      return "true/false";
    case PropType::Vec2:
      return "an [x, y] pair";
    case PropType::Insets:
      return "insets";
    case PropType::Color:
      return "a colour";
    case PropType::String:
      return "text";
    case PropType::Path:
      return "a file";
    case PropType::Enum:
      return "a choice";
    case PropType::Stops:
      return "gradient stops";
  }
  return "a value";
}

}  // namespace

std::optional<PropertyBinding> parsePropertyBinding(const PropertyDesc& desc, const json& j,
                                                    const std::string& pointer,
                                                    std::vector<ValueProblem>& problems) {
  if (desc.type == PropType::Path) {
    // Files are checked and decoded when the scene loads, not mid-show.
    problems.push_back({pointer, "property " + jsonQuoted(desc.name) +
                                     " names a file, which cannot follow live data"});
    return std::nullopt;
  }
  // The keys, source and mapping shape are data::Binding's; its mapping then
  // runs on a fraction (linear) or a step index, and the property's own
  // values are checked here against the property table.
  // "to" holds property values here ([x, y], colours, ...), checked below
  // against the property; data::Binding checks the rest with numbers in it.
  json shape = j;
  if (shape.is_object() && shape.contains("to")) shape["to"] = json::array({0, 1});
  data::Binding checked;
  try {
    // The tween is the property's business, not the data mapping's: read below.
    checked = data::Binding::parse(shape, pointer, {"tween", "ease"});
  } catch (const UserError& e) {
    problems.push_back(fromUserError(e, pointer));
    return std::nullopt;
  }
  PropertyBinding out;
  out.property = desc.id;
  ojson spec = ojson::object();
  spec["source"] = checked.source();
  json numeric = json::object();
  numeric["source"] = checked.source();
  size_t before = problems.size();
  auto value = [&](const json& v, const std::string& where) {
    std::optional<PropertyValue> pv = propertyFromJson(desc, v, where, problems);
    if (pv) out.values.push_back(*pv);
    return pv;
  };
  const data::Mapping& m = checked.mapping();
  if (m.isIdentity()) {
    // A point ([x, y]) comes from a list of two numbers, as a tracker sends it.
    if (desc.type != PropType::Float && desc.type != PropType::Bool &&
        desc.type != PropType::Vec2) {
      problems.push_back({pointer, "property " + jsonQuoted(desc.name) + " takes " +
                                       typeName(desc.type) +
                                       ", not a number: map the data value with \"from\"/\"to\" "
                                       "or \"steps\""});
    }
  } else if (m.isLinear()) {
    if (!interpolates(desc.type)) {
      problems.push_back({pointer + "/to", "property " + jsonQuoted(desc.name) + " takes " +
                                               typeName(desc.type) +
                                               ", which does not blend: use \"steps\""});
    } else if (!j["to"].is_array() || j["to"].size() != 2) {
      problems.push_back({pointer + "/to", "expected [from-value, to-value] of property " +
                                               jsonQuoted(desc.name) + ", found " +
                                               describeJson(j["to"])});
    } else {
      auto a = value(j["to"][0], pointer + "/to/0");
      auto b = value(j["to"][1], pointer + "/to/1");
      if (a && b) {
        spec["from"] = j["from"];
        spec["to"] = ojson::array({propertyToJson(desc, *a), propertyToJson(desc, *b)});
        bool clamp = !j.contains("clamp") || j["clamp"].get<bool>();
        if (!clamp) spec["clamp"] = false;
        numeric["from"] = j["from"];
        numeric["to"] = json::array({0, 1});
        numeric["clamp"] = clamp;
      }
    }
  } else {
    ojson steps = ojson::array();
    json indices = json::array();
    const json& s = j["steps"];
    for (size_t i = 0; i < s.size(); ++i) {
      if (auto v = value(s[i][1], pointer + "/steps/" + std::to_string(i) + "/1")) {
        steps.push_back(ojson::array({s[i][0], propertyToJson(desc, *v)}));
        indices.push_back(json::array({s[i][0], out.values.size() - 1}));
      }
    }
    spec["steps"] = std::move(steps);
    numeric["steps"] = std::move(indices);
  }
  if (j.contains("tween")) {
    const json& t = j["tween"];
    if (!t.is_number() || !(t.get<double>() >= 0 && t.get<double>() <= kMaxTweenSeconds)) {
      problems.push_back({pointer + "/tween", "expected seconds from 0 to " +
                                                  formatNumber(kMaxTweenSeconds) + ", found " +
                                                  describeJson(t)});
    } else if (!interpolates(desc.type)) {
      problems.push_back({pointer + "/tween", "property " + jsonQuoted(desc.name) + " takes " +
                                                  typeName(desc.type) +
                                                  ", which does not blend, so it cannot tween"});
    } else {
      out.tween = t.get<double>();
    }
  }
  if (j.contains("ease")) {
    const json& e = j["ease"];
    std::string error;
    std::optional<Easing> easing =
        e.is_string() ? parseEasing(e.get<std::string>(), error) : std::nullopt;
    if (!j.contains("tween")) {
      problems.push_back({pointer + "/ease", "\"ease\" shapes a tween: add \"tween\": SECONDS"});
    } else if (!easing) {
      problems.push_back({pointer + "/ease", e.is_string() ? error
                                                           : "expected an easing name like "
                                                             "\"out-cubic\", found " +
                                                                 describeJson(e)});
    } else {
      out.ease = *easing;
    }
  }
  if (problems.size() != before) return std::nullopt;
  if (out.tween > 0) {
    spec["tween"] = out.tween;
    if (!(out.ease == PropertyBinding{}.ease)) spec["ease"] = easingName(out.ease);
  }
  // Cannot fail: built from what data::Binding::parse accepted.
  out.binding = data::Binding::parse(numeric, pointer);
  out.spec = std::move(spec);
  return out;
}

std::optional<PropertyValue> evaluateBinding(const PropertyBinding& b,
                                             const data::DataStore& store) {
  const PropertyDesc& desc = property(b.property);
  if (desc.type == PropType::Vec2 && b.binding.mapping().isIdentity()) {
    std::optional<data::Value> v = store.get(b.binding.source());
    if (!v || !v->isList() || v->list().size() != 2 || !v->list()[0].isNumber() ||
        !v->list()[1].isNumber())
      return std::nullopt;
    double x = v->list()[0].number(), y = v->list()[1].number();
    if (!std::isfinite(x) || !std::isfinite(y)) return std::nullopt;
    return Vec2{std::clamp(x, desc.min, desc.max), std::clamp(y, desc.min, desc.max)};
  }
  std::optional<json> result = b.binding.evaluate(store);
  if (!result || !result->is_number()) return std::nullopt;
  double x = result->get<double>();
  const data::Mapping& m = b.binding.mapping();
  if (m.isLinear()) return interpolate(desc, b.values[0], b.values[1], x);
  if (m.isSteps()) {
    size_t index = size_t(std::clamp(x, 0.0, double(b.values.size() - 1)));
    return b.values[index];
  }
  if (desc.type == PropType::Bool) return x != 0;
  return std::clamp(x, desc.min, desc.max);
}

void applyOverrides(const PropertyOverrides& overrides, Scene& scene) {
  if (overrides.empty()) return;
  std::map<std::string_view, Node*> byId;
  auto walk = [&](auto& self, std::vector<Node>& nodes) -> void {
    for (Node& n : nodes) {
      byId[n.id] = &n;
      self(self, n.children);
    }
  };
  walk(walk, scene.nodes);
  for (const PropertyOverride& o : overrides) {
    auto it = byId.find(o.node);
    if (it != byId.end() && appliesTo(o.property, it->second->kind))
      it->second->values[size_t(o.property)] = o.value;
  }
}

}  // namespace mq::scene
