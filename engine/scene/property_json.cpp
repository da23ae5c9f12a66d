#include "scene/property_json.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "scene/json_with_positions.h"

namespace mq::scene {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

std::string jsonQuoted(std::string_view text) {
  constexpr size_t kMax = 60;
  std::string s(text.substr(0, kMax));
  bool cut = text.size() > kMax;
  if (cut) {
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
    if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.pop_back();  // partial lead
  }
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace) + (cut ? "..." : "");
}

std::string formatNumber(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15)
    return std::to_string(static_cast<long long>(value));
  return json(value).dump();
}

ojson numberToJson(double value) {
  // Integral values are written without ".0": friendlier, and they load back
  // as the same double, so saving stays stable.
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15)
    return ojson(static_cast<int64_t>(value));
  return ojson(value);
}

std::string describeJson(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case json::value_t::string:
      return jsonQuoted(value.get_ref<const std::string&>());
    case json::value_t::array:
      if (value.empty()) return "an empty array";
      return "an array of " + std::to_string(value.size()) +
             (value.size() == 1 ? " element" : " elements");
    case json::value_t::object:
      return "an object";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return value.dump();
    case json::value_t::number_float:
      return formatNumber(value.get<double>());
    default:
      return "an unsupported value";
  }
}

namespace {

// Case-insensitive edit distance where swapping two neighbours counts as one
// edit ("widht" -> "width"), the commonest typo.
size_t editDistance(std::string_view a, std::string_view b) {
  auto same = [&](size_t i, size_t j) {
    return std::tolower(static_cast<unsigned char>(a[i])) ==
           std::tolower(static_cast<unsigned char>(b[j]));
  };
  const size_t w = b.size() + 1;
  std::vector<size_t> d((a.size() + 1) * w);
  for (size_t i = 0; i <= a.size(); ++i) d[i * w] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t best = std::min({d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1,
                              d[(i - 1) * w + j - 1] + (same(i - 1, j - 1) ? 0 : 1)});
      if (i > 1 && j > 1 && same(i - 1, j - 2) && same(i - 2, j - 1))
        best = std::min(best, d[(i - 2) * w + j - 2] + 1);
      d[i * w + j] = best;
    }
  }
  return d[a.size() * w + b.size()];
}

std::string range(double min, double max) {
  return "[" + formatNumber(min) + ", " + formatNumber(max) + "]";
}

class Reader {
 public:
  Reader(const PropertyDesc& desc, std::vector<ValueProblem>& problems)
      : d_(desc), problems_(problems) {}

  std::optional<PropertyValue> read(const json& v, const std::string& ptr) {
    switch (d_.type) {
      case PropType::Float:
        return wrap(number(v, ptr));
      case PropType::Bool:
        if (v.is_boolean()) return v.get<bool>();
        return problem(ptr, "expected true or false, found " + describeJson(v));
      case PropType::Vec2:
        return vec2(v, ptr);
      case PropType::Insets:
        return insets(v, ptr);
      case PropType::Color:
        return wrap(color(v, ptr));
      case PropType::String:
        if (v.is_string()) return v.get<std::string>();
        return problem(ptr, "expected a string, found " + describeJson(v));
      case PropType::Path:
        // A NUL would silently cut the path short in every OS call.
        if (v.is_string() && !v.get_ref<const std::string&>().empty() &&
            v.get_ref<const std::string&>().find('\0') == std::string::npos)
          return v.get<std::string>();
        return problem(ptr, "expected a file path (a non-empty string), found " + describeJson(v));
      case PropType::Enum:
        return enumeration(v, ptr);
      case PropType::Stops:
        return stops(v, ptr);
    }
    return std::nullopt;
  }

 private:
  const PropertyDesc& d_;
  std::vector<ValueProblem>& problems_;

  template <typename T>
  static std::optional<PropertyValue> wrap(const std::optional<T>& v) {
    if (v) return PropertyValue(*v);
    return std::nullopt;
  }

