#include "media/peak_limiter.h"

#include <algorithm>
#include <cmath>

namespace mq::media {

PeakLimiter::PeakLimiter(double ceilingDbfs, double releaseMs)
    // A hair under the ceiling so float rounding of gain x sample cannot poke
    // above it.
    : ceiling_(std::pow(10.0, ceilingDbfs / 20) * (1 - 1e-5)),
      releaseCoeff_(std::exp(-1000.0 / (releaseMs * 48000.0))) {
  box_.fill(1.0);
}

float PeakLimiter::push(float left, float right) {
  const double peak = std::max(std::abs(double(left)), std::abs(double(right)));
  const double required = peak > ceiling_ ? ceiling_ / peak : 1.0;
  const int64_t index = pushed_++;

  // Sliding minimum of `required` over the last kWindow frames.
  while (queueSize_ > 0 &&
         queue_[size_t((queueHead_ + queueSize_ - 1) % kWindow)].value >= required)
    --queueSize_;
  queue_[size_t((queueHead_ + queueSize_) % kWindow)] = {index, required};
  ++queueSize_;
  while (queue_[size_t(queueHead_)].index <= index - kWindow) {
    queueHead_ = (queueHead_ + 1) % kWindow;
    --queueSize_;
  }
  const double hold = queue_[size_t(queueHead_)].value;

  // Instant down, exponential release up; never above `hold`.
  if (hold <= released_) {
    released_ = hold;
  } else {
    released_ = hold - (hold - released_) * releaseCoeff_;
    // Snap home, or the approach would stall a rounding step below 1 and the
    // limiter would never return to an exact pass-through.
    if (hold - released_ < 1e-5) released_ = hold;  // 0.0001 dB
  }

  double& slot = box_[size_t(index % kWindow)];
  if (slot < 1) --belowOne_;
  if (released_ < 1) ++belowOne_;
  boxSum_ += released_ - slot;
  slot = released_;
  if (belowOne_ == 0) {
    boxSum_ = kWindow;  // also drops the running sum's rounding drift
    return 1.0f;
  }
  return float(std::min(1.0, boxSum_ / kWindow));
}

void PeakLimiter::process(const float* interleaved, int frames, float* gains) {
  for (int i = 0; i < frames; ++i) gains[i] = push(interleaved[2 * i], interleaved[2 * i + 1]);
}

}  // namespace mq::media
