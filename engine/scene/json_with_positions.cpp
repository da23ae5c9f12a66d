#include "scene/json_with_positions.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>

namespace mq::scene {

void appendPointerToken(std::string& pointer, std::string_view token) {
  pointer += '/';
  for (char c : token) {
    if (c == '~')
      pointer += "~0";
    else if (c == '/')
      pointer += "~1";
    else
      pointer += c;
  }
}

std::string childPointer(const std::string& pointer, std::string_view token) {
  std::string out = pointer;
  appendPointerToken(out, token);
  return out;
}

namespace {

using json = nlohmann::json;

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not valid
// (overlong forms, UTF-16 surrogates and values above U+10FFFF are invalid).
size_t utf8SequenceLength(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  unsigned c = at(i);
  auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
    unsigned b = at(k);  // 0 past the end, which is never in range
    return b >= lo && b <= hi;
  };
  if (c < 0x80) return i < s.size() ? 1 : 0;
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c == 0xE0) return cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(i + 1) && cont(i + 2) ? 3 : 0;
  if (c == 0xED) return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0;
  if (c == 0xF0) return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c == 0xF4) return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  return 0;
}

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isAlnum(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  ParsedJson run() {
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") i_ = 3;  // BOM: editors hide it, so don't count it
    skipWhitespace();
    if (atEnd())
      fail(i_ == 0 ? "empty file; expected a JSON value"
                   : "expected a JSON value, found end of file");
    ParsedJson out;
    out.value = parseValue();
    skipWhitespace();
    if (!atEnd()) fail("unexpected " + found() + " after the end of the JSON value");
    out.positions = std::move(positions_);
    return out;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
  int line_ = 1, col_ = 1;
  int depth_ = 0;
  std::string pointer_;
  JsonPositions positions_;

  bool atEnd() const { return i_ >= s_.size(); }
  char peek() const { return atEnd() ? '\0' : s_[i_]; }

  void advance() {
    unsigned char c = static_cast<unsigned char>(s_[i_++]);
    if (c == '\n') {
      ++line_;
      col_ = 1;
    } else if ((c & 0xC0) != 0x80 && c != '\r') {  // continuation bytes share their lead's column
      ++col_;
    }
  }

  [[noreturn]] void fail(const std::string& message) { failAt(line_, col_, message); }
  [[noreturn]] void failAt(int line, int col, const std::string& message) {
    throw JsonSyntaxError(line, col, pointer_, message);
  }

  static std::string where(int line, int col) {
    return "line " + std::to_string(line) + ", column " + std::to_string(col);
  }

  // What is at the cursor, quoted, for "found ..." in messages; never echoes invalid UTF-8.
  std::string found() const {
    if (atEnd()) return "end of file";
    unsigned char c = static_cast<unsigned char>(s_[i_]);
    if (c >= 0x21 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    if (c >= 0x80) {
      if (size_t n = utf8SequenceLength(s_, i_)) return "'" + std::string(s_.substr(i_, n)) + "'";
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02x", c);
    return buf;
  }

  void skipWhitespace() {
    while (!atEnd()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        advance();
      } else if (c == '/' && i_ + 1 < s_.size() && (s_[i_ + 1] == '/' || s_[i_ + 1] == '*')) {
        fail("comments are not allowed in JSON");
      } else {
        return;
      }
    }
  }

  json parseValue() {
    positions_.emplace(pointer_, std::pair{line_, col_});
    char c = peek();
    if (c == '{') return parseObject();
    if (c == '[') return parseArray();
    if (c == '"') return json(parseString());
    if (c == '-' || isDigit(c)) return parseNumber();
    if (isAlnum(c)) return parseWord();
    fail("expected a value, found " + found());
  }

  void enter() {
    if (++depth_ > kJsonMaxDepth)
      fail("nesting deeper than " + std::to_string(kJsonMaxDepth) + " levels");
  }

  json parseObject() {
    int openLine = line_, openCol = col_;
    enter();
    advance();  // '{'
    json obj = json::object();
    auto& members = obj.get_ref<json::object_t&>();
    skipWhitespace();
    if (peek() == '}') {
      advance();
      --depth_;
      return obj;
    }
    const size_t base = pointer_.size();
    for (;;) {
      skipWhitespace();
      if (peek() != '"') {
        if (peek() == '}') fail("trailing comma before '}' is not allowed in JSON");
        if (atEnd())
          failAt(
              line_, col_,
              "unexpected end of file inside object (opened at " + where(openLine, openCol) + ")");
        fail("expected a '\"'-quoted key, found " + found());
      }
      int keyLine = line_, keyCol = col_;
      std::string key = parseString();
      appendPointerToken(pointer_, key);
      if (members.count(key)) {
        auto first = positions_.find(pointer_);
        std::string at =
            first != positions_.end()
                ? " (first value at " + where(first->second.first, first->second.second) + ")"
                : "";
        failAt(keyLine, keyCol, "duplicate key " + json(key).dump() + " in object" + at);
      }
      skipWhitespace();
      if (peek() != ':') fail("expected ':' after object key, found " + found());
      advance();
      skipWhitespace();
      if (atEnd()) fail("expected a value after ':', found end of file");
      members.emplace(std::move(key), parseValue());
      pointer_.resize(base);
      skipWhitespace();
      if (peek() == ',') {
        advance();
        continue;
      }
      if (peek() == '}') {
        advance();
        --depth_;
        return obj;
      }
      if (atEnd())
        fail("unexpected end of file inside object (opened at " + where(openLine, openCol) + ")");
      fail("expected ',' or '}' after object member, found " + found());
    }
  }

  json parseArray() {
    int openLine = line_, openCol = col_;
    enter();
    advance();  // '['
    json arr = json::array();
    auto& elements = arr.get_ref<json::array_t&>();
    skipWhitespace();
    if (peek() == ']') {
      advance();
      --depth_;
      return arr;
    }
    const size_t base = pointer_.size();
    for (;;) {
      skipWhitespace();
      if (peek() == ']') fail("trailing comma before ']' is not allowed in JSON");
      if (atEnd())
        fail("unexpected end of file inside array (opened at " + where(openLine, openCol) + ")");
      appendPointerToken(pointer_, std::to_string(elements.size()));
      elements.push_back(parseValue());
      pointer_.resize(base);
      skipWhitespace();
      if (peek() == ',') {
        advance();
        continue;
      }
      if (peek() == ']') {
        advance();
        --depth_;
        return arr;
      }
      if (atEnd())
        fail("unexpected end of file inside array (opened at " + where(openLine, openCol) + ")");
      fail("expected ',' or ']' after array element, found " + found());
    }
  }

  json parseWord() {
    size_t start = i_;
    int line = line_, col = col_;
    while (!atEnd() && isAlnum(s_[i_])) advance();
    std::string_view word = s_.substr(start, i_ - start);
    if (word == "true") return json(true);
    if (word == "false") return json(false);
    if (word == "null") return json(nullptr);
    if (word == "NaN" || word == "nan" || word == "Infinity" || word == "inf")
      failAt(line, col, "'" + std::string(word) + "' is not valid JSON; numbers must be finite");
    if (word.size() > 20) word = word.substr(0, 20);
    failAt(line, col, "expected a value, found '" + std::string(word) + "'");
  }

  void digits(const char* what) {
    if (!isDigit(peek())) fail(std::string("expected a digit ") + what + ", found " + found());
    while (isDigit(peek())) advance();
  }

  json parseNumber() {
    size_t start = i_;
    int line = line_, col = col_;
    bool negative = peek() == '-';
    if (negative) {
      advance();
      if (peek() == 'I') failAt(line, col, "'-Infinity' is not valid JSON; numbers must be finite");
    }
    if (peek() == '0') {
      advance();
      if (isDigit(peek())) fail("leading zeros are not allowed in JSON numbers");
    } else {
      digits("after '-'");  // without '-', the dispatch already saw a digit
    }
    bool integer = true;
    if (peek() == '.') {
      integer = false;
      advance();
      digits("after '.'");
    }
    // Decimal exponent of the leading significant digit, to tell overflow from underflow.
    long long magnitude = 0;
    {
      std::string_view m = s_.substr(start, i_ - start);
      size_t k = m.find_first_of("123456789");
      size_t dot = m.find('.');
      if (dot == std::string_view::npos) dot = m.size();
      if (k != std::string_view::npos)
        magnitude =
            k < dot ? static_cast<long long>(dot - k - 1) : -static_cast<long long>(k - dot);
    }
    if (peek() == 'e' || peek() == 'E') {
      integer = false;
      advance();
      bool negExp = false;
      if (peek() == '+' || peek() == '-') {
        negExp = peek() == '-';
        advance();
      }
      size_t expStart = i_;
      digits("in the exponent");
      long long e = 0;
      for (size_t k = expStart; k < i_; ++k) e = std::min(e * 10 + (s_[k] - '0'), 1000000000LL);
      magnitude += negExp ? -e : e;
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + i_;
    if (integer) {
      int64_t v = 0;
      if (std::from_chars(first, last, v).ec == std::errc()) return json(v);
    }
    double d = 0;
    auto result = std::from_chars(first, last, d);
    if (result.ec == std::errc::result_out_of_range) {
      if (magnitude >= 0)
        failAt(line, col,
               "number out of range: " + std::string(first, std::min<size_t>(last - first, 40)));
      d = negative ? -0.0 : 0.0;  // underflow: closer to zero than any double
    }
    return json(d);
  }

  uint32_t hex4() {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = peek();
      int h = isDigit(c)               ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (h < 0) fail("expected 4 hex digits after \\u, found " + found());
      v = v * 16 + uint32_t(h);
      advance();
    }
    return v;
  }

  std::string parseString() {
    int openLine = line_, openCol = col_;
    advance();  // '"'
    std::string out;
    for (;;) {
      if (atEnd())
        fail("unexpected end of file inside string (started at " + where(openLine, openCol) + ")");
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        advance();
        return out;
      }
      if (c == '\\') {
        int escLine = line_, escCol = col_;
        advance();
        char e = peek();
        if (atEnd()) continue;  // reported as end of file inside string
        advance();
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            uint32_t cp = hex4();
            if (cp >= 0xDC00 && cp <= 0xDFFF)
              failAt(escLine, escCol, "unpaired UTF-16 low surrogate in \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              if (peek() != '\\' || i_ + 1 >= s_.size() || s_[i_ + 1] != 'u')
                failAt(escLine, escCol, "unpaired UTF-16 high surrogate in \\u escape");
              advance();
              advance();
              uint32_t low = hex4();
              if (low < 0xDC00 || low > 0xDFFF)
                failAt(escLine, escCol, "UTF-16 high surrogate not followed by a low surrogate");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            appendUtf8(out, cp);
            break;
          }
          default:
            failAt(escLine, escCol,
                   e > 0x20 && e < 0x7F ? "invalid escape '\\" + std::string(1, e) + "' in string"
                                        : std::string("invalid escape in string"));
        }
        continue;
      }
      if (c == '\n')
        fail("line break inside string; write it as \\n (or is a closing '\"' missing?)");
      if (c < 0x20) {
        char buf[80];
        std::snprintf(buf, sizeof buf,
                      "control character 0x%02x inside string; write it as \\u%04x", c, c);
        fail(buf);
      }
      size_t n = utf8SequenceLength(s_, i_);
      if (n == 0) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "invalid UTF-8 in string (byte 0x%02x)", c);
        fail(buf);
      }
      out.append(s_.substr(i_, n));
      for (size_t k = 0; k < n; ++k) advance();
    }
  }
};

}  // namespace

ParsedJson parseJsonWithPositions(std::string_view text) {
  return Parser(text).run();
}

}  // namespace mq::scene
