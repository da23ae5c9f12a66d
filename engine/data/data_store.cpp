#include "data/data_store.h"

#include <cmath>
#include <fstream>
#include <istream>

#include "core/error.h"

namespace mq::data {

using nlohmann::json;

namespace {

std::string q(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

// A short rendering of a JSON value for messages; long values are cut so one
// bad line does not flood the terminal.
std::string brief(const json& j) {
  std::string s = j.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string joinName(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  return std::string(prefix) + "." + std::string(key);
}

// Flattens nested objects into (dotted name, value) pairs. `allowNull` lets
// "set" use null for erase; initial data has no use for it.
void flatten(const json& object, std::string_view prefix, std::string_view where, bool allowNull,
             std::vector<std::pair<std::string, const json*>>& out) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    std::string name = joinName(prefix, it.key());
    if (!isValidName(name)) {
      throw UserError(std::string(where) + ": " + q(name) +
                      " is not a valid name (letters, digits, '_' and '-', "
                      "separated by single dots)");
    }
    if (it->is_object()) {
      flatten(*it, name, where, allowNull, out);
    } else if (it->is_null() && !allowNull) {
      throw UserError(std::string(where) + ": " + q(name) +
                      ": expected a number, a string or a list, got null");
    } else {
      out.emplace_back(std::move(name), &*it);
    }
  }
}

}  // namespace

const char* Value::typeName() const {
  if (isNumber()) return "number";
  if (isString()) return "string";
  return "list";
}

Value Value::fromJson(const json& j, std::string_view where) {
  if (j.is_number()) return Value(j.get<double>());
  if (j.is_string()) return Value(j.get<std::string>());
  if (j.is_array()) {
    List list;
    list.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) {
      list.push_back(fromJson(j[i], std::string(where) + "[" + std::to_string(i) + "]"));
    }
    return Value(std::move(list));
  }
  throw UserError(std::string(where) + ": expected a number, a string or a list, got " + brief(j));
}

json Value::toJson() const {
  if (isNumber()) return number();
  if (isString()) return string();
  json out = json::array();
  for (const Value& v : list()) out.push_back(v.toJson());
  return out;
}

std::optional<double> numericView(const Value& v) {
  if (v.isNumber()) return v.number();
  if (v.isList()) return static_cast<double>(v.list().size());
  return std::nullopt;
}

bool isValidName(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  char previous = 0;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok || (c == '.' && previous == '.')) return false;
    previous = c;
  }
  return true;
}

// ---- feed parsing -----------------------------------------------------------

FeedLine parseFeedLine(std::string_view text, std::string_view where) {
  const std::string expected =
      R"(expected a JSON object like {"t": 3.5, "set": {"viewers": 51000}})";
  auto fail = [&](const std::string& what) -> UserError {
    return UserError(std::string(where) + ": " + what);
  };
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    // nlohmann's byte position is 1-based and counts from the line start.
    throw fail("not valid JSON near column " + std::to_string(e.byte) + " (" + expected + ")");
  }
  if (!j.is_object()) throw fail(expected + ", got " + brief(j));

  FeedLine line;
  line.where = std::string(where);
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key != "t" && key != "set" && key != "add" && key != "push") {
      throw fail("unknown key " + q(key) + " (expected \"t\", \"set\", \"add\" or \"push\")");
    }
    if (key != "t" && !it->is_object()) {
      throw fail(q(key) + ": expected an object of name: value, got " + brief(*it));
    }
  }
  if (j.size() == (j.contains("t") ? 1u : 0u)) {
    throw fail("nothing to do (expected \"set\", \"add\" or \"push\")");
  }
  if (j.contains("t")) {
    const json& t = j["t"];
    if (!t.is_number() || !std::isfinite(t.get<double>()) || t.get<double>() < 0) {
      throw fail("\"t\": expected show seconds (a number >= 0), got " + brief(t));
    }
    line.t = t.get<double>();
  }
  // Fixed order set, add, push (not the object's key order, which nlohmann
  // sorts anyway) so the meaning of a line never depends on how it was written.
  if (j.contains("set")) {
    std::vector<std::pair<std::string, const json*>> pairs;
    flatten(j["set"], "", std::string(where) + ": \"set\"", true, pairs);
    for (auto& [name, value] : pairs) {
      FeedOp op;
      op.name = name;
      if (value->is_null()) {
        op.kind = FeedOp::Kind::Erase;
      } else {
        op.kind = FeedOp::Kind::Set;
        op.value = Value::fromJson(*value, std::string(where) + ": \"set\": " + q(name));
      }
      line.ops.push_back(std::move(op));
    }
  }
  if (j.contains("add")) {
    for (auto it = j["add"].begin(); it != j["add"].end(); ++it) {
      if (!isValidName(it.key())) throw fail("\"add\": " + q(it.key()) + " is not a valid name");
      if (!it->is_number()) {
        throw fail("\"add\": " + q(it.key()) + ": expected a number, got " + brief(*it));
      }
      FeedOp op;
      op.kind = FeedOp::Kind::Add;
      op.name = it.key();
      op.amount = it->get<double>();
      line.ops.push_back(std::move(op));
    }
  }
  if (j.contains("push")) {
    for (auto it = j["push"].begin(); it != j["push"].end(); ++it) {
      const std::string at = "\"push\": " + q(it.key());
      if (!isValidName(it.key())) throw fail("\"push\": " + q(it.key()) + " is not a valid name");
      FeedOp op;
      op.kind = FeedOp::Kind::Push;
      op.name = it.key();
      if (it->is_object()) {
        for (auto k = it->begin(); k != it->end(); ++k) {
          if (k.key() != "value" && k.key() != "max") {
            throw fail(at + ": unknown key " + q(k.key()) + " (expected \"value\", \"max\")");
          }
        }
        if (!it->contains("value")) throw fail(at + ": missing \"value\"");
        op.value = Value::fromJson((*it)["value"], std::string(where) + ": " + at + ": \"value\"");
        if (it->contains("max")) {
          const json& m = (*it)["max"];
          if (!m.is_number_integer() || m.get<long long>() < 1) {
            throw fail(at + ": \"max\": expected a whole number >= 1, got " + brief(m));
          }
          op.max = m.get<std::size_t>();
        }
      } else {
        op.value = Value::fromJson(*it, std::string(where) + ": " + at);
      }
      line.ops.push_back(std::move(op));
    }
  }
  return line;
}

