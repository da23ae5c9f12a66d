#include "data/rules.h"

#include <charconv>
#include <cmath>
#include <set>

#include "core/error.h"

namespace mq::data {

using nlohmann::json;

namespace {

std::string brief(const json& j) {
  std::string s = j.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

// Whether a disarmed rule may arm again: the value must be back past the
// threshold by the hysteresis margin, not merely on the other side of it.
bool rearms(const Rule& rule, const Value& v) {
  const Condition& c = rule.when;
  if (c.text) {
    std::optional<bool> r = c.test(v);
    return r && !*r;
  }
  std::optional<double> n = numericView(v);
  if (!n) return false;
  double t = *c.number, h = rule.hysteresis;
  switch (c.op) {
    case Condition::Op::Ge:
      return *n < t - h;
    case Condition::Op::Gt:
      return *n <= t - h;
    case Condition::Op::Le:
      return *n > t + h;
    case Condition::Op::Lt:
      return *n >= t + h;
    case Condition::Op::Eq:
      return std::abs(*n - t) > h;
    case Condition::Op::Ne:
      return std::abs(*n - t) <= h;
    case Condition::Op::Increases:
      return true;
  }
  return false;
}

}  // namespace

Condition Condition::parse(std::string_view expression, std::string_view where) {
  const std::string example = R"( (expected "<name> <op> <value>" like "viewers >= 50000")";
  auto fail = [&](const std::string& what) -> UserError {
    return UserError(std::string(where) + ": " + what + " in \"" + std::string(expression) + "\"" +
                     example + ")");
  };
  Condition c;
  std::string_view s = trim(expression);
  std::size_t nameEnd = 0;
  while (nameEnd < s.size() && isNameChar(s[nameEnd])) ++nameEnd;
  c.name = std::string(s.substr(0, nameEnd));
  if (c.name.empty()) throw fail("missing the data name");
  if (!isValidName(c.name)) throw fail("\"" + c.name + "\" is not a valid data name");
  s = trim(s.substr(nameEnd));
  if (s == "increases") {
    c.op = Op::Increases;
    return c;
  }

  static constexpr std::pair<std::string_view, Op> ops[] = {
      {">=", Op::Ge}, {"<=", Op::Le}, {"==", Op::Eq}, {"!=", Op::Ne}, {">", Op::Gt}, {"<", Op::Lt}};
  bool found = false;
  for (const auto& [text, op] : ops) {
    if (s.substr(0, text.size()) == text) {
      c.op = op;
      s.remove_prefix(text.size());
      found = true;
      break;
    }
  }
  if (!found) {
    throw fail("missing an operator (>=, >, <=, <, ==, !=, increases) after \"" + c.name + "\"");
  }
  s = trim(s);
  if (s.empty()) throw fail("missing the value to compare with");
  if (s.front() == '"') {
    if (s.size() < 2 || s.back() != '"' || s.substr(1, s.size() - 2).find('"') != s.npos) {
      throw fail("unterminated string");
    }
    if (c.op != Op::Eq && c.op != Op::Ne) throw fail("strings compare only with == or !=");
    c.text = std::string(s.substr(1, s.size() - 2));
    return c;
  }
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v)) {
    throw fail("\"" + std::string(s) + "\" is not a number");
  }
  c.number = v;
  return c;
}

std::optional<bool> Condition::test(const Value& v) const {
  if (op == Op::Increases) return std::nullopt;  // needs the previous value: RuleSet::evaluate
  if (text) {
    if (!v.isString()) return std::nullopt;
    return op == Op::Eq ? v.string() == *text : v.string() != *text;
  }
  std::optional<double> n = numericView(v);
  if (!n || std::isnan(*n)) return std::nullopt;
  double t = *number;
  switch (op) {
    case Op::Ge:
      return *n >= t;
    case Op::Gt:
      return *n > t;
    case Op::Le:
      return *n <= t;
    case Op::Lt:
      return *n < t;
    case Op::Eq:
      return *n == t;
    case Op::Ne:
      return *n != t;
    case Op::Increases:
      break;
  }
  return std::nullopt;
}

