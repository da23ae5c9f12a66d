#include "data/text_template.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/error.h"

namespace mq::data {

namespace {

// Offsets in messages count characters, not bytes, so "€" before an error
// does not shift the reported place by two.
std::size_t charOffset(std::string_view s, std::size_t byteIndex) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < byteIndex && i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Shortest decimal that reads back as the same double, never in exponent
// form (1000000, not 1e+06, which is what a viewer counter must show).
std::string plainNumber(double v) {
  if (v == 0) return "0";  // also turns -0 into 0
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

void appendPlain(const Value& v, std::string_view listSeparator, std::string& out) {
  if (v.isNumber()) {
    out += plainNumber(v.number());
  } else if (v.isString()) {
    out += v.string();
  } else {
    bool first = true;
    for (const Value& item : v.list()) {
      if (!first) out += listSeparator;
      first = false;
      appendPlain(item, listSeparator, out);
    }
  }
}

std::string currencyPrefix(std::string_view code) {
  if (code == "EUR") return "\xE2\x82\xAC";  // €
  if (code == "USD") return "$";
  if (code == "GBP") return "\xC2\xA3";  // £
  return std::string(code) + " ";
}

}  // namespace

std::string formatNumber(double value, int decimals, std::string_view thousands,
                         std::string_view decimalPoint) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value < 0 ? "-\xE2\x88\x9E" : "\xE2\x88\x9E";
  decimals = std::clamp(decimals, 0, 17);
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, decimals);
  std::string_view digits(buf, static_cast<std::size_t>(r.ptr - buf));
  bool negative = !digits.empty() && digits.front() == '-';
  if (negative) digits.remove_prefix(1);
  // A value that rounds to zero is written without a sign: "-0.00" reads as a bug.
  if (digits.find_first_not_of("0.") == std::string_view::npos) negative = false;
  std::size_t point = digits.find('.');
  std::string_view whole = digits.substr(0, point);
  std::string out = negative ? "-" : "";
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) out += thousands;
    out += whole[i];
  }
  if (point != std::string_view::npos) {
    out += decimalPoint;
    out += digits.substr(point + 1);
  }
  return out;
}

