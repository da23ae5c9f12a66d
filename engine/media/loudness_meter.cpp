#include "media/loudness_meter.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "media/audio_mixer.h"

namespace mq::media {
namespace {

constexpr double kFloorLufs = -120;
constexpr double kAbsoluteGate = -70;
constexpr double kRelativeGate = -10;
constexpr double kHistLow = -70;
constexpr double kHistStep = 0.01;
constexpr int kRingFrames = 31 * 4800;  // 3 s + one sub-block

}  // namespace

double energyToLufs(double meanSquare) {
  if (!(meanSquare > 0)) return kFloorLufs;
  return std::max(kFloorLufs, -0.691 + 10 * std::log10(meanSquare));
}

// Both stages come from the analog prototypes behind BS.1770's 48 kHz tables
// (shelf: f0 1681.97 Hz, +4 dB, Q 0.7072; RLB: f0 38.135 Hz, Q 0.5003),
// mapped with the bilinear transform prewarped at f0.
Biquad LoudnessMeter::preFilter(double sampleRate) {
  const double f0 = 1681.974450955533, gainDb = 3.999843853973347, q = 0.7071752369554196;
  const double k = std::tan(std::numbers::pi * f0 / sampleRate);
  const double vh = std::pow(10.0, gainDb / 20);
  const double vb = std::pow(vh, 0.4996667741545416);
  const double a0 = 1 + k / q + k * k;
  return {(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
          2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0};
}

Biquad LoudnessMeter::rlbFilter(double sampleRate) {
  const double f0 = 38.13547087602444, q = 0.5003270373238773;
  const double k = std::tan(std::numbers::pi * f0 / sampleRate);
  const double a0 = 1 + k / q + k * k;
  // The standard normalises the numerator to 1, -2, 1 (its gain at high
  // frequencies is then 1.005, which the -0.691 offset accounts for).
  return {1, -2, 1, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0};
}

LoudnessMeter::LoudnessMeter()
    : pre_(preFilter(kAudioRate)),
      rlb_(rlbFilter(kAudioRate)),
      energy_(kRingFrames, 0.0),
      histCount_(kHistBins, 0),
      histEnergy_(kHistBins, 0.0) {}

void LoudnessMeter::reset() {
  *this = LoudnessMeter();
}

void LoudnessMeter::process(const float* interleaved, int frames) {
  for (int i = 0; i < frames; ++i) {
    double e = 0;
    for (int c = 0; c < kAudioChannels; ++c) {
      const double x = interleaved[size_t(i) * kAudioChannels + c];
      peak_ = std::max(peak_, std::abs(x));
      // Direct form II transposed, one section after the other.
      State& s1 = preState_[c];
      const double y1 = pre_.b0 * x + s1.z1;
      s1.z1 = pre_.b1 * x - pre_.a1 * y1 + s1.z2;
      s1.z2 = pre_.b2 * x - pre_.a2 * y1;
      State& s2 = rlbState_[c];
      const double y2 = rlb_.b0 * y1 + s2.z1;
      s2.z1 = rlb_.b1 * y1 - rlb_.a1 * y2 + s2.z2;
      s2.z2 = rlb_.b2 * y1 - rlb_.a2 * y2;
      e += y2 * y2;  // channel weight 1.0 for left and right
    }
    energy_[size_t(frames_ % kRingFrames)] = e;
    currentSub_ += e;
    ++frames_;
    if (frames_ % kSubBlock == 0) finishSubBlock();
  }
}

void LoudnessMeter::finishSubBlock() {
  subSums_[size_t(subBlocks_ % subSums_.size())] = currentSub_;
  currentSub_ = 0;
  ++subBlocks_;
  // Filter state decaying in silence would otherwise end in slow denormals.
  for (auto* states : {&preState_, &rlbState_})
    for (State& s : *states) {
      if (std::abs(s.z1) < 1e-30) s.z1 = 0;
      if (std::abs(s.z2) < 1e-30) s.z2 = 0;
    }
  if (subBlocks_ < 4) return;
  double sum = 0;
  for (int64_t k = subBlocks_ - 4; k < subBlocks_; ++k)
    sum += subSums_[size_t(k % subSums_.size())];
  const double meanSquare = sum / (4.0 * kSubBlock);
  const double lufs = energyToLufs(meanSquare);
  if (lufs <= kAbsoluteGate) return;
  const int bin = std::clamp(int((lufs - kHistLow) / kHistStep), 0, kHistBins - 1);
  ++histCount_[size_t(bin)];
  histEnergy_[size_t(bin)] += meanSquare;
  updateIntegrated();
}

void LoudnessMeter::updateIntegrated() {
  double sum = 0;
  uint64_t count = 0;
  for (int i = 0; i < kHistBins; ++i) {
    sum += histEnergy_[size_t(i)];
    count += histCount_[size_t(i)];
  }
  if (count == 0) return;
  const double gate = energyToLufs(sum / double(count)) + kRelativeGate;
  // Blocks in the bin holding the gate count when the bin's centre is above it
  // (0.005 LU at most from the exact decision).
  sum = 0;
  count = 0;
  for (int i = 0; i < kHistBins; ++i) {
    if (kHistLow + (i + 0.5) * kHistStep <= gate) continue;
    sum += histEnergy_[size_t(i)];
    count += histCount_[size_t(i)];
  }
  integrated_ = count ? energyToLufs(sum / double(count)) : kFloorLufs;
}

// Energy of the window of `subBlocks` x 100 ms ending at the last sample:
// whole sub-blocks from their sums, the oldest partial one sample by sample.
double LoudnessMeter::windowEnergy(int subBlocks) const {
  const int pos = int(frames_ % kSubBlock);
  double sum = currentSub_;
  const int whole = pos == 0 ? subBlocks : subBlocks - 1;
  for (int64_t k = subBlocks_ - whole; k < subBlocks_; ++k)
    if (k >= 0) sum += subSums_[size_t(k % int64_t(subSums_.size()))];
  if (pos > 0) {
    const int64_t start = frames_ - int64_t(subBlocks) * kSubBlock;
    for (int64_t f = std::max<int64_t>(start, 0); f < start + (kSubBlock - pos); ++f)
      sum += energy_[size_t(f % kRingFrames)];
  }
  return sum / (double(subBlocks) * kSubBlock);
}

double LoudnessMeter::momentaryLufs() const {
  return energyToLufs(windowEnergy(4));
}

double LoudnessMeter::shortTermLufs() const {
  return energyToLufs(windowEnergy(kShortTerm));
}

double LoudnessMeter::integratedLufs() const {
  return integrated_;
}

}  // namespace mq::media