namespace {

// Calls body(text, "NAME:LINE") for each line of a feed that holds data:
// blank lines and "#" comments are skipped, a trailing CR is dropped.
template <typename Body>
void forEachFeedLine(std::istream& in, std::string_view sourceName, Body&& body) {
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    std::size_t first = text.find_first_not_of(" \t");
    if (first == std::string::npos || text[first] == '#') continue;
    body(text, std::string(sourceName) + ":" + std::to_string(number));
  }
}

}  // namespace

std::vector<FeedLine> parseFeed(std::istream& in, std::string_view sourceName) {
  std::vector<FeedLine> lines;
  std::string errors;
  int errorCount = 0;
  forEachFeedLine(in, sourceName, [&](const std::string& text, const std::string& where) {
    try {
      lines.push_back(parseFeedLine(text, where));
    } catch (const UserError& e) {
      // Report every bad line at once: a script author fixes them in one pass.
      if (++errorCount <= 20) errors += std::string(errors.empty() ? "" : "\n") + e.what();
    }
  });
  if (errorCount > 20) errors += "\n(" + std::to_string(errorCount - 20) + " more bad lines)";
  if (errorCount > 0) throw UserError(errors);
  return lines;
}

std::vector<FeedLine> parseFeedFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw UserError(path.string() + ": cannot open the data feed");
  return parseFeed(in, path.string());
}

// ---- store ------------------------------------------------------------------

void DataStore::setLocked(std::string_view name, Value value) {
  auto it = entries_.find(name);
  if (it == entries_.end()) it = entries_.emplace(std::string(name), Entry{}).first;
  if (it->second.value && *it->second.value == value) return;
  it->second.value = std::move(value);
  it->second.version = ++counter_;
}

void DataStore::set(std::string_view name, Value value) {
  if (!isValidName(name)) throw UserError(q(name) + " is not a valid data name");
  std::lock_guard lock(mutex_);
  setLocked(name, std::move(value));
}

std::optional<Value> DataStore::get(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return it->second.value;
}

bool DataStore::contains(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  return it != entries_.end() && it->second.value.has_value();
}

bool DataStore::erase(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end() || !it->second.value) return false;
  it->second.value.reset();
  it->second.version = ++counter_;
  return true;
}

std::uint64_t DataStore::version(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  return it == entries_.end() ? 0 : it->second.version;
}

std::uint64_t DataStore::version(const std::vector<std::string>& names) const {
  std::lock_guard lock(mutex_);
  std::uint64_t v = 0;
  for (const std::string& name : names) {
    auto it = entries_.find(name);
    if (it != entries_.end()) v = std::max(v, it->second.version);
  }
  return v;
}

std::uint64_t DataStore::latestVersion() const {
  std::lock_guard lock(mutex_);
  return counter_;
}

std::vector<std::string> DataStore::names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, entry] : entries_) {
    if (entry.value) out.push_back(name);
  }
  return out;
}

