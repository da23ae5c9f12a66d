// Text templates for show graphics: "Only {stock.blue_xl} Blue XLs left!".
// Compiled once, rendered every frame (or only when an input's version changes).
//
// Placeholders:
//   {name}            number (shortest form, no grouping: 51000, 0.25), string
//                     as-is, list joined with ", " (FormatOptions::listSeparator)
//   {name:n0}         number grouped in thousands with N decimals (n0..n9):
//                     51,000 / 1,234.57
//   {name:f2}         fixed N decimals (f0..f9), no grouping: 1234.57
//   {name:p1}         ratio as percent with N decimals (p0..p9): 0.1234 -> 12.3%
//   {name:c EUR}      currency, 2 decimals, grouped, symbol first with no
//                     space: EUR -> €79.00, USD -> $79.00, GBP -> £1,299.00; any
//                     other three-letter code is written before the amount with
//                     a space (CHF 79.00). Negative: -€5.00.
//   {name|one|other}  English plural: "one" when the value is exactly 1
//   {name|zero|one|other}  the same, with "zero" for exactly 0
//   {{ and }}         literal braces (also inside plural forms)
// A list counts its entries for plurals. Rounding is to nearest (of the
// double's exact value); "-0.00" is written "0.00".
// A missing value renders as the missing marker (default "—") and its name is
// reported; a value of the wrong type (a string with :n0) likewise, in
// `mismatched`. Parse errors are UserErrors with the character (code point)
// offset, counted from 0, of the offending place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/data_store.h"

namespace mq::data {

struct FormatOptions {
  std::string thousandsSeparator = ",";
  std::string decimalSeparator = ".";
  std::string missingMarker = "\xE2\x80\x94";  // "—"
  std::string listSeparator = ", ";            // a ticker uses its own separator
};

// Locale-free number formatting shared by templates: `decimals` fixed
// decimals, groups of three digits separated by `thousands` ("" = none).
std::string formatNumber(double value, int decimals, std::string_view thousands = ",",
                         std::string_view decimalPoint = ".");

struct RenderResult {
  std::string text;
  std::vector<std::string> missing;     // names with no value (in template order, once each)
  std::vector<std::string> mismatched;  // names whose value has the wrong type for its format
};

class TextTemplate {
 public:
  // Throws UserError "<where>: ... at offset N" on a malformed template.
  static TextTemplate compile(std::string_view source, FormatOptions options = {},
                              std::string_view where = "text template");

  RenderResult render(const DataStore& store) const;

  // The names the template reads, once each: pass them to
  // DataStore::version(names) to re-render only when one changed.
  const std::vector<std::string>& names() const { return names_; }
  const std::string& source() const { return source_; }

 private:
  enum class Kind { Literal, Plain, Grouped, Fixed, Percent, Currency, Plural };
  struct Part {
    Kind kind = Kind::Literal;
    std::string text;  // Literal: the text; Plain..Plural: the data name
    int decimals = 0;
    std::string currencyPrefix;      // "€", "$", "£" or "CHF "
    std::vector<std::string> forms;  // Plural: {one, other} or {zero, one, other}
  };

  std::string source_;
  FormatOptions options_;
  std::vector<Part> parts_;
  std::vector<std::string> names_;
};

}  // namespace mq::data
