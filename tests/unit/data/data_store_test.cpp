// The data store: values, versions, initial data, the timed feed and its errors.
#include "data/data_store.h"

#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

#include "core/error.h"

using namespace mq::data;
using nlohmann::json;

namespace {

// The message of the UserError `f` throws; fails the test if it throws none.
template <typename F>
std::string userError(F&& f) {
  try {
    f();
  } catch (const mq::UserError& e) {
    return e.what();
  }
  FAIL("no UserError thrown");
  return {};
}

std::vector<FeedLine> feed(const std::string& text) {
  std::istringstream in(text);
  return parseFeed(in, "feed.jsonl");
}

}  // namespace

TEST_CASE("values: set, get, erase and type checks", "[data]") {
  DataStore store;
  CHECK_FALSE(store.get("viewers"));
  store.set("viewers", 51000);
  store.set("title", "Blue drop");
  store.set("comments", Value::List{"a", "b"});
  REQUIRE(store.get("viewers"));
  CHECK(store.get("viewers")->number() == 51000);
  CHECK(store.get("title")->string() == "Blue drop");
  CHECK(store.get("comments")->list().size() == 2);
  CHECK(numericView(*store.get("comments")) == 2.0);
  CHECK_FALSE(numericView(*store.get("title")));
  CHECK(store.erase("title"));
  CHECK_FALSE(store.erase("title"));
  CHECK_FALSE(store.contains("title"));
  CHECK(store.names() == std::vector<std::string>{"comments", "viewers"});
  CHECK_THROWS_AS(store.set("bad..name", 1), mq::UserError);
  CHECK_THROWS_AS(store.set(".x", 1), mq::UserError);
}

TEST_CASE("versions change only when the value does", "[data]") {
  DataStore store;
  CHECK(store.version("viewers") == 0);
  store.set("viewers", 10);
  std::uint64_t v1 = store.version("viewers");
  CHECK(v1 > 0);
  store.set("viewers", 10);
  CHECK(store.version("viewers") == v1);  // same value: consumers need not re-render
  store.set("stock", 3);
  CHECK(store.version("viewers") == v1);
  CHECK(store.version("stock") > v1);
  CHECK(store.version(std::vector<std::string>{"viewers", "stock"}) == store.version("stock"));
  store.erase("viewers");
  CHECK(store.version("viewers") > store.version("stock"));  // erasing is a change too
  CHECK(store.latestVersion() == store.version("viewers"));
}

TEST_CASE("initial values flatten nested objects to dotted names", "[data]") {
  DataStore store;
  store.loadInitial(json::parse(R"({"viewers": 100, "stock": {"blue_xl": 12, "red": {"s": 1}},
                                    "title": "Drop", "tags": ["new", 2]})"));
  CHECK(store.get("stock.blue_xl")->number() == 12);
  CHECK(store.get("stock.red.s")->number() == 1);
  CHECK(store.get("tags")->list()[1].number() == 2);
  CHECK_FALSE(store.contains("stock"));

  CHECK(userError([&] { store.loadInitial(json::parse(R"({"a": {"b": true}})")); }) ==
        "initial data: \"a.b\": expected a number, a string or a list, got true");
  CHECK(userError([&] {
          store.loadInitial(json::parse(R"([1])"));
        }).find("expected a JSON object") != std::string::npos);
  CHECK(userError([&] {
          store.loadInitial(json::parse(R"({"a b": 1})"));
        }).find("\"a b\" is not a valid name") != std::string::npos);
}