  std::nullopt_t problem(const std::string& ptr, std::string message) {
    problems_.push_back({ptr, std::move(message)});
    return std::nullopt;
  }

  std::optional<double> number(const json& v, const std::string& ptr, double min, double max) {
    // The JSON parser never produces NaN or infinities; the check keeps values
    // from other sources (control API) honest too.
    if (v.is_number()) {
      double x = v.get<double>();
      if (std::isfinite(x) && x >= min && x <= max) return x;
    }
    problems_.push_back(
        {ptr, "expected a number in " + range(min, max) + ", found " + describeJson(v)});
    return std::nullopt;
  }
  std::optional<double> number(const json& v, const std::string& ptr) {
    return number(v, ptr, d_.min, d_.max);
  }

  // Reads an array of exactly n numbers; nullopt (with problems) otherwise.
  std::optional<std::vector<double>> numbers(const json& v, const std::string& ptr, size_t n,
                                             const char* shape) {
    if (!v.is_array() || v.size() != n)
      return problem(ptr, std::string("expected ") + shape + ", each a number in " +
                              range(d_.min, d_.max) + ", found " + describeJson(v));
    std::vector<double> out;
    for (size_t i = 0; i < n; ++i)
      if (auto x = number(v[i], childPointer(ptr, std::to_string(i)))) out.push_back(*x);
    if (out.size() != n) return std::nullopt;
    return out;
  }

  std::optional<PropertyValue> vec2(const json& v, const std::string& ptr) {
    auto xs = numbers(v, ptr, 2, "[x, y]");
    if (!xs) return std::nullopt;
    return Vec2{(*xs)[0], (*xs)[1]};
  }

  std::optional<PropertyValue> insets(const json& v, const std::string& ptr) {
    if (v.is_number()) {  // one number: the same inset on all four sides
      auto x = number(v, ptr);
      if (!x) return std::nullopt;
      return Insets{*x, *x, *x, *x};
    }
    auto xs = numbers(v, ptr, 4, "a number or [left, top, right, bottom]");
    if (!xs) return std::nullopt;
    return Insets{(*xs)[0], (*xs)[1], (*xs)[2], (*xs)[3]};
  }

  std::optional<Color> color(const json& v, const std::string& ptr) {
    if (v.is_string())
      if (auto c = parseColor(v.get_ref<const std::string&>())) return c;
    problems_.push_back(
        {ptr, "expected a colour \"#rrggbb\" or \"#rrggbbaa\", found " + describeJson(v)});
    return std::nullopt;
  }

  std::optional<PropertyValue> enumeration(const json& v, const std::string& ptr) {
    std::vector<std::string> choices(d_.choices.begin(), d_.choices.end());
    if (v.is_string()) {
      auto it = std::find(choices.begin(), choices.end(), v.get_ref<const std::string&>());
      if (it != choices.end()) return int64_t(it - choices.begin());
    }
    std::string list;
    for (const std::string& c : choices) list += (list.empty() ? "" : ", ") + jsonQuoted(c);
    return problem(ptr, "expected one of " + list + ", found " + describeJson(v) +
                            (v.is_string() ? didYouMean(v.get<std::string>(), choices) : ""));
  }

