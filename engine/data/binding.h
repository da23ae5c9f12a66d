// Bindings: a data value mapped to a property value.
//
// JSON forms (`source` names the data value; the mapping keys sit beside it):
//   {"source": "viewers"}                                 identity (the number)
//   {"source": "viewers", "from": [0, 100000], "to": [0, 1], "clamp": true}
//       linear: from[0] -> to[0], from[1] -> to[1]; "clamp" (default true)
//       keeps the result within "to" (a progress bar must not overshoot).
//       from[0] may be greater than from[1] (an inverted range); they must
//       differ.
//   {"source": "stock.blue_xl", "steps": [[0, "#ff0000"], [10, "#ffaa00"], [50, "#00ff00"]]}
//       lookup: the value of the largest threshold <= input; an input below
//       the first threshold gets the first value. Thresholds are numbers in
//       strictly increasing order; values are any JSON (the caller converts
//       them to the property's type).
// The input is the value's numeric view (a list counts its entries); a missing
// value or a string gives no result, and the caller keeps the property as it was.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data/data_store.h"

namespace mq::data {

class Mapping {
 public:
  // Parses the mapping keys of `j` ("from", "to", "clamp" or "steps"; none =
  // identity). Other keys are ignored here: Binding::parse checks them.
  // Errors are UserErrors naming `pointer` (the caller's JSON pointer to j).
  static Mapping parse(const nlohmann::json& j, std::string_view pointer);

  nlohmann::json apply(double input) const;

  bool isIdentity() const { return kind_ == Kind::Identity; }
  bool isLinear() const { return kind_ == Kind::Linear; }
  bool isSteps() const { return kind_ == Kind::Steps; }

 private:
  enum class Kind { Identity, Linear, Steps };
  Kind kind_ = Kind::Identity;
  double from0_ = 0, from1_ = 1, to0_ = 0, to1_ = 1;
  bool clamp_ = true;
  std::vector<std::pair<double, nlohmann::json>> steps_;
};

class Binding {
 public:
  // `callerKeys`: further keys the caller reads itself (a property binding's
  // "tween"), accepted here and left alone.
  static Binding parse(const nlohmann::json& j, std::string_view pointer,
                       std::initializer_list<std::string_view> callerKeys = {});

  // The mapped value, or none when the source is missing or not a number/list.
  std::optional<nlohmann::json> evaluate(const DataStore& store) const;

  const std::string& source() const { return source_; }
  const Mapping& mapping() const { return mapping_; }

 private:
  std::string source_;
  Mapping mapping_;
};

}  // namespace mq::data