TEST_CASE("feed: set, add, push, erase, untimed lines apply at load", "[data]") {
  DataStore store;
  store.setListLimit("comments", 3);
  store.loadFeed(feed(R"(# a comment line, then a blank one

{"set": {"viewers": 100, "stock": {"blue_xl": 12}}}
{"add": {"viewers": 5, "likes": 2}}
{"push": {"comments": "one"}}
{"push": {"comments": "two"}}
{"push": {"comments": "three"}}
{"push": {"comments": "four"}}
{"push": {"tail": {"value": 1, "max": 1}}}
{"push": {"tail": {"value": 2, "max": 1}}}
{"set": {"stock.blue_xl": null}}
)"));
  CHECK(store.get("viewers")->number() == 105);
  CHECK(store.get("likes")->number() == 2);  // absent counts as 0
  CHECK(store.get("comments")->toJson() == json::parse(R"(["two", "three", "four"])"));
  CHECK(store.get("tail")->toJson() == json::parse("[2]"));
  CHECK_FALSE(store.contains("stock.blue_xl"));
  CHECK(store.pendingCount() == 0);
}

TEST_CASE("feed: operations in one line apply as set, add, push", "[data]") {
  DataStore store;
  store.loadFeed(feed(R"({"push": {"c": "x"}, "add": {"n": 1}, "set": {"n": 10, "c": ["a"]}})"));
  CHECK(store.get("n")->number() == 11);
  CHECK(store.get("c")->toJson() == json::parse(R"(["a", "x"])"));
}

TEST_CASE("feed: applyUntil applies scheduled lines in time order, ties in file order", "[data]") {
  DataStore store;
  store.loadFeed(feed(R"({"t": 2, "set": {"x": "late"}}
{"t": 1, "set": {"x": "first"}}
{"t": 1, "set": {"x": "second"}}
{"t": 0, "add": {"n": 1}}
)"));
  CHECK(store.pendingCount() == 4);
  CHECK_FALSE(store.contains("n"));  // t = 0 is scheduled, not immediate
  CHECK(store.applyUntil(0).empty());
  CHECK(store.get("n")->number() == 1);
  store.applyUntil(0.999);
  CHECK_FALSE(store.contains("x"));
  store.applyUntil(1.0);
  CHECK(store.get("x")->string() == "second");
  store.applyUntil(100);
  CHECK(store.get("x")->string() == "late");
  CHECK(store.pendingCount() == 0);
}

TEST_CASE("feed: operations that cannot apply mid-show are reported, not thrown", "[data]") {
  DataStore store;
  store.loadFeed(feed(R"({"set": {"title": "Drop", "n": 1}}
{"t": 1, "add": {"title": 5}, "set": {"ok": 1}}
{"t": 1, "push": {"n": "x"}}
)"));
  std::vector<std::string> problems = store.applyUntil(1);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0] == "feed.jsonl:2: \"add\": \"title\" holds a string, not a number");
  CHECK(problems[1] == "feed.jsonl:3: \"push\": \"n\" holds a number, not a list");
  CHECK(store.get("ok")->number() == 1);  // the rest of the line still applied
  // At load time (untimed), the same mistake stops the load with a UserError.
  CHECK(userError([&] { store.loadFeed(feed(R"({"add": {"title": 1}})")); }) ==
        "feed.jsonl:1: \"add\": \"title\" holds a string, not a number");
}

TEST_CASE("feed errors name the line and what was expected", "[data]") {
  std::string all = userError([] {
    feed(R"({"set": {"a": 1}}
not json
[1, 2]
{"t": -1, "set": {"a": 1}}
{"t": "soon", "set": {"a": 1}}
{"sett": {"a": 1}}
{"add": {"a": "x"}}
{"set": {"a": true}}
{"set": 5}
{"t": 3}
{"push": {"c": {"value": 1, "max": 0}}}
{"push": {"c": {"max": 2}}}
{"set": {"a b": 1}}
{"set": {"ok": 1}}
)");
  });
  std::vector<std::string> lines;
  std::istringstream in(all);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  REQUIRE(lines.size() == 12);
  CHECK(lines[0].rfind("feed.jsonl:2: not valid JSON near column", 0) == 0);
  CHECK(
      lines[1] ==
      R"(feed.jsonl:3: expected a JSON object like {"t": 3.5, "set": {"viewers": 51000}}, got [1,2])");
  CHECK(lines[2] == R"(feed.jsonl:4: "t": expected show seconds (a number >= 0), got -1)");
  CHECK(lines[3] == R"(feed.jsonl:5: "t": expected show seconds (a number >= 0), got "soon")");
  CHECK(lines[4] == R"(feed.jsonl:6: unknown key "sett" (expected "t", "set", "add" or "push"))");
  CHECK(lines[5] == R"(feed.jsonl:7: "add": "a": expected a number, got "x")");
  CHECK(lines[6] == R"(feed.jsonl:8: "set": "a": expected a number, a string or a list, got true)");
  CHECK(lines[7] == R"(feed.jsonl:9: "set": expected an object of name: value, got 5)");
  CHECK(lines[8] == R"(feed.jsonl:10: nothing to do (expected "set", "add" or "push"))");
  CHECK(lines[9] == R"(feed.jsonl:11: "push": "c": "max": expected a whole number >= 1, got 0)");
  CHECK(lines[10] == R"(feed.jsonl:12: "push": "c": missing "value")");
  CHECK(lines[11].rfind(R"(feed.jsonl:13: "set": "a b" is not a valid name)", 0) == 0);

  CHECK(userError([] { parseFeedFile("/nonexistent/feed.jsonl"); }) ==
        "/nonexistent/feed.jsonl: cannot open the data feed");
}

TEST_CASE("applyNow from another thread while frames are applied", "[data]") {
  DataStore store;
  store.set("viewers", 0);
  constexpr int kLines = 5000;
  std::thread feeder([&] {
    for (int i = 0; i < kLines; ++i) {
      store.applyNow(R"({"add": {"viewers": 1}})");
      if (i % 10 == 0) store.applyNow(R"({"push": {"comments": "hi"}})");
    }
  });
  // The "render thread": applies scheduled lines and reads every frame.
  double last = 0;
  bool monotonic = true;
  for (int frame = 0; frame < 2000; ++frame) {
    store.applyUntil(frame / 30.0);
    std::optional<Value> v = store.get("viewers");
    if (v->number() < last) monotonic = false;
    last = v->number();
  }
  feeder.join();
  CHECK(monotonic);
  CHECK(store.get("viewers")->number() == kLines);
  CHECK(store.get("comments")->list().size() == 50);  // the default list limit

  // A live line with t is scheduled rather than applied.
  CHECK_FALSE(store.applyNow(R"({"t": 5000, "set": {"later": 1}})"));
  CHECK_FALSE(store.contains("later"));
  store.applyUntil(5000);
  CHECK(store.contains("later"));
  CHECK(userError([&] {
          store.applyNow("{oops", "stdin:7");
        }).rfind("stdin:7: not valid JSON", 0) == 0);
}

TEST_CASE("pumpFeed: a live pipe keeps going past a bad line", "[data]") {
  DataStore store;
  std::istringstream in(
      "{\"set\": {\"viewers\": 10}}\n{\"add\": {\"viewers\": \"x\"}}\n\n"
      "{\"t\": 1, \"add\": {\"viewers\": 5}}\n{\"add\": {\"viewers\": 1}}\n");
  std::vector<std::string> errors;
  std::size_t accepted = 0;
  // On a thread, as the live front end would run it.
  std::thread pump([&] {
    accepted = pumpFeed(in, store, "stdin", [&](const std::string& e) { errors.push_back(e); });
  });
  pump.join();
  CHECK(accepted == 3);
  CHECK(errors ==
        std::vector<std::string>{"stdin:2: \"add\": \"viewers\": expected a number, got \"x\""});
  CHECK(store.get("viewers")->number() == 11);
  store.applyUntil(1);
  CHECK(store.get("viewers")->number() == 16);
}
