// Command-line parsing for the marquee executable: per-command option tables
// that also generate the --help text, so the two never disagree.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mq::cli {

struct OptionSpec {
  const char* name;       // "--frames"
  const char* shortName;  // "-o" or nullptr
  const char* valueName;  // "N"; nullptr for a flag
  const char* help;
};

struct CommandSpec {
  const char* name;
  const char* usage;  // after "marquee NAME "
  const char* summary;
  std::vector<OptionSpec> options;
  int positionals;  // exact number of positional arguments
};

class Args {
 public:
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> value(const std::string& name) const;  // the last one given
  std::vector<std::string> values(const std::string& name) const;   // every one, in order
  const std::vector<std::string>& positional() const { return positional_; }

  // Typed accessors: throw mq::UserError naming the option and what was expected.
  std::optional<double> number(const std::string& name, double min, double max) const;
  std::optional<long long> integer(const std::string& name, long long min, long long max) const;
  // "1280x720"
  std::optional<std::pair<int, int>> size(const std::string& name) const;

 private:
  friend Args parse(const CommandSpec&, int, char**, int);
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// Parses argv[first..argc). Throws mq::UserError for unknown options, missing
// values and a wrong number of positional arguments.
Args parse(const CommandSpec& spec, int argc, char** argv, int first);
std::string helpText(const CommandSpec& spec);

}  // namespace mq::cli
