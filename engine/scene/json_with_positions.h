// A strict RFC 8259 JSON parser that also records where every value starts.
// nlohmann's parser gives no per-value positions, and scene errors must name
// FILE:LINE:COL, so the scene loader parses with this instead.
//
// Positions are 1-based; columns count UTF-8 code points (what editors show as
// characters), a leading UTF-8 byte order mark is skipped and not counted.
// Lines end at '\n' ("\r\n" counts once; '\r' does not advance the column).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace mq::scene {

// JSON pointer (RFC 6901) -> (line, column) of the value's first character.
using JsonPositions = std::map<std::string, std::pair<int, int>>;

struct ParsedJson {
  nlohmann::json value;  // integers that fit int64 are number_integer, others double
  JsonPositions positions;
};

class JsonSyntaxError : public std::runtime_error {
 public:
  JsonSyntaxError(int line, int column, std::string pointer, const std::string& message)
      : std::runtime_error(message), line(line), column(column), pointer(std::move(pointer)) {}
  int line, column;
  std::string pointer;  // the value (or container) being read when the error was found
};

inline constexpr int kJsonMaxDepth = 128;

// Parses one JSON text. Rejects comments, trailing commas, NaN/Infinity,
// invalid UTF-8, unpaired surrogates, duplicate keys, numbers beyond double
// range and nesting deeper than kJsonMaxDepth, with JsonSyntaxError. Never
// throws anything else except std::bad_alloc.
ParsedJson parseJsonWithPositions(std::string_view text);

// Appends "/" + token to a JSON pointer, escaping '~' as ~0 and '/' as ~1.
void appendPointerToken(std::string& pointer, std::string_view token);
std::string childPointer(const std::string& pointer, std::string_view token);

}  // namespace mq::scene
