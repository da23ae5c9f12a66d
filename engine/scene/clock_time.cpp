#include "scene/clock_time.h"

namespace mq::scene {

std::optional<double> parseClockTime(std::string_view text) {
  if (text.size() != 5 && text.size() != 8) return std::nullopt;
  int parts[3] = {0, 0, 0};
  const int limits[3] = {23, 59, 59};
  for (size_t i = 0; i * 3 < text.size(); ++i) {
    size_t at = i * 3;
    if (i > 0 && text[at - 1] != ':') return std::nullopt;
    char hi = text[at], lo = text[at + 1];
    if (hi < '0' || hi > '9' || lo < '0' || lo > '9') return std::nullopt;
    parts[i] = (hi - '0') * 10 + (lo - '0');
    if (parts[i] > limits[i]) return std::nullopt;
  }
  return parts[0] * 3600.0 + parts[1] * 60.0 + parts[2];
}

}  // namespace mq::scene
