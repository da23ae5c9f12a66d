// Bindings: linear mappings (with and without clamping), step tables, errors.
#include "data/binding.h"

#include <catch2/catch.hpp>

#include "core/error.h"

using namespace mq::data;
using nlohmann::json;

namespace {

std::string bindError(const std::string& text) {
  try {
    Binding::parse(json::parse(text), "/layers/3/bind/opacity");
  } catch (const mq::UserError& e) {
    return e.what();
  }
  FAIL("parsed without error: " << text);
  return {};
}

double linear(const Binding& b, DataStore& store, double v) {
  store.set(b.source(), v);
  return b.evaluate(store)->get<double>();
}

}  // namespace

TEST_CASE("bindings: linear mapping, clamped by default", "[data]") {
  DataStore store;
  Binding b =
      Binding::parse(json::parse(R"({"source": "viewers", "from": [0, 100], "to": [0, 1]})"), "/b");
  CHECK(b.mapping().isLinear());
  CHECK(linear(b, store, 0) == 0);
  CHECK(linear(b, store, 25) == Approx(0.25));
  CHECK(linear(b, store, 100) == 1);
  CHECK(linear(b, store, 150) == 1);
  CHECK(linear(b, store, -10) == 0);

  Binding open = Binding::parse(
      json::parse(R"({"source": "v", "from": [0, 100], "to": [10, 20], "clamp": false})"), "/b");
  CHECK(linear(open, store, 150) == Approx(25));
  CHECK(linear(open, store, -10) == Approx(9));

  Binding inverted =
      Binding::parse(json::parse(R"({"source": "v", "from": [100, 0], "to": [0, 1]})"), "/b");
  CHECK(linear(inverted, store, 75) == Approx(0.25));
  CHECK(linear(inverted, store, 200) == 0);
}

TEST_CASE("bindings: identity, missing and non-numeric sources", "[data]") {
  DataStore store;
  Binding b = Binding::parse(json::parse(R"({"source": "comments"})"), "/b");
  CHECK(b.mapping().isIdentity());
  CHECK_FALSE(b.evaluate(store));  // missing: the caller keeps the property as it was
  store.set("comments", Value::List{"a", "b", "c"});
  CHECK(b.evaluate(store)->get<double>() == 3);  // a list counts its entries
  store.set("comments", "text");
  CHECK_FALSE(b.evaluate(store));
}

TEST_CASE("bindings: steps pick the largest threshold <= input", "[data]") {
  DataStore store;
  Binding b = Binding::parse(json::parse(R"({"source": "stock.blue_xl",
      "steps": [[0, "#ff0000"], [10, "#ffaa00"], [50, "#00ff00"]]})"),
                             "/b");
  CHECK(b.mapping().isSteps());
  auto at = [&](double v) {
    store.set("stock.blue_xl", v);
    return b.evaluate(store)->get<std::string>();
  };
  CHECK(at(-5) == "#ff0000");  // below the first threshold: the first value
  CHECK(at(0) == "#ff0000");
  CHECK(at(9.99) == "#ff0000");
  CHECK(at(10) == "#ffaa00");
  CHECK(at(49) == "#ffaa00");
  CHECK(at(50) == "#00ff00");
  CHECK(at(1e9) == "#00ff00");
  // Values are any JSON.
  Mapping m = Mapping::parse(json::parse(R"({"steps": [[0, [1, 0, 0]], [1, {"x": 2}]]})"), "/m");
  CHECK(m.apply(0.5) == json::parse("[1, 0, 0]"));
  CHECK(m.apply(3) == json::parse(R"({"x": 2})"));
}

TEST_CASE("bindings: errors name the caller's pointer", "[data]") {
  const std::string p = "/layers/3/bind/opacity";
  CHECK(bindError(R"({"from": [0, 1], "to": [0, 1]})") == p + ": missing \"source\"");
  CHECK(bindError(R"({"source": 5})") ==
        p + "/source: expected a data name like \"stock.blue_xl\", got 5");
  CHECK(bindError(R"({"source": "v", "from": [0, 1]})") ==
        p + ": a linear mapping needs both \"from\" and \"to\"");
  CHECK(bindError(R"({"source": "v", "from": [0], "to": [0, 1]})") ==
        p + "/from: expected an array of two numbers, got [0]");
  CHECK(bindError(R"({"source": "v", "from": [0, 1], "to": [0, "x"]})") ==
        p + "/to: expected an array of two numbers, got [0,\"x\"]");
  CHECK(bindError(R"({"source": "v", "from": [5, 5], "to": [0, 1]})") ==
        p + "/from: the two ends must differ, got [5,5]");
  CHECK(bindError(R"({"source": "v", "from": [0, 1], "to": [0, 1], "clamp": 1})") ==
        p + "/clamp: expected true or false, got 1");
  CHECK(bindError(R"({"source": "v", "steps": []})") ==
        p + "/steps: expected a non-empty array of [threshold, value], got []");
  CHECK(bindError(R"({"source": "v", "steps": [[0, 1], ["a", 2]]})") ==
        p + "/steps/1: expected [threshold, value] with a number threshold, got [\"a\",2]");
  CHECK(bindError(R"({"source": "v", "steps": [[0, 1], [0, 2]]})") ==
        p + "/steps/1/0: thresholds must increase, but 0 follows 0");
  CHECK(bindError(R"({"source": "v", "steps": [[0, 1]], "from": [0, 1], "to": [0, 1]})")
            .find("cannot be combined") != std::string::npos);
  CHECK(bindError(R"({"source": "v", "form": [0, 1]})") ==
        p + "/form: unknown key (expected \"source\", \"from\", \"to\", \"clamp\", \"steps\")");
  CHECK(bindError(R"([1])").rfind(p + ": expected a binding object", 0) == 0);
}
