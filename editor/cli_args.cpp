#include "cli_args.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "core/error.h"

namespace mq::cli {

std::optional<std::string> Args::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::values(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::optional<double> Args::number(const std::string& name, double min, double max) const {
  auto v = value(name);
  if (!v) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  double d = std::strtod(v->c_str(), &end);
  if (v->empty() || *end || errno || !std::isfinite(d) || d < min || d > max) {
    std::ostringstream msg;
    msg << name << ": expected a number in [" << min << ", " << max << "], got \"" << *v << "\"";
    throw UserError(msg.str());
  }
  return d;
}

std::optional<long long> Args::integer(const std::string& name, long long min,
                                       long long max) const {
  auto v = value(name);
  if (!v) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end || errno || n < min || n > max) {
    throw UserError(name + ": expected a whole number in [" + std::to_string(min) + ", " +
                    std::to_string(max) + "], got \"" + *v + "\"");
  }
  return n;
}

std::optional<std::pair<int, int>> Args::size(const std::string& name) const {
  auto v = value(name);
  if (!v) return std::nullopt;
  int w = 0, h = 0;
  char x = 0;
  std::istringstream in(*v);
  std::string rest;
  if (!(in >> w >> x >> h) || (x != 'x' && x != 'X') || (in >> rest) || w < 16 || h < 16 ||
      w > 8192 || h > 8192) {
    throw UserError(name + ": expected WIDTHxHEIGHT with each side in [16, 8192], got \"" + *v +
                    "\"");
  }
  return std::pair{w, h};
}

Args parse(const CommandSpec& spec, int argc, char** argv, int first) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.size() > 1 && a[0] == '-' &&
        !(a.size() > 1 && std::isdigit(static_cast<unsigned char>(a[1])))) {
      std::string value;
      bool inlineValue = false;
      if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
        inlineValue = true;
      }
      const OptionSpec* opt = nullptr;
      for (const OptionSpec& o : spec.options) {
        if (a == o.name || (o.shortName && a == o.shortName)) opt = &o;
      }
      if (!opt) {
        throw UserError(std::string("unknown option ") + a + " for 'marquee " + spec.name +
                        "'; see marquee " + spec.name + " --help");
      }
      if (opt->valueName) {
        if (!inlineValue) {
          if (i + 1 >= argc)
            throw UserError(std::string(opt->name) + " needs a value (" + opt->valueName + ")");
          value = argv[++i];
        }
        args.values_[opt->name].push_back(value);
      } else {
        if (inlineValue) throw UserError(std::string(opt->name) + " takes no value");
        args.values_[opt->name].push_back("");
      }
    } else {
      args.positional_.push_back(a);
    }
  }
  if (args.has("--help")) return args;
  if (int(args.positional_.size()) != spec.positionals) {
    throw UserError(std::string("marquee ") + spec.name + " expects " + spec.usage +
                    "; see marquee " + spec.name + " --help");
  }
  return args;
}

std::string helpText(const CommandSpec& spec) {
  std::ostringstream out;
  out << "usage: marquee " << spec.name << " " << spec.usage << "\n\n"
      << spec.summary << "\n\noptions:\n";
  for (const OptionSpec& o : spec.options) {
    std::string left = "  ";
    if (o.shortName) left += std::string(o.shortName) + ", ";
    left += o.name;
    if (o.valueName) left += std::string(" ") + o.valueName;
    out << left;
    if (left.size() < 28)
      out << std::string(28 - left.size(), ' ');
    else
      out << "\n" << std::string(28, ' ');
    out << o.help << "\n";
  }
  return out.str();
}

}  // namespace mq::cli
