// Rules evaluated once per frame against the data store.
//
// JSON form (a rule set is an array of these; ids are unique):
//   {"id": "drop", "when": "viewers >= 50000", "once": true, "hysteresis": 500,
//    "do": {"start": "drop_colorway", "for": 180}}
// - "when": "<name> <op> <number>" with op one of >= > <= < == !=; == and !=
//   also take a quoted string ("status == \"live\""). Or "<name> increases":
//   fires on every frame whose number is above the one the previous frame saw
//   (a sales counter going up: one sound per sale); the first value seen only
//   sets the baseline, and there is no hysteresis.
// - "do": any JSON, handed back untouched when the rule fires.
// - "once" (default false): fires at most once per show (until reset()).
// - "hysteresis" (number >= 0, default 0; numeric conditions only): a rule
//   fires when its condition becomes true and is then disarmed; it re-arms only
//   once the value is clearly back on the other side:
//     >= T: v < T - h     > T: v <= T - h     <= T: v > T + h     < T: v >= T + h
//     == T: |v - T| > h   != T: |v - T| <= h
//   so a value hovering at the threshold fires once, not every other frame.
// Rules start armed: a condition already true on the first frame fires then.
// A missing value (or a string compared with a number) neither fires nor
// re-arms. A list compares by its number of entries.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/data_store.h"

namespace mq::data {

struct Condition {
  enum class Op { Ge, Gt, Le, Lt, Eq, Ne, Increases };
  std::string name;
  Op op = Op::Ge;
  std::optional<double> number;  // one of number / text
  std::optional<std::string> text;

  // Throws UserError naming `where` with what was expected.
  static Condition parse(std::string_view expression, std::string_view where);
  // None when the value cannot be compared (missing, wrong type).
  std::optional<bool> test(const Value& v) const;
};

struct Rule {
  std::string id;
  Condition when;
  bool once = false;
  double hysteresis = 0;
  nlohmann::json action;

  static Rule parse(const nlohmann::json& j, std::string_view pointer);
};

struct FiredRule {
  std::string id;
  nlohmann::json action;
  Value value;  // the value that made it fire
};

class RuleSet {
 public:
  RuleSet() = default;
  explicit RuleSet(std::vector<Rule> rules);
  // An array of rules; errors name the pointer of the bad rule ("/rules/2/when").
  static RuleSet parse(const nlohmann::json& array, std::string_view pointer);

  // Call once per frame, after DataStore::applyUntil. Returns the rules that
  // fired on this frame, in the order they were declared.
  std::vector<FiredRule> evaluate(const DataStore& store);

  // Arms every rule again and forgets "once" firings (a new show).
  void reset();

  std::size_t size() const { return rules_.size(); }
  bool armed(std::string_view id) const;
  int fireCount(std::string_view id) const;

 private:
  struct State {
    bool armed = true;
    int fired = 0;
    std::optional<double> previous;  // "increases": the number the last frame saw
  };
  std::size_t indexOf(std::string_view id) const;

  std::vector<Rule> rules_;
  std::vector<State> states_;
};

}  // namespace mq::data
