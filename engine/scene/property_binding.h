// Data bindings on node properties: "bindings": {"<property>": {...}} makes
// a property follow a value of the show's data store (data/data_store.h).
//
// The forms are those of data/binding.h, with the property's own values:
//   {"source": "viewers"}                         identity: the number (float
//                                                 properties; bool: non-zero)
//   {"source": "sold", "from": [0, 500], "to": [0, 1], "clamp": true}
//       linear: a fraction of the way from to[0] to to[1], both values of the
//       property (numbers, [x, y], colours, insets), blended as animation
//       blends keyframes (colours in linear light)
//   {"source": "stock", "steps": [[0, "#ff3b30"], [10, "#ffffff"]]}
//       lookup: the value of the largest threshold <= the input; any property
//       type except files
// Identity on an [x, y] property takes a list of two numbers ({"source":
// "tracker.hand"} with "tracker.hand": [0.4, 0.6]): a follow point.
// Beside any mapping of a property that blends:
//   "tween": 0.8, "ease": "out-expo"
//       when the result changes, the shown value travels from where it is
//       to the new one over 0.8 s along the easing (default out-cubic): a
//       counter rolls up, a follow point glides instead of jittering.
// Evaluated each frame from the data store; a missing value (or a string)
// gives no result, and the property keeps its previous value.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "data/data_store.h"
#include "scene/property_json.h"
#include "scene/scene.h"

namespace mq::scene {

constexpr double kMaxTweenSeconds = 60;

// Reads the binding of property `desc` from `j` (at `pointer`); problems are
// appended with their JSON pointers and nullopt returned.
std::optional<PropertyBinding> parsePropertyBinding(const PropertyDesc& desc,
                                                    const nlohmann::json& j,
                                                    const std::string& pointer,
                                                    std::vector<ValueProblem>& problems);

// The bound value for the data in `store`, or nullopt (missing or not a number).
std::optional<PropertyValue> evaluateBinding(const PropertyBinding& binding,
                                             const data::DataStore& store);

// A value that replaces a node's property in a frame (a binding's result, a
// template's text).
struct PropertyOverride {
  std::string node;
  Prop property = Prop::Opacity;
  PropertyValue value;
  bool operator==(const PropertyOverride&) const = default;
};
using PropertyOverrides = std::vector<PropertyOverride>;

// Writes each override into the node of `scene` with that id (unknown ids are
// skipped: the overrides were made for this scene).
void applyOverrides(const PropertyOverrides& overrides, Scene& scene);

}  // namespace mq::scene
