// A scripted feed drives counters, templates and rules frame by frame, as an
// offline render at 30 fps would: the text changes on exact, predictable frames.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "data/binding.h"
#include "data/rules.h"
#include "data/text_template.h"

using namespace mq::data;
using nlohmann::json;

namespace {

constexpr int kFps = 30;

const char* kScript = R"(# show script: t is show seconds
{"set": {"viewers": 49000, "stock": {"blue_xl": 3}}}
{"t": 0.5, "add": {"viewers": 600}}
{"t": 1.0, "set": {"stock.blue_xl": 2}}
{"t": 1.5, "add": {"viewers": 450}}
{"t": 1.5, "set": {"stock.blue_xl": 1}}
{"t": 2.01, "set": {"viewers": 50010}}
{"t": 2.5, "set": {"viewers": 49990}}
{"t": 3.0, "set": {"viewers": 50020, "stock.blue_xl": 0}}
{"t": 3.5, "push": {"comments": "great!"}}
)";

struct Frame {
  std::string counter, stock, comments;
  double bar = 0;
  std::vector<std::string> fired;
};

}  // namespace

TEST_CASE("scripted feed drives templates and rules on exact frames", "[data]") {
  DataStore store;
  std::istringstream in(kScript);
  store.loadFeed(parseFeed(in, "show.jsonl"));

  TextTemplate counter = TextTemplate::compile("{viewers:n0} watching");
  TextTemplate stock =
      TextTemplate::compile("Only {stock.blue_xl} Blue {stock.blue_xl|XL|XLs} left!");
  TextTemplate comments = TextTemplate::compile("{comments|comment|comments}: {comments}");
  Binding bar = Binding::parse(
      json::parse(R"({"source": "viewers", "from": [49000, 50000], "to": [0, 1]})"), "/bar");
  RuleSet rules = RuleSet::parse(json::parse(R"([
      {"id": "milestone", "when": "viewers >= 50000", "hysteresis": 500, "do": {"start": "confetti"}},
      {"id": "sold_out", "when": "stock.blue_xl == 0", "once": true, "do": {"start": "sold_out", "for": 180}}
    ])"),
                                 "/rules");

  // Only re-render a template when one of its inputs changed, as a renderer would.
  std::map<const TextTemplate*, std::uint64_t> seen;
  std::map<const TextTemplate*, std::string> cache;
  auto text = [&](const TextTemplate& t) {
    std::uint64_t v = store.version(t.names());
    if (!cache.count(&t) || seen[&t] != v) {
      cache[&t] = t.render(store).text;
      seen[&t] = v;
    }
    return cache[&t];
  };

  std::vector<Frame> frames;
  for (int n = 0; n < 4 * kFps; ++n) {
    CHECK(store.applyUntil(static_cast<double>(n) / kFps).empty());
    Frame f;
    f.counter = text(counter);
    f.stock = text(stock);
    f.comments = text(comments);
    f.bar = bar.evaluate(store)->get<double>();
    for (const FiredRule& r : rules.evaluate(store)) f.fired.push_back(r.id);
    frames.push_back(std::move(f));
  }

  // Frames where each text changes.
  auto changes = [&](std::string Frame::*field) {
    std::vector<std::pair<int, std::string>> out{{0, frames[0].*field}};
    for (int n = 1; n < static_cast<int>(frames.size()); ++n) {
      if (frames[n].*field != frames[n - 1].*field) out.emplace_back(n, frames[n].*field);
    }
    return out;
  };
  using Changes = std::vector<std::pair<int, std::string>>;
  CHECK(changes(&Frame::counter) == Changes{{0, "49,000 watching"},
                                            {15, "49,600 watching"},
                                            {45, "50,050 watching"},
                                            {61, "50,010 watching"},  // t = 2.01 lands on 61
                                            {75, "49,990 watching"},
                                            {90, "50,020 watching"}});
  CHECK(changes(&Frame::stock) == Changes{{0, "Only 3 Blue XLs left!"},
                                          {30, "Only 2 Blue XLs left!"},
                                          {45, "Only 1 Blue XL left!"},
                                          {90, "Only 0 Blue XLs left!"}});
  CHECK(changes(&Frame::comments) == Changes{{0, "\xE2\x80\x94: \xE2\x80\x94"},  // missing
                                             {105, "comment: great!"}});
  CHECK(frames[0].bar == 0);
  CHECK(frames[15].bar == Approx(0.6));
  CHECK(frames[45].bar == 1);  // clamped

  std::vector<std::pair<int, std::string>> fired;
  for (int n = 0; n < static_cast<int>(frames.size()); ++n) {
    for (const std::string& id : frames[n].fired) fired.emplace_back(n, id);
  }
  // The milestone fires on frame 45 only: dipping to 49,990 (not below 49,500)
  // and back to 50,020 does not fire it again.
  CHECK(fired == Changes{{45, "milestone"}, {90, "sold_out"}});
}

TEST_CASE("feed from a file", "[data]") {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / "marquee-data-test-feed.jsonl";
  {
    std::ofstream out(path);
    out << kScript;
  }
  DataStore store;
  store.loadFeedFile(path);
  CHECK(store.get("viewers")->number() == 49000);
  CHECK(store.pendingCount() == 8);
  store.applyUntil(10);
  CHECK(store.get("comments")->list().size() == 1);
  std::filesystem::remove(path);
}
