// Rules: conditions, firing once at the threshold, hysteresis, once, errors.
#include "data/rules.h"

#include <catch2/catch.hpp>

#include "core/error.h"

using namespace mq::data;
using nlohmann::json;

namespace {

RuleSet rules(const std::string& text) {
  return RuleSet::parse(json::parse(text), "/rules");
}

std::string rulesError(const std::string& text) {
  try {
    rules(text);
  } catch (const mq::UserError& e) {
    return e.what();
  }
  FAIL("parsed without error: " << text);
  return {};
}

// Sets `viewers` to each value in turn, one frame each; returns the frames on
// which rule `id` fired.
std::vector<int> firingFrames(RuleSet& set, DataStore& store, const std::vector<double>& values) {
  std::vector<int> frames;
  for (std::size_t f = 0; f < values.size(); ++f) {
    store.set("viewers", values[f]);
    for (const FiredRule& fired : set.evaluate(store)) {
      (void)fired;
      frames.push_back(static_cast<int>(f));
    }
  }
  return frames;
}

}  // namespace

TEST_CASE("rules: conditions", "[data]") {
  Condition c = Condition::parse("viewers >= 50000", "/w");
  CHECK(c.name == "viewers");
  CHECK(c.op == Condition::Op::Ge);
  CHECK(c.number == 50000.0);
  CHECK(*c.test(Value(50000)));
  CHECK_FALSE(*c.test(Value(49999.9)));
  CHECK_FALSE(c.test(Value("x")));
  CHECK(*Condition::parse("a>1", "/w").test(Value(2)));
  CHECK_FALSE(*Condition::parse("a > 1", "/w").test(Value(1)));
  CHECK(*Condition::parse("a <= 1", "/w").test(Value(1)));
  CHECK_FALSE(*Condition::parse("a < 1", "/w").test(Value(1)));
  CHECK(*Condition::parse("a == -2.5", "/w").test(Value(-2.5)));
  CHECK(*Condition::parse("a != 3", "/w").test(Value(2)));
  CHECK(*Condition::parse("comments >= 2", "/w").test(Value(Value::List{1, 2})));
  Condition s = Condition::parse("status == \"live\"", "/w");
  CHECK(*s.test(Value("live")));
  CHECK_FALSE(*s.test(Value("off")));
  CHECK_FALSE(s.test(Value(1)));
}

TEST_CASE("rules: fire exactly once at the threshold frame", "[data]") {
  DataStore store;
  RuleSet set = rules(R"([{"id": "drop", "when": "viewers >= 50000",
                           "do": {"start": "drop_colorway", "for": 180}}])");
  std::vector<FiredRule> fired;
  int firedAt = -1;
  for (int frame = 0; frame < 300; ++frame) {
    store.set("viewers", 49000 + frame * 10);  // reaches 50000 on frame 100 and keeps rising
    for (FiredRule& f : set.evaluate(store)) {
      firedAt = frame;
      fired.push_back(f);
    }
  }
  REQUIRE(fired.size() == 1);
  CHECK(firedAt == 100);
  CHECK(fired[0].id == "drop");
  CHECK(fired[0].action == json::parse(R"({"start": "drop_colorway", "for": 180})"));
  CHECK(fired[0].value.number() == 50000);
}

TEST_CASE("rules: hysteresis stops a hovering value from flickering", "[data]") {
  DataStore store;
  RuleSet withMargin =
      rules(R"([{"id": "r", "when": "viewers >= 50000", "hysteresis": 500, "do": 1}])");
  RuleSet noMargin = rules(R"([{"id": "r", "when": "viewers >= 50000", "do": 1}])");
  std::vector<double> hover;
  for (int i = 0; i < 60; ++i) hover.push_back(i % 2 ? 50010 : 49990);
  CHECK(firingFrames(withMargin, store, hover) == std::vector<int>{1});
  // Without a margin the same input fires on every crossing: what hysteresis is for.
  CHECK(firingFrames(noMargin, store, hover).size() == 30);

  // Re-arms only below 49500; 49500 itself is not enough.
  CHECK_FALSE(withMargin.armed("r"));
  CHECK(firingFrames(withMargin, store, {49500, 50000}).empty());
  CHECK(firingFrames(withMargin, store, {49499, 49800, 50000, 50010}) == std::vector<int>{2});
  CHECK(withMargin.fireCount("r") == 2);
}

TEST_CASE("rules: hysteresis in the other directions", "[data]") {
  DataStore store;
  // <= 10 with margin 2: re-arms above 12.
  RuleSet low = rules(R"([{"id": "low", "when": "viewers <= 10", "hysteresis": 2, "do": null}])");
  CHECK(firingFrames(low, store, {20, 10, 11, 9, 12, 10, 12.5, 10}) == std::vector<int>{1, 7});
  // == 5 with margin 1: re-arms when more than 1 away.
  RuleSet eq = rules(R"([{"id": "eq", "when": "viewers == 5", "hysteresis": 1, "do": null}])");
  CHECK(firingFrames(eq, store, {5, 6, 5, 7, 5}) == std::vector<int>{0, 4});
}

