// Live data for show graphics: named values (number, string, list) with dotted
// names, a per-key version stamp, initial values from JSON and a timed feed of
// JSON lines.
//
// Feed line (one JSON object per line; blank lines and lines starting with '#'
// are skipped):
//   {"t": 3.5, "set": {"viewers": 51000, "stock": {"blue_xl": 12}}}
//   {"add": {"viewers": 100}}
//   {"push": {"comments": "great!"}}
//   {"push": {"comments": {"value": "great!", "max": 20}}}
//   {"set": {"banner": null}}                      (null erases)
// - "t" (show seconds, >= 0) schedules the line; without "t" it applies as soon
//   as it is loaded (file) or received (applyNow).
// - Within one line the operations apply in the order set, add, push.
// - "add" needs a number (an absent key counts as 0); "push" appends to a list
//   (an absent key starts one) and drops the oldest entries beyond the
//   list's maximum length (per push "max", else setListLimit, else 50).
// - Nested objects flatten to dotted names, in "set" and in initial data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mq::data {

class Value {
 public:
  using List = std::vector<Value>;

  Value() : data_(0.0) {}
  Value(double v) : data_(v) {}
  // int and long long overloads: without them `Value(0)` is ambiguous between
  // double and const char* (0 is a null pointer constant).
  Value(int v) : data_(static_cast<double>(v)) {}
  Value(long long v) : data_(static_cast<double>(v)) {}
  Value(std::string v) : data_(std::move(v)) {}
  Value(const char* v) : data_(std::string(v)) {}
  Value(List v) : data_(std::move(v)) {}

  bool isNumber() const { return std::holds_alternative<double>(data_); }
  bool isString() const { return std::holds_alternative<std::string>(data_); }
  bool isList() const { return std::holds_alternative<List>(data_); }
  double number() const { return std::get<double>(data_); }
  const std::string& string() const { return std::get<std::string>(data_); }
  const List& list() const { return std::get<List>(data_); }
  List& list() { return std::get<List>(data_); }

  // "number", "string" or "list", for error messages.
  const char* typeName() const;

  // Numbers, strings and arrays of those (nested arrays allowed). Anything
  // else (bool, null, object) is a UserError naming `where`.
  static Value fromJson(const nlohmann::json& j, std::string_view where);
  nlohmann::json toJson() const;

  bool operator==(const Value&) const = default;

 private:
  std::variant<double, std::string, List> data_;
};

// The number a value stands for where a number is needed (bindings, rules,
// plurals): a number is itself, a list counts its entries, a string has none.
std::optional<double> numericView(const Value& v);

// Dotted names: segments of [A-Za-z0-9_-], separated by single dots.
bool isValidName(std::string_view name);

struct FeedOp {
  enum class Kind { Set, Erase, Add, Push };
  Kind kind = Kind::Set;
  std::string name;
  Value value;          // Set, Push
  double amount = 0;    // Add
  std::size_t max = 0;  // Push: 0 = the store's limit for that list
};

struct FeedLine {
  std::optional<double> t;  // show seconds; none = apply now
  std::vector<FeedOp> ops;
  std::string where;  // "feed.jsonl:12", for messages
};

// One line; a UserError "<where>: <what was expected>" when it is malformed.
FeedLine parseFeedLine(std::string_view line, std::string_view where);
// Every line of a stream; all bad lines are reported together in one
// UserError, one "<source>:<line>: ..." per bad line.
std::vector<FeedLine> parseFeed(std::istream& in, std::string_view sourceName);
std::vector<FeedLine> parseFeedFile(const std::filesystem::path& path);

// Thread-safe: every member locks, so a feeder thread may call applyNow while
// the render thread reads and calls applyUntil.
class DataStore {
 public:
  DataStore() = default;
  DataStore(const DataStore&) = delete;
  DataStore& operator=(const DataStore&) = delete;

  // Sets a value; the key's version changes only if the value does, so an
  // unchanged feed does not make consumers re-render.
  void set(std::string_view name, Value value);
  std::optional<Value> get(std::string_view name) const;
  bool contains(std::string_view name) const;
  // Returns whether the key existed. Erasing bumps the key's version.
  bool erase(std::string_view name);

  // Version stamps come from one store-wide counter, so they are comparable
  // across keys: version(name) is the stamp of the key's last change (set or
  // erase), 0 if it never had a value. A consumer keeps the stamp it last saw.
  std::uint64_t version(std::string_view name) const;
  // The largest version among `names`: one comparison tells a template or a
  // binding whether any of its inputs changed.
  std::uint64_t version(const std::vector<std::string>& names) const;
  std::uint64_t latestVersion() const;

  std::vector<std::string> names() const;

  // Initial values from a JSON object; nested objects flatten to dotted names.
  void loadInitial(const nlohmann::json& object, std::string_view where = "initial data");

  void setListLimit(std::string_view name, std::size_t maxLength);
  void setDefaultListLimit(std::size_t maxLength);

  // Lines without t apply now (a failing operation is a UserError naming the
  // line); lines with t are scheduled.
  void loadFeed(const std::vector<FeedLine>& lines);
  void loadFeedFile(const std::filesystem::path& path) { loadFeed(parseFeedFile(path)); }

  // For a live pipe: parses one line and applies it now, or schedules it if it
  // has a t. Returns true if applied now. Throws UserError for a bad line or a
  // failing operation (the feeder reports it and carries on).
  bool applyNow(std::string_view line, std::string_view where = "live data");

  // Applies every scheduled line with t <= `t`, in time order (lines with equal
  // t in the order they arrived). Compute `t` as frame / fps, not by adding
  // 1/fps each frame, so a line at t = 3.5 lands on frame 105 at 30 fps.
  // Never throws mid-show: an operation that cannot apply (add to a string,
  // push to a number) is skipped and described in the returned list.
  std::vector<std::string> applyUntil(double t);
  std::size_t pendingCount() const;

 private:
  struct Entry {
    std::optional<Value> value;  // none = erased (the version is kept)
    std::uint64_t version = 0;
  };

  // Callers hold mutex_. Returns an error message or an empty string.
  std::string applyOpLocked(const FeedOp& op);
  void setLocked(std::string_view name, Value value);
  std::size_t listLimitLocked(std::string_view name) const;

  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::uint64_t counter_ = 0;
  // multimap inserts equal keys after the existing ones: ties keep arrival order.
  std::multimap<double, FeedLine> scheduled_;
  std::map<std::string, std::size_t, std::less<>> listLimits_;
  std::size_t defaultListLimit_ = 50;
};

// For `--data -`: reads lines from `in` until end of stream and hands each to
// store.applyNow (blank and '#' lines skipped). Run it on a feeder thread. A
// bad line goes to onError ("<source>:<line>: ...") and the pump carries on:
// an operator's typo must not end the show. Returns the number of lines applied
// or scheduled.
std::size_t pumpFeed(std::istream& in, DataStore& store, std::string_view sourceName,
                     const std::function<void(const std::string&)>& onError);

}  // namespace mq::data