Rule Rule::parse(const json& j, std::string_view pointer) {
  const std::string p(pointer);
  if (!j.is_object()) {
    throw UserError(p +
                    ": expected a rule like {\"id\": \"drop\", \"when\": \"viewers >= 50000\", "
                    "\"do\": {...}}, got " +
                    brief(j));
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k != "id" && k != "when" && k != "once" && k != "hysteresis" && k != "do") {
      throw UserError(
          p + "/" + k +
          ": unknown key (expected \"id\", \"when\", \"once\", \"hysteresis\", \"do\")");
    }
  }
  Rule rule;
  if (!j.contains("id") || !j["id"].is_string() || j["id"].get<std::string>().empty()) {
    throw UserError(p + "/id: expected a non-empty string" +
                    (j.contains("id") ? ", got " + brief(j["id"]) : std::string(" (missing)")));
  }
  rule.id = j["id"].get<std::string>();
  if (!j.contains("when") || !j["when"].is_string()) {
    throw UserError(p + "/when: expected a condition string like \"viewers >= 50000\"" +
                    (j.contains("when") ? ", got " + brief(j["when"]) : std::string(" (missing)")));
  }
  rule.when = Condition::parse(j["when"].get<std::string>(), p + "/when");
  if (j.contains("once")) {
    if (!j["once"].is_boolean()) {
      throw UserError(p + "/once: expected true or false, got " + brief(j["once"]));
    }
    rule.once = j["once"].get<bool>();
  }
  if (j.contains("hysteresis")) {
    const json& h = j["hysteresis"];
    if (!h.is_number() || !(h.get<double>() >= 0) || !std::isfinite(h.get<double>())) {
      throw UserError(p + "/hysteresis: expected a number >= 0, got " + brief(h));
    }
    rule.hysteresis = h.get<double>();
    if (rule.when.op == Condition::Op::Increases && rule.hysteresis > 0) {
      throw UserError(p + "/hysteresis: \"increases\" fires on every rise and has no margin");
    }
    if (rule.when.text && rule.hysteresis > 0) {
      throw UserError(p +
                      "/hysteresis: only numeric conditions have a margin (\"when\" compares "
                      "a string)");
    }
  }
  if (!j.contains("do")) throw UserError(p + "/do: missing (the action to hand back on firing)");
  rule.action = j["do"];
  return rule;
}

RuleSet::RuleSet(std::vector<Rule> rules) : rules_(std::move(rules)), states_(rules_.size()) {}

RuleSet RuleSet::parse(const json& array, std::string_view pointer) {
  if (!array.is_array()) {
    throw UserError(std::string(pointer) + ": expected an array of rules, got " + brief(array));
  }
  std::vector<Rule> rules;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < array.size(); ++i) {
    std::string at = std::string(pointer) + "/" + std::to_string(i);
    Rule rule = Rule::parse(array[i], at);
    if (!ids.insert(rule.id).second) {
      throw UserError(at + "/id: \"" + rule.id + "\" is already used by another rule");
    }
    rules.push_back(std::move(rule));
  }
  return RuleSet(std::move(rules));
}

std::vector<FiredRule> RuleSet::evaluate(const DataStore& store) {
  std::vector<FiredRule> fired;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const Rule& rule = rules_[i];
    State& state = states_[i];
    if (rule.once && state.fired > 0) continue;
    std::optional<Value> v = store.get(rule.when.name);
    if (!v) continue;
    if (rule.when.op == Condition::Op::Increases) {
      std::optional<double> n = numericView(*v);
      if (!n || std::isnan(*n)) continue;
      if (state.previous && *n > *state.previous) {
        ++state.fired;
        fired.push_back({rule.id, rule.action, *v});
      }
      state.previous = *n;
      continue;
    }
    if (state.armed) {
      std::optional<bool> result = rule.when.test(*v);
      if (result && *result) {
        state.armed = false;
        ++state.fired;
        fired.push_back({rule.id, rule.action, *v});
      }
    } else if (rearms(rule, *v)) {
      state.armed = true;
    }
  }
  return fired;
}

void RuleSet::reset() {
  for (State& s : states_) s = State{};
}

std::size_t RuleSet::indexOf(std::string_view id) const {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].id == id) return i;
  }
  throw UserError("no rule with id \"" + std::string(id) + "\"");
}

bool RuleSet::armed(std::string_view id) const {
  return states_[indexOf(id)].armed;
}
int RuleSet::fireCount(std::string_view id) const {
  return states_[indexOf(id)].fired;
}

}  // namespace mq::data
