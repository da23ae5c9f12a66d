// Text templates: formats, plurals, escapes, missing values and parse errors.
#include "data/text_template.h"

#include <catch2/catch.hpp>

#include "core/error.h"

using namespace mq::data;

namespace {

std::string render(const std::string& source, const DataStore& store, FormatOptions options = {}) {
  return TextTemplate::compile(source, options).render(store).text;
}

std::string compileError(const std::string& source) {
  try {
    TextTemplate::compile(source);
  } catch (const mq::UserError& e) {
    return e.what();
  }
  FAIL("compiled without error: " << source);
  return {};
}

}  // namespace

TEST_CASE("templates: plain values", "[data]") {
  DataStore store;
  store.set("stock.blue_xl", 12);
  store.set("viewers", 1000000);
  store.set("ratio", 0.25);
  store.set("title", "Blue drop");
  store.set("tags", Value::List{"new", 2, "hot"});
  CHECK(render("Only {stock.blue_xl} Blue XLs left!", store) == "Only 12 Blue XLs left!");
  CHECK(render("{viewers}", store) == "1000000");  // never 1e+06
  CHECK(render("{ratio}", store) == "0.25");
  CHECK(render("{title}: {tags}", store) == "Blue drop: new, 2, hot");
  CHECK(render("no placeholders", store) == "no placeholders");
  CHECK(render("", store).empty());
}

TEST_CASE("templates: thousands separators", "[data]") {
  DataStore store;
  store.set("a", 51000);
  store.set("b", 999);
  store.set("c", 1234567.891);
  store.set("d", -1234.5);
  store.set("e", 0);
  store.set("f", -0.4);
  CHECK(render("{a:n0}", store) == "51,000");
  CHECK(render("{b:n0}", store) == "999");
  CHECK(render("{c:n0}", store) == "1,234,568");
  CHECK(render("{c:n2}", store) == "1,234,567.89");
  CHECK(render("{d:n1}", store) == "-1,234.5");
  CHECK(render("{e:n0}", store) == "0");
  CHECK(render("{f:n0}", store) == "0");  // not "-0"
  FormatOptions dotted;
  dotted.thousandsSeparator = ".";
  dotted.decimalSeparator = ",";
  CHECK(render("{c:n2}", store, dotted) == "1.234.567,89");
  FormatOptions thin;
  thin.thousandsSeparator = "\xE2\x80\x89";  // thin space, a multi-byte separator
  CHECK(render("{a:n0}", store, thin) ==
        "51\xE2\x80\x89"
        "000");
  CHECK(formatNumber(1e6, 0) == "1,000,000");
  CHECK(formatNumber(100, 0) == "100");
  CHECK(formatNumber(123456, 0, "") == "123456");
}

TEST_CASE("templates: fixed, percent and currency", "[data]") {
  DataStore store;
  store.set("x", 3.14159);
  store.set("ratio", 0.1234);
  store.set("price", 79);
  store.set("big", 1299.5);
  store.set("refund", -5);
  store.set("tiny", -0.001);
  CHECK(render("{x:f2}", store) == "3.14");
  CHECK(render("{x:f0}", store) == "3");
  CHECK(render("{big:f2}", store) == "1299.50");  // fixed: no grouping
  CHECK(render("{ratio:p1}", store) == "12.3%");
  CHECK(render("{ratio:p0}", store) == "12%");
  CHECK(render("{price:c EUR}", store) ==
        "\xE2\x82\xAC"
        "79.00");
  CHECK(render("{price:c USD}", store) == "$79.00");
  CHECK(render("{big:c GBP}", store) ==
        "\xC2\xA3"
        "1,299.50");
  CHECK(render("{price:c CHF}", store) == "CHF 79.00");
  CHECK(render("{refund:c USD}", store) == "-$5.00");
  CHECK(render("{tiny:c USD}", store) == "$0.00");
  CHECK(render("{price:cUSD}", store) == "$79.00");
}

