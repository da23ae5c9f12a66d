// Look-ahead peak limiter for 48 kHz stereo, stereo-linked: one gain for both
// channels so the image does not shift. The gain for a frame is known
// kLatency frames after the frame was pushed, so it can start coming down
// smoothly (over about 5 ms) before a peak instead of clipping it:
//   required(j) = min(1, ceiling / max(|L|, |R|))     for each pushed frame j
//   hold(m)     = min required over the last kWindow frames      (look-ahead)
//   held(m)     = hold(m), or rising back towards it with the release time
//   gain(k)     = mean held over [k, k + kWindow)                (smooth attack)
// Every term of the mean is at most required(k), so |output| <= ceiling; a
// signal that never passes the ceiling gets a gain of exactly 1.
// The state is a plain value: copy it to checkpoint and re-run (the mixer
// does, to let cues land inside its look-ahead).
#pragma once

#include <array>
#include <cstdint>

namespace mq::media {

class PeakLimiter {
 public:
  static constexpr int kWindow = 240;  // 5 ms at 48 kHz
  static constexpr int kLatency = kWindow - 1;

  explicit PeakLimiter(double ceilingDbfs = -1.0, double releaseMs = 100.0);

  // Takes one stereo frame; returns the gain for the frame pushed kLatency
  // frames before it (1 for the frames before the first).
  float push(float left, float right);

  // Pushes `frames` interleaved frames and writes the gain returned for each.
  void process(const float* interleaved, int frames, float* gains);

 private:
  struct Held {
    int64_t index;
    double value;
  };
  double ceiling_;
  double releaseCoeff_;
  int64_t pushed_ = 0;
  // Monotonic queue (increasing values) for the sliding minimum.
  std::array<Held, kWindow> queue_{};
  int queueHead_ = 0, queueSize_ = 0;
  double released_ = 1;
  // The last kWindow released values, their sum and how many are below 1.
  std::array<double, kWindow> box_{};
  double boxSum_ = kWindow;
  int belowOne_ = 0;
};

}  // namespace mq::media
