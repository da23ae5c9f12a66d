// The strict JSON parser with per-value positions.
#include <catch2/catch.hpp>

#include "scene/json_with_positions.h"

using namespace mq::scene;
using nlohmann::json;

namespace {

struct SyntaxFailure {
  int line = 0, column = 0;
  std::string pointer, message;
};

SyntaxFailure failure(std::string_view text) {
  try {
    parseJsonWithPositions(text);
  } catch (const JsonSyntaxError& e) {
    return {e.line, e.column, e.pointer, e.what()};
  }
  FAIL("parsed without error: " << std::string(text.substr(0, 80)));
  return {};
}

std::pair<int, int> pos(const ParsedJson& p, const std::string& pointer) {
  auto it = p.positions.find(pointer);
  if (it == p.positions.end()) FAIL("no position for " << pointer);
  return it->second;
}

}  // namespace

TEST_CASE("json: values and number types", "[json]") {
  ParsedJson p = parseJsonWithPositions(
      R"({"i": 42, "neg": -9223372036854775808, "big": 9223372036854775808, "f": 1.5,)"
      R"( "e": 2E3, "tiny": 1e-400, "t": true, "f2": false, "n": null, "s": "x", "a": [], "o": {}})");
  const json& v = p.value;
  CHECK(v["i"].is_number_integer());
  CHECK(v["i"].get<int64_t>() == 42);
  CHECK(v["neg"].is_number_integer());
  CHECK(v["neg"].get<int64_t>() == INT64_MIN);
  CHECK(v["big"].is_number_float());  // beyond int64: a double
  CHECK(v["big"].get<double>() == 9223372036854775808.0);
  CHECK(v["f"].is_number_float());
  CHECK(v["e"].is_number_float());
  CHECK(v["e"].get<double>() == 2000.0);
  CHECK(v["tiny"].get<double>() == 0.0);  // underflow is zero, not an error
  CHECK(v["t"] == true);
  CHECK(v["f2"] == false);
  CHECK(v["n"].is_null());
  CHECK(v["s"] == "x");
  CHECK(v["a"] == json::array());
  CHECK(v["o"] == json::object());
}

TEST_CASE("json: agrees with nlohmann's parser on valid input", "[json]") {
  const char* text =
      R"({"nodes": [{"id": "a", "pos": [1, -2.5e-3, 0.1]}, {"s": "\u00e9\ud83d\ude00\t\"\\\/"}],
    "nested": {"deeper": {"x": [[[]]], "y": -0, "z": 1E+2}}, "unicode": "日本語"})";
  CHECK(parseJsonWithPositions(text).value == json::parse(text));
}

TEST_CASE("json: string escapes and UTF-8", "[json]") {
  auto str = [](const char* text) { return parseJsonWithPositions(text).value.get<std::string>(); };
  CHECK(str(R"("\ud83d\ude00")") == "\xF0\x9F\x98\x80");
  CHECK(str(R"("\u00E9")") == "\xC3\xA9");
  CHECK(str(R"("a\u0000b")") == std::string("a\0b", 3));
  CHECK(str(R"("\b\f\n\r\t")") == "\b\f\n\r\t");
  CHECK(str("\"\xE2\x82\xAC \xF4\x8F\xBF\xBF\"") == "\xE2\x82\xAC \xF4\x8F\xBF\xBF");
}