void DataStore::loadInitial(const json& object, std::string_view where) {
  if (!object.is_object()) {
    throw UserError(std::string(where) + ": expected a JSON object of name: value, got " +
                    brief(object));
  }
  std::vector<std::pair<std::string, const json*>> pairs;
  flatten(object, "", where, false, pairs);
  // Convert everything before touching the store: a bad value leaves it as it was.
  std::vector<std::pair<std::string, Value>> values;
  for (auto& [name, j] : pairs) {
    values.emplace_back(name, Value::fromJson(*j, std::string(where) + ": " + q(name)));
  }
  std::lock_guard lock(mutex_);
  for (auto& [name, value] : values) setLocked(name, std::move(value));
}

void DataStore::setListLimit(std::string_view name, std::size_t maxLength) {
  std::lock_guard lock(mutex_);
  listLimits_[std::string(name)] = std::max<std::size_t>(1, maxLength);
}

void DataStore::setDefaultListLimit(std::size_t maxLength) {
  std::lock_guard lock(mutex_);
  defaultListLimit_ = std::max<std::size_t>(1, maxLength);
}

std::size_t DataStore::listLimitLocked(std::string_view name) const {
  auto it = listLimits_.find(name);
  return it == listLimits_.end() ? defaultListLimit_ : it->second;
}

std::string DataStore::applyOpLocked(const FeedOp& op) {
  auto it = entries_.find(op.name);
  const Value* current = (it != entries_.end() && it->second.value) ? &*it->second.value : nullptr;
  switch (op.kind) {
    case FeedOp::Kind::Set:
      setLocked(op.name, op.value);
      return {};
    case FeedOp::Kind::Erase:
      if (current) {
        it->second.value.reset();
        it->second.version = ++counter_;
      }
      return {};
    case FeedOp::Kind::Add:
      if (current && !current->isNumber()) {
        return "\"add\": " + q(op.name) + " holds a " + current->typeName() + ", not a number";
      }
      setLocked(op.name, Value((current ? current->number() : 0.0) + op.amount));
      return {};
    case FeedOp::Kind::Push: {
      if (current && !current->isList()) {
        return "\"push\": " + q(op.name) + " holds a " + current->typeName() + ", not a list";
      }
      Value::List list = current ? current->list() : Value::List{};
      list.push_back(op.value);
      std::size_t limit = op.max > 0 ? op.max : listLimitLocked(op.name);
      if (list.size() > limit) list.erase(list.begin(), list.end() - static_cast<long>(limit));
      setLocked(op.name, Value(std::move(list)));
      return {};
    }
  }
  return {};
}

void DataStore::loadFeed(const std::vector<FeedLine>& lines) {
  std::lock_guard lock(mutex_);
  for (const FeedLine& line : lines) {
    if (line.t) {
      scheduled_.emplace(*line.t, line);
      continue;
    }
    for (const FeedOp& op : line.ops) {
      std::string error = applyOpLocked(op);
      if (!error.empty()) throw UserError(line.where + ": " + error);
    }
  }
}

bool DataStore::applyNow(std::string_view text, std::string_view where) {
  // Parse outside the lock: a slow or huge line must not stall the renderer.
  FeedLine line = parseFeedLine(text, where);
  std::lock_guard lock(mutex_);
  if (line.t) {
    scheduled_.emplace(*line.t, std::move(line));
    return false;
  }
  for (const FeedOp& op : line.ops) {
    std::string error = applyOpLocked(op);
    if (!error.empty()) throw UserError(line.where + ": " + error);
  }
  return true;
}

std::vector<std::string> DataStore::applyUntil(double t) {
  std::vector<std::string> problems;
  std::lock_guard lock(mutex_);
  auto end = scheduled_.upper_bound(t);
  for (auto it = scheduled_.begin(); it != end; ++it) {
    for (const FeedOp& op : it->second.ops) {
      std::string error = applyOpLocked(op);
      if (!error.empty()) problems.push_back(it->second.where + ": " + error);
    }
  }
  scheduled_.erase(scheduled_.begin(), end);
  return problems;
}

std::size_t DataStore::pendingCount() const {
  std::lock_guard lock(mutex_);
  return scheduled_.size();
}

std::size_t pumpFeed(std::istream& in, DataStore& store, std::string_view sourceName,
                     const std::function<void(const std::string&)>& onError) {
  std::size_t accepted = 0;
  forEachFeedLine(in, sourceName, [&](const std::string& text, const std::string& where) {
    try {
      store.applyNow(text, where);
      ++accepted;
    } catch (const UserError& e) {
      if (onError) onError(e.what());
    }
  });
  return accepted;
}

}  // namespace mq::data