TEST_CASE("templates: plurals with 0, 1, 2", "[data]") {
  DataStore store;
  auto t2 = TextTemplate::compile("{stock} {stock|item|items} left");
  auto t3 = TextTemplate::compile("{stock|sold out|last one!|{{many}} left}");
  std::vector<std::pair<double, std::string>> two = {
      {0, "0 items left"}, {1, "1 item left"}, {2, "2 items left"}, {1.5, "1.5 items left"}};
  for (auto& [n, expected] : two) {
    store.set("stock", n);
    CHECK(t2.render(store).text == expected);
  }
  store.set("stock", 0);
  CHECK(t3.render(store).text == "sold out");
  store.set("stock", 1);
  CHECK(t3.render(store).text == "last one!");
  store.set("stock", 2);
  CHECK(t3.render(store).text == "{many} left");
  // A list counts its entries.
  store.set("comments", Value::List{"great!"});
  CHECK(render("{comments|comment|comments}", store) == "comment");
}

TEST_CASE("templates: escapes", "[data]") {
  DataStore store;
  store.set("n", 3);
  CHECK(render("{{n}} = {n}", store) == "{n} = 3");
  CHECK(render("}}{{", store) == "}{");
  CHECK(render("{{{n}}}", store) == "{3}");
}

TEST_CASE("templates: missing and mismatched values render a marker and are reported", "[data]") {
  DataStore store;
  store.set("title", "Drop");
  auto t = TextTemplate::compile("{viewers:n0} watching {title:n0}, {viewers} {stock|a|b}");
  RenderResult r = t.render(store);
  CHECK(r.text == "\xE2\x80\x94 watching \xE2\x80\x94, \xE2\x80\x94 \xE2\x80\x94");  // — markers
  CHECK(r.missing == std::vector<std::string>{"viewers", "stock"});
  CHECK(r.mismatched == std::vector<std::string>{"title"});
  CHECK(t.names() == std::vector<std::string>{"viewers", "title", "stock"});
  FormatOptions options;
  options.missingMarker = "??";
  CHECK(render("{nope}", store, options) == "??");
}

TEST_CASE("templates: re-render only when an input's version changes", "[data]") {
  DataStore store;
  auto t = TextTemplate::compile("{a} {b}");
  store.set("a", 1);
  std::uint64_t seen = store.version(t.names());
  store.set("unrelated", 5);
  CHECK(store.version(t.names()) == seen);
  store.set("b", 2);
  CHECK(store.version(t.names()) > seen);
}

TEST_CASE("templates: parse errors give the character offset", "[data]") {
  CHECK(compileError("Only {stock left") ==
        "text template: unclosed '{' at offset 5 in \"Only {stock left\"");
  CHECK(compileError("a } b").find("unmatched '}' (write '}}' for a literal brace) at offset 2") !=
        std::string::npos);
  CHECK(compileError("{x:zz}").find("unknown format \"zz\"") != std::string::npos);
  CHECK(compileError("{x:zz}").find("at offset 3") != std::string::npos);
  // Offsets count characters: "€" is one, though it is three bytes.
  CHECK(compileError("\xE2\x82\xAC{x:q}").find("at offset 4") != std::string::npos);
  CHECK(compileError("{}").find("empty placeholder (expected a data name) at offset 1") !=
        std::string::npos);
  CHECK(compileError("ab {a b}").find("\"a b\" is not a valid data name") != std::string::npos);
  CHECK(compileError("{a {b}}").find("'{' inside a placeholder (the one opened at offset 0) at "
                                     "offset 3") != std::string::npos);
  CHECK(compileError("{n|one}").find("plural needs 2 forms") != std::string::npos);
  CHECK(compileError("{n|a|b|c|d}").find("got 4 at offset 2") != std::string::npos);
  CHECK(compileError("{n:n0|a|b}").find("a format or plural forms, not both") != std::string::npos);
  CHECK(compileError("{p:c eur}").find("three-letter code in capitals") != std::string::npos);
  CHECK(compileError("{p:n}").find("unknown format \"n\"") != std::string::npos);
}