TEST_CASE("json: positions of every value, 1-based, columns in code points", "[json]") {
  // Line 3 has two 2-byte characters before "b": columns count them once each.
  const std::string text =
      "{\n"
      "  \"a\": [10, {\"x/y\": true, \"t~\": null}],\n"
      "  \"\xC3\xA9\xC3\xA9\": \"v\", \"b\":\r\n"
      "\t-1.5\n"
      "}";
  ParsedJson p = parseJsonWithPositions(text);
  CHECK(pos(p, "") == std::pair(1, 1));
  CHECK(pos(p, "/a") == std::pair(2, 8));
  CHECK(pos(p, "/a/0") == std::pair(2, 9));
  CHECK(pos(p, "/a/1") == std::pair(2, 13));
  CHECK(pos(p, "/a/1/x~1y") == std::pair(2, 21));
  CHECK(pos(p, "/a/1/t~0") == std::pair(2, 33));
  CHECK(pos(p, "/\xC3\xA9\xC3\xA9") == std::pair(3, 9));
  CHECK(pos(p, "/b") == std::pair(4, 2));
  CHECK(p.positions.size() == 8);
}

TEST_CASE("json: a leading byte order mark is skipped and not counted", "[json]") {
  ParsedJson p = parseJsonWithPositions("\xEF\xBB\xBF{\"a\": 1}");
  CHECK(p.value["a"] == 1);
  CHECK(pos(p, "") == std::pair(1, 1));
  CHECK(pos(p, "/a") == std::pair(1, 7));
  // Only at the start.
  CHECK(failure("[1, \xEF\xBB\xBF 2]").message.find("expected a value") != std::string::npos);
}

TEST_CASE("json: pointers escape ~ and /", "[json]") {
  CHECK(childPointer("", "a/b~c") == "/a~1b~0c");
  CHECK(childPointer("/x", "") == "/x/");
}