TEST_CASE("rules: once never fires again", "[data]") {
  DataStore store;
  RuleSet set = rules(R"([{"id": "r", "when": "viewers > 100", "once": true, "do": {}}])");
  CHECK(firingFrames(set, store, {0, 101, 0, 101, 0, 200}) == std::vector<int>{1});
  CHECK(set.fireCount("r") == 1);
  set.reset();  // a new show
  CHECK(firingFrames(set, store, {200, 0, 200}) == std::vector<int>{0});
}

TEST_CASE("rules: missing values neither fire nor re-arm; order follows declaration", "[data]") {
  DataStore store;
  RuleSet set = rules(R"([{"id": "b", "when": "x > 1", "do": "B"},
                          {"id": "a", "when": "x > 0", "do": "A"}])");
  CHECK(set.evaluate(store).empty());
  store.set("x", 5);
  std::vector<FiredRule> fired = set.evaluate(store);
  REQUIRE(fired.size() == 2);
  CHECK(fired[0].id == "b");
  CHECK(fired[1].action == "A");
  store.erase("x");
  set.evaluate(store);
  CHECK_FALSE(set.armed("a"));
  CHECK_THROWS_AS(set.armed("zzz"), mq::UserError);
}

TEST_CASE("rules: parse errors name the rule and what was expected", "[data]") {
  CHECK(rulesError(R"({"id": "x"})") == "/rules: expected an array of rules, got {\"id\":\"x\"}");
  CHECK(rulesError(R"([{"when": "v > 1", "do": 1}])") ==
        "/rules/0/id: expected a non-empty string (missing)");
  CHECK(rulesError(R"([{"id": "a", "do": 1}])") ==
        "/rules/0/when: expected a condition string like \"viewers >= 50000\" (missing)");
  CHECK(rulesError(R"([{"id": "a", "when": "v > 1"}])") ==
        "/rules/0/do: missing (the action to hand back on firing)");
  CHECK(rulesError(R"([{"id": "a", "when": "v => 1", "do": 1}])") ==
        "/rules/0/when: missing an operator (>=, >, <=, <, ==, !=, increases) after \"v\" in \"v "
        "=> 1\" "
        "(expected \"<name> <op> <value>\" like \"viewers >= 50000\")");
  CHECK(rulesError(R"([{"id": "a", "when": "v >= lots", "do": 1}])")
            .rfind("/rules/0/when: \"lots\" is not a number in \"v >= lots\"", 0) == 0);
  CHECK(rulesError(R"([{"id": "a", "when": ">= 5", "do": 1}])")
            .rfind("/rules/0/when: missing the data name", 0) == 0);
  CHECK(rulesError(R"([{"id": "a", "when": "v >=", "do": 1}])")
            .rfind("/rules/0/when: missing the value to compare with", 0) == 0);
  CHECK(rulesError(R"([{"id": "a", "when": "s > \"x\"", "do": 1}])")
            .rfind("/rules/0/when: strings compare only with == or !=", 0) == 0);
  CHECK(rulesError(R"([{"id": "a", "when": "v > 1", "hysteresis": -1, "do": 1}])") ==
        "/rules/0/hysteresis: expected a number >= 0, got -1");
  CHECK(rulesError(R"([{"id": "a", "when": "s == \"x\"", "hysteresis": 1, "do": 1}])")
            .rfind("/rules/0/hysteresis: only numeric conditions", 0) == 0);
  CHECK(rulesError(R"([{"id": "a", "when": "v > 1", "once": "yes", "do": 1}])") ==
        "/rules/0/once: expected true or false, got \"yes\"");
  CHECK(rulesError(R"([{"id": "a", "when": "v > 1", "do": 1, "then": 2}])") ==
        "/rules/0/then: unknown key (expected \"id\", \"when\", \"once\", \"hysteresis\", \"do\")");
  CHECK(rulesError(
            R"([{"id": "a", "when": "v > 1", "do": 1}, {"id": "a", "when": "v > 2", "do": 2}])") ==
        "/rules/1/id: \"a\" is already used by another rule");
}

TEST_CASE("rules: \"increases\" fires on every rise, not on the first value", "[data]") {
  RuleSet set = rules(R"([{"id": "sale", "when": "viewers increases", "do": {"play": "sfx"}}])");
  DataStore store;
  // The first value is the baseline; equal and falling values do not fire.
  CHECK(firingFrames(set, store, {3, 3, 4, 4, 6, 5, 5, 7}) == std::vector<int>{2, 4, 7});
  CHECK(set.fireCount("sale") == 3);
  CHECK(rulesError(R"([{"id": "s", "when": "viewers increases", "hysteresis": 1, "do": {}}])")
            .find("/rules/0/hysteresis") != std::string::npos);
  CHECK(rulesError(R"([{"id": "s", "when": "viewers grows", "do": {}}])").find("increases") !=
        std::string::npos);
}
