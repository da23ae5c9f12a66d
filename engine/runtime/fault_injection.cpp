#include "runtime/fault_injection.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "core/error.h"

namespace mq::runtime {
namespace {

// "200ms", "0.5s", "3" -> seconds; nullopt-like -1 when malformed.
double parseSeconds(const std::string& text) {
  std::string number = text;
  double scale = 1;
  if (number.size() > 2 && number.compare(number.size() - 2, 2, "ms") == 0) {
    number.resize(number.size() - 2);
    scale = 0.001;
  } else if (!number.empty() && number.back() == 's') {
    number.pop_back();
  }
  if (number.empty()) return -1;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(number.c_str(), &end);
  if (*end || errno || !std::isfinite(v) || v < 0 || v > 86400) return -1;
  return v * scale;
}

}  // namespace

Fault parseFault(const std::string& spec) {
  auto bad = [&](const std::string& why) {
    return UserError("--inject " + spec + ": " + why +
                     "; expected render-stall:DURATION@TIME, "
                     "decode-stall:source=ID:DURATION@TIME or encode-stall:DURATION@TIME "
                     "(for example render-stall:200ms@5s)");
  };
  size_t colon = spec.find(':');
  if (colon == std::string::npos) throw bad("no duration");
  std::string kind = spec.substr(0, colon), rest = spec.substr(colon + 1);
  Fault f{};
  if (kind == "render-stall") {
    f.kind = FaultKind::RenderStall;
  } else if (kind == "decode-stall") {
    f.kind = FaultKind::DecodeStall;
    if (rest.rfind("source=", 0) != 0) throw bad("decode-stall needs source=ID");
    size_t end = rest.find(':');
    if (end == std::string::npos || end == 7) throw bad("decode-stall needs source=ID");
    f.source = rest.substr(7, end - 7);
    rest = rest.substr(end + 1);
  } else if (kind == "encode-stall") {
    f.kind = FaultKind::EncodeStall;
  } else {
    throw bad("unknown fault \"" + kind + "\"");
  }
  size_t at = rest.find('@');
  if (at == std::string::npos) throw bad("no @TIME");
  f.seconds = parseSeconds(rest.substr(0, at));
  f.at = parseSeconds(rest.substr(at + 1));
  if (f.seconds <= 0) throw bad("the duration must be a positive time like 200ms or 0.5s");
  if (f.at < 0) throw bad("the time must be like 5s or 1500ms");
  return f;
}

}  // namespace mq::runtime
