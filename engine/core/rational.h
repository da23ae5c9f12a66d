// Exact frame rates and times. The output clock counts frames; frame n starts
// at n * den / num seconds, computed in integers so long shows never drift.
#pragma once

#include <cstdint>

namespace mq {

struct Rational {
  int64_t num = 30;
  int64_t den = 1;

  double toDouble() const { return static_cast<double>(num) / static_cast<double>(den); }
  bool operator==(const Rational&) const = default;
};

// Start time of frame `frame` at `fps`, in microseconds (rounded down).
inline int64_t frameTimeUs(int64_t frame, Rational fps) {
  return frame * fps.den * 1000000 / fps.num;
}

// Start time of frame `frame` at `fps`, in seconds, for scene evaluation.
inline double frameTimeSeconds(int64_t frame, Rational fps) {
  return static_cast<double>(frame * fps.den) / static_cast<double>(fps.num);
}

}  // namespace mq
