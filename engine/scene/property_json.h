// Property values <-> JSON, spelled as in the scene file. Shared by the scene
// loader and saver (and later keyframes and the control API), so a value is
// read, checked and written the same way everywhere.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scene/scene.h"

namespace mq::scene {

struct ValueProblem {
  std::string pointer;  // JSON pointer of the offending value
  std::string message;  // "expected ..., found ..."
};

// Reads `value` as property `desc`, checking type, shape and range. Problems
// are appended (there may be several, e.g. one per bad component) and nullopt
// is returned. Path values are only checked to be non-empty strings; whether
// the file exists is for the caller, which knows the base directory.
std::optional<PropertyValue> propertyFromJson(const PropertyDesc& desc, const nlohmann::json& value,
                                              const std::string& pointer,
                                              std::vector<ValueProblem>& problems);

// The canonical JSON spelling of a value of `desc`.
nlohmann::ordered_json propertyToJson(const PropertyDesc& desc, const PropertyValue& value);

// Message and output helpers.
std::string describeJson(const nlohmann::json& value);  // 1.5, "abc", true, an object, ...
std::string jsonQuoted(std::string_view text);          // JSON-quoted, long text shortened
std::string formatNumber(double value);                 // 1, 0.5, 1e+300
nlohmann::ordered_json numberToJson(double value);      // integral values as integers
// "; did you mean \"x\"?" for the closest candidate by edit distance, or "".
std::string didYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace mq::scene