  std::optional<PropertyValue> stops(const json& v, const std::string& ptr) {
    if (!v.is_array() || v.size() < 2)
      return problem(ptr,
                     "expected an array of at least 2 gradient stops "
                     "{\"offset\": number, \"color\": colour}, found " +
                         describeJson(v));
    Stops out;
    bool ok = true;
    for (size_t i = 0; i < v.size(); ++i) {
      const json& s = v[i];
      std::string sp = childPointer(ptr, std::to_string(i));
      if (!s.is_object()) {
        problem(sp, "expected a gradient stop {\"offset\": number, \"color\": colour}, found " +
                        describeJson(s));
        ok = false;
        continue;
      }
      for (const auto& [key, value] : s.items()) {
        if (key != "offset" && key != "color") {
          problem(childPointer(sp, key), "unknown key " + jsonQuoted(key) +
                                             " in a gradient stop; expected \"offset\" and "
                                             "\"color\"" +
                                             didYouMean(key, {"offset", "color"}));
          ok = false;
        }
      }
      GradientStop stop;
      for (const char* key : {"offset", "color"}) {
        if (!s.contains(key)) {
          problem(childPointer(sp, key), std::string("missing \"") + key + "\" in gradient stop");
          ok = false;
        }
      }
      if (s.contains("offset")) {
        std::string op = childPointer(sp, "offset");
        if (auto x = number(s.at("offset"), op)) {
          if (!out.empty() && *x < out.back().offset) {
            problem(op, "gradient stop offsets must not decrease: " + formatNumber(*x) +
                            " follows " + formatNumber(out.back().offset));
            ok = false;
          }
          stop.offset = *x;
        } else {
          ok = false;
        }
      }
      if (s.contains("color")) {
        if (auto c = color(s.at("color"), childPointer(sp, "color")))
          stop.color = *c;
        else
          ok = false;
      }
      out.push_back(stop);
    }
    if (!ok) return std::nullopt;
    return out;
  }
};

}  // namespace

std::string didYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.size() > 64) return "";  // no key is that long; don't spend time on it
  const std::string* best = nullptr;
  size_t bestDistance = 0;
  for (const std::string& c : candidates) {
    size_t d = editDistance(word, c);
    if (d < std::max<size_t>(1, c.size() / 3) + 1 && d < std::max(word.size(), c.size()) &&
        (!best || d < bestDistance)) {
      best = &c;
      bestDistance = d;
    }
  }
  return best ? "; did you mean " + jsonQuoted(*best) + "?" : "";
}

std::optional<PropertyValue> propertyFromJson(const PropertyDesc& desc, const json& value,
                                              const std::string& pointer,
                                              std::vector<ValueProblem>& problems) {
  return Reader(desc, problems).read(value, pointer);
}

ojson propertyToJson(const PropertyDesc& desc, const PropertyValue& value) {
  // get_if: a value of the wrong type (a bug elsewhere) is written as null
  // rather than crashing the save.
  switch (desc.type) {
    case PropType::Float:
      if (auto* x = std::get_if<double>(&value)) return numberToJson(*x);
      break;
    case PropType::Bool:
      if (auto* b = std::get_if<bool>(&value)) return *b;
      break;
    case PropType::Vec2:
      if (auto* v = std::get_if<Vec2>(&value))
        return ojson::array({numberToJson(v->x), numberToJson(v->y)});
      break;
    case PropType::Insets:
      if (auto* v = std::get_if<Insets>(&value))
        return ojson::array({numberToJson(v->left), numberToJson(v->top), numberToJson(v->right),
                             numberToJson(v->bottom)});
      break;
    case PropType::Color:
      if (auto* c = std::get_if<Color>(&value)) return formatColor(*c);
      break;
    case PropType::String:
    case PropType::Path:
      if (auto* s = std::get_if<std::string>(&value)) return *s;
      break;
    case PropType::Enum:
      if (auto* i = std::get_if<int64_t>(&value)) {
        if (*i >= 0 && size_t(*i) < desc.choices.size()) return desc.choices[size_t(*i)];
        return *i;
      }
      break;
    case PropType::Stops:
      if (auto* stops = std::get_if<Stops>(&value)) {
        ojson out = ojson::array();
        for (const GradientStop& s : *stops) {
          ojson stop = ojson::object();
          stop["offset"] = numberToJson(s.offset);
          stop["color"] = formatColor(s.color);
          out.push_back(std::move(stop));
        }
        return out;
      }
      break;
  }
  return nullptr;
}

}  // namespace mq::scene