TextTemplate TextTemplate::compile(std::string_view source, FormatOptions options,
                                   std::string_view where) {
  TextTemplate t;
  t.source_ = std::string(source);
  t.options_ = std::move(options);
  auto fail = [&](const std::string& what, std::size_t byteIndex) -> UserError {
    return UserError(std::string(where) + ": " + what + " at offset " +
                     std::to_string(charOffset(source, byteIndex)) + " in \"" +
                     std::string(source) + "\"");
  };
  auto addName = [&](const std::string& name) {
    if (std::find(t.names_.begin(), t.names_.end(), name) == t.names_.end()) {
      t.names_.push_back(name);
    }
  };

  std::string literal;
  auto flushLiteral = [&] {
    if (literal.empty()) return;
    t.parts_.push_back(Part{Kind::Literal, std::move(literal)});
    literal.clear();
  };

  std::size_t i = 0;
  while (i < source.size()) {
    char c = source[i];
    if (c == '}') {
      if (i + 1 < source.size() && source[i + 1] == '}') {
        literal += '}';
        i += 2;
        continue;
      }
      throw fail("unmatched '}' (write '}}' for a literal brace)", i);
    }
    if (c != '{') {
      literal += c;
      ++i;
      continue;
    }
    if (i + 1 < source.size() && source[i + 1] == '{') {
      literal += '{';
      i += 2;
      continue;
    }
    std::size_t open = i;
    // Find the closing brace. Inside plural forms (after the first '|'), "{{"
    // and "}}" are literal braces like outside, so forms can show them; in the
    // name and format part a brace is always structural.
    std::size_t close = std::string_view::npos;
    std::size_t bar = std::string_view::npos;
    std::vector<std::string> forms;
    for (std::size_t k = open + 1; k < source.size(); ++k) {
      char ch = source[k];
      bool doubled = k + 1 < source.size() && source[k + 1] == ch;
      if (ch == '|') {
        if (bar == std::string_view::npos) bar = k - open - 1;
        forms.emplace_back();
        continue;
      }
      if ((ch == '{' || ch == '}') && !forms.empty() && doubled) {
        forms.back() += ch;
        ++k;
        continue;
      }
      if (ch == '{') {
        throw fail("'{' inside a placeholder (the one opened at offset " +
                       std::to_string(charOffset(source, open)) + ")",
                   k);
      }
      if (ch == '}') {
        close = k;
        break;
      }
      if (!forms.empty()) forms.back() += ch;
    }
    if (close == std::string_view::npos) throw fail("unclosed '{'", open);
    std::string_view body = source.substr(open + 1, close - open - 1);
    std::size_t bodyStart = open + 1;

    Part part;
    std::size_t colon = body.find(':');
    std::size_t nameEnd = std::min({bar, colon, body.size()});
    std::string_view name = trim(body.substr(0, nameEnd));
    if (name.empty()) throw fail("empty placeholder (expected a data name)", bodyStart);
    if (!isValidName(name)) {
      throw fail("\"" + std::string(name) +
                     "\" is not a valid data name (letters, digits, '_', '-', dots)",
                 bodyStart);
    }
    part.text = std::string(name);

    if (bar != std::string_view::npos) {
      if (colon != std::string_view::npos && colon < bar) {
        throw fail("a placeholder takes a format or plural forms, not both", bodyStart + colon);
      }
      part.forms = std::move(forms);
      if (part.forms.size() != 2 && part.forms.size() != 3) {
        throw fail("plural needs 2 forms (one|other) or 3 (zero|one|other), got " +
                       std::to_string(part.forms.size()),
                   bodyStart + bar);
      }
      part.kind = Kind::Plural;
    } else if (colon != std::string_view::npos) {
      std::string_view spec = trim(body.substr(colon + 1));
      std::size_t specAt = bodyStart + colon + 1;
      const std::string expected =
          "unknown format \"" + std::string(spec) +
          "\" (expected n0..n9, f0..f9, p0..p9 or c followed by a currency code, e.g. c EUR)";
      if (spec.size() == 2 && (spec[0] == 'n' || spec[0] == 'f' || spec[0] == 'p') &&
          spec[1] >= '0' && spec[1] <= '9') {
        part.kind = spec[0] == 'n' ? Kind::Grouped : spec[0] == 'f' ? Kind::Fixed : Kind::Percent;
        part.decimals = spec[1] - '0';
      } else if (!spec.empty() && spec[0] == 'c') {
        std::string_view code = trim(spec.substr(1));
        bool ok = code.size() == 3 && std::all_of(code.begin(), code.end(),
                                                  [](char ch) { return ch >= 'A' && ch <= 'Z'; });
        if (!ok) {
          throw fail("currency format needs a three-letter code in capitals (c EUR, c USD, c GBP)",
                     specAt);
        }
        part.kind = Kind::Currency;
        part.decimals = 2;
        part.currencyPrefix = currencyPrefix(code);
      } else {
        throw fail(expected, specAt);
      }
    } else {
      part.kind = Kind::Plain;
    }
    flushLiteral();
    addName(part.text);
    t.parts_.push_back(std::move(part));
    i = close + 1;
  }
  flushLiteral();
  return t;
}

RenderResult TextTemplate::render(const DataStore& store) const {
  RenderResult result;
  auto note = [](std::vector<std::string>& list, const std::string& name) {
    if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
  };
  const std::string& sep = options_.thousandsSeparator;
  const std::string& dp = options_.decimalSeparator;
  for (const Part& part : parts_) {
    if (part.kind == Kind::Literal) {
      result.text += part.text;
      continue;
    }
    std::optional<Value> value = store.get(part.text);
    if (!value) {
      result.text += options_.missingMarker;
      note(result.missing, part.text);
      continue;
    }
    if (part.kind == Kind::Plain) {
      appendPlain(*value, options_.listSeparator, result.text);
      continue;
    }
    // Formats and plurals need a number; plurals also count a list.
    std::optional<double> n;
    if (value->isNumber()) n = value->number();
    if (part.kind == Kind::Plural) n = numericView(*value);
    if (!n || !std::isfinite(*n)) {
      result.text += options_.missingMarker;
      note(result.mismatched, part.text);
      continue;
    }
    switch (part.kind) {
      case Kind::Grouped:
        result.text += formatNumber(*n, part.decimals, sep, dp);
        break;
      case Kind::Fixed:
        result.text += formatNumber(*n, part.decimals, "", dp);
        break;
      case Kind::Percent:
        result.text += formatNumber(*n * 100.0, part.decimals, sep, dp) + "%";
        break;
      case Kind::Currency: {
        std::string amount = formatNumber(*n, 2, sep, dp);
        if (amount.front() == '-') {
          result.text += "-" + part.currencyPrefix + amount.substr(1);
        } else {
          result.text += part.currencyPrefix + amount;
        }
        break;
      }
      case Kind::Plural:
        if (part.forms.size() == 3 && *n == 0) {
          result.text += part.forms[0];
        } else {
          std::size_t base = part.forms.size() - 2;
          result.text += part.forms[*n == 1 ? base : base + 1];
        }
        break;
      default:
        break;
    }
  }
  return result;
}

}  // namespace mq::data