TEST_CASE("json: syntax errors say where and what", "[json]") {
  struct Case {
    std::string text;
    int line, column;
    std::string pointer, message;
  };
  const std::vector<Case> cases = {
      {"", 1, 1, "", "empty file; expected a JSON value"},
      {"  \n  ", 2, 3, "", "expected a JSON value, found end of file"},
      {"{\"a\": 1,}", 1, 9, "", "trailing comma before '}' is not allowed in JSON"},
      {"[1,\n 2,]", 2, 4, "", "trailing comma before ']' is not allowed in JSON"},
      {"[1 2]", 1, 4, "", "expected ',' or ']' after array element, found '2'"},
      {"{\"a\": 1 x}", 1, 9, "", "expected ',' or '}' after object member, found 'x'"},
      {"{\"a\" 1}", 1, 6, "/a", "expected ':' after object key, found '1'"},
      {"{a: 1}", 1, 2, "", "expected a '\"'-quoted key, found 'a'"},
      {"{\"a\": ", 1, 7, "/a", "expected a value after ':', found end of file"},
      {"{\"a\": [1, 2", 1, 12, "/a",
       "unexpected end of file inside array (opened at line 1, column 7)"},
      {"{\"a\": 1", 1, 8, "", "unexpected end of file inside object (opened at line 1, column 1)"},
      {"[\"abc", 1, 6, "/0", "unexpected end of file inside string (started at line 1, column 2)"},
      {"[\"ab\\", 1, 6, "/0", "unexpected end of file inside string"},
      {"[NaN]", 1, 2, "/0", "'NaN' is not valid JSON; numbers must be finite"},
      {"[Infinity]", 1, 2, "/0", "'Infinity' is not valid JSON"},
      {"[-Infinity]", 1, 2, "/0", "'-Infinity' is not valid JSON"},
      {"[1e999]", 1, 2, "/0", "number out of range: 1e999"},
      {"{\"x\": -2.5e400}", 1, 7, "/x", "number out of range"},
      {"[01]", 1, 3, "/0", "leading zeros are not allowed"},
      {"[1.]", 1, 4, "/0", "expected a digit after '.', found ']'"},
      {"[-]", 1, 3, "/0", "expected a digit after '-', found ']'"},
      {"[1e+]", 1, 5, "/0", "expected a digit in the exponent"},
      {"[.5]", 1, 2, "/0", "expected a value, found '.'"},
      {"[+1]", 1, 2, "/0", "expected a value, found '+'"},
      {"[tru]", 1, 2, "/0", "expected a value, found 'tru'"},
      {"[nulll]", 1, 2, "/0", "expected a value, found 'nulll'"},
      {"[True]", 1, 2, "/0", "expected a value, found 'True'"},
      {"{\"a\": 1,\n \"a\": 2}", 2, 2, "/a",
       "duplicate key \"a\" in object (first value at line 1, column 7)"},
      {"[\"\\ud800\"]", 1, 3, "/0", "unpaired UTF-16 high surrogate"},
      {"[\"\\udc00\"]", 1, 3, "/0", "unpaired UTF-16 low surrogate"},
      {"[\"\\ud800\\u0041\"]", 1, 3, "/0", "not followed by a low surrogate"},
      {"[\"\\u12g4\"]", 1, 7, "/0", "expected 4 hex digits after \\u, found 'g'"},
      {"[\"\\x\"]", 1, 3, "/0", "invalid escape '\\x' in string"},
      {"[\"a\nb\"]", 1, 4, "/0", "line break inside string"},
      {std::string("[\"a\x01\"]"), 1, 4, "/0", "control character 0x01 inside string"},
      {std::string("[\"a\0\"]", 5), 1, 4, "/0", "control character 0x00 inside string"},
      {"[\"\xC0\x80\"]", 1, 3, "/0", "invalid UTF-8 in string (byte 0xc0)"},          // overlong
      {"[\"\xED\xA0\x80\"]", 1, 3, "/0", "invalid UTF-8 in string (byte 0xed)"},      // surrogate
      {"[\"\xF4\x90\x80\x80\"]", 1, 3, "/0", "invalid UTF-8 in string (byte 0xf4)"},  // > U+10FFFF
      {"[\"\xE2\x82\"]", 1, 3, "/0", "invalid UTF-8 in string (byte 0xe2)"},          // truncated
      {"[\"\xFF\"]", 1, 3, "/0", "invalid UTF-8 in string (byte 0xff)"},
      {"[\"ok\", \xFF]", 1, 8, "/1", "expected a value, found byte 0xff"},
      {std::string("[\0]", 3), 1, 2, "/0", "expected a value, found byte 0x00"},
      {"[\xC3\xA9]", 1, 2, "/0", "expected a value, found '\xC3\xA9'"},
      {"[1] 2", 1, 5, "", "unexpected '2' after the end of the JSON value"},
      {"// c\n1", 1, 1, "", "comments are not allowed in JSON"},
      {"[1, /* c */ 2]", 1, 5, "", "comments are not allowed in JSON"},
      {"{\"k\": {\"j\": [true, {\"x\": ]}}}", 1, 26, "/k/j/1/x", "expected a value, found ']'"},
  };
  for (const Case& c : cases) {
    INFO("input: " << c.text);
    SyntaxFailure f = failure(c.text);
    CHECK(f.message.find(c.message) != std::string::npos);
    INFO("message: " << f.message);
    CHECK(f.line == c.line);
    CHECK(f.column == c.column);
    CHECK(f.pointer == c.pointer);
  }
}

TEST_CASE("json: nesting is limited, never a stack overflow", "[json]") {
  CHECK_NOTHROW(
      parseJsonWithPositions(std::string(kJsonMaxDepth, '[') + std::string(kJsonMaxDepth, ']')));
  SyntaxFailure f =
      failure(std::string(kJsonMaxDepth + 1, '[') + std::string(kJsonMaxDepth + 1, ']'));
  CHECK(f.message == "nesting deeper than 128 levels");
  CHECK(f.column == kJsonMaxDepth + 1);
  CHECK(failure(std::string(100000, '[')).message == "nesting deeper than 128 levels");
  CHECK(failure(std::string(10 << 20, '[')).message == "nesting deeper than 128 levels");
  std::string objects;
  for (int i = 0; i < 1000; ++i) objects += "{\"a\":";
  CHECK(failure(objects).message == "nesting deeper than 128 levels");
}
