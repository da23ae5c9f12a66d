#include "data/binding.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace mq::data {

using nlohmann::json;

namespace {

std::string at(std::string_view pointer, std::string_view key) {
  return std::string(pointer) + "/" + std::string(key);
}

std::string brief(const json& j) {
  std::string s = j.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::pair<double, double> numberPair(const json& j, const std::string& where) {
  if (!j.is_array() || j.size() != 2 || !j[0].is_number() || !j[1].is_number()) {
    throw UserError(where + ": expected an array of two numbers, got " + brief(j));
  }
  return {j[0].get<double>(), j[1].get<double>()};
}

}  // namespace

Mapping Mapping::parse(const json& j, std::string_view pointer) {
  Mapping m;
  if (!j.is_object()) {
    throw UserError(std::string(pointer) + ": expected an object, got " + brief(j));
  }
  bool linear = j.contains("from") || j.contains("to") || j.contains("clamp");
  bool steps = j.contains("steps");
  if (linear && steps) {
    throw UserError(std::string(pointer) +
                    ": \"steps\" cannot be combined with \"from\"/\"to\"/\"clamp\" (choose one "
                    "mapping)");
  }
  if (linear) {
    if (!j.contains("from") || !j.contains("to")) {
      throw UserError(std::string(pointer) + ": a linear mapping needs both \"from\" and \"to\"");
    }
    std::tie(m.from0_, m.from1_) = numberPair(j["from"], at(pointer, "from"));
    std::tie(m.to0_, m.to1_) = numberPair(j["to"], at(pointer, "to"));
    if (m.from0_ == m.from1_) {
      throw UserError(at(pointer, "from") + ": the two ends must differ, got " + brief(j["from"]));
    }
    if (j.contains("clamp")) {
      if (!j["clamp"].is_boolean()) {
        throw UserError(at(pointer, "clamp") + ": expected true or false, got " +
                        brief(j["clamp"]));
      }
      m.clamp_ = j["clamp"].get<bool>();
    }
    m.kind_ = Kind::Linear;
  } else if (steps) {
    const json& s = j["steps"];
    std::string where = at(pointer, "steps");
    if (!s.is_array() || s.empty()) {
      throw UserError(where + ": expected a non-empty array of [threshold, value], got " +
                      brief(s));
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
      std::string item = where + "/" + std::to_string(i);
      if (!s[i].is_array() || s[i].size() != 2 || !s[i][0].is_number()) {
        throw UserError(item + ": expected [threshold, value] with a number threshold, got " +
                        brief(s[i]));
      }
      double threshold = s[i][0].get<double>();
      if (!m.steps_.empty() && threshold <= m.steps_.back().first) {
        throw UserError(item + "/0: thresholds must increase, but " + brief(s[i][0]) + " follows " +
                        brief(s[i - 1][0]));
      }
      m.steps_.emplace_back(threshold, s[i][1]);
    }
    m.kind_ = Kind::Steps;
  }
  return m;
}

json Mapping::apply(double input) const {
  switch (kind_) {
    case Kind::Identity:
      return input;
    case Kind::Linear: {
      double u = (input - from0_) / (from1_ - from0_);
      if (clamp_) u = std::clamp(u, 0.0, 1.0);
      return to0_ + u * (to1_ - to0_);
    }
    case Kind::Steps: {
      // First threshold greater than the input; the step before it applies.
      auto it = std::upper_bound(steps_.begin(), steps_.end(), input,
                                 [](double v, const auto& step) { return v < step.first; });
      if (it == steps_.begin()) return steps_.front().second;
      return std::prev(it)->second;
    }
  }
  return nullptr;
}

Binding Binding::parse(const json& j, std::string_view pointer,
                       std::initializer_list<std::string_view> callerKeys) {
  if (!j.is_object()) {
    throw UserError(std::string(pointer) +
                    ": expected a binding object like {\"source\": "
                    "\"viewers\", \"from\": [0, 100], \"to\": [0, 1]}, got " +
                    brief(j));
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "source" || k == "from" || k == "to" || k == "clamp" || k == "steps" ||
        std::find(callerKeys.begin(), callerKeys.end(), k) != callerKeys.end())
      continue;
    std::string expected = "\"source\", \"from\", \"to\", \"clamp\", \"steps\"";
    for (std::string_view c : callerKeys) expected += ", \"" + std::string(c) + "\"";
    throw UserError(at(pointer, k) + ": unknown key (expected " + expected + ")");
  }
  if (!j.contains("source")) throw UserError(std::string(pointer) + ": missing \"source\"");
  const json& s = j["source"];
  if (!s.is_string() || !isValidName(s.get<std::string>())) {
    throw UserError(at(pointer, "source") + ": expected a data name like \"stock.blue_xl\", got " +
                    brief(s));
  }
  Binding b;
  b.source_ = s.get<std::string>();
  b.mapping_ = Mapping::parse(j, pointer);
  return b;
}

std::optional<json> Binding::evaluate(const DataStore& store) const {
  std::optional<Value> v = store.get(source_);
  if (!v) return std::nullopt;
  std::optional<double> n = numericView(*v);
  if (!n || std::isnan(*n)) return std::nullopt;
  return mapping_.apply(*n);
}

}  // namespace mq::data
