// EBU R128 loudness meter (ITU-R BS.1770-4) for 48 kHz interleaved stereo
// float: K-weighting (high-shelf pre-filter + RLB high-pass), momentary
// (400 ms) and short-term (3 s) sliding windows ending at the last sample
// processed, integrated loudness gated at -70 LUFS (absolute) and -10 LU
// (relative) over 400 ms blocks with 75 % overlap, and sample peak.
// Loudness below -120 LUFS (or of no signal at all) reads -120.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace mq::media {

struct Biquad {
  double b0, b1, b2, a1, a2;  // a0 normalised to 1
};

class LoudnessMeter {
 public:
  // The two K-weighting stages, designed for `sampleRate` from BS.1770's
  // analog prototypes (at 48 kHz they equal the standard's Table 1 and 2).
  static Biquad preFilter(double sampleRate);
  static Biquad rlbFilter(double sampleRate);

  LoudnessMeter();

  void process(const float* interleaved, int frames);
  void reset();

  double momentaryLufs() const;                // the last 400 ms (silence before the start)
  double shortTermLufs() const;                // the last 3 s
  double integratedLufs() const;               // gated, over everything processed
  double samplePeak() const { return peak_; }  // linear, highest |sample|
  int64_t framesProcessed() const { return frames_; }

 private:
  static constexpr int kSubBlock = 4800;  // 100 ms: the gating step
  static constexpr int kShortTerm = 30;   // sub-blocks in 3 s
  static constexpr int kHistBins = 8000;  // -70 .. +10 LUFS, 0.01 LU each
  struct State {
    double z1 = 0, z2 = 0;
  };
  double windowEnergy(int subBlocks) const;
  void finishSubBlock();
  void updateIntegrated();

  Biquad pre_, rlb_;
  std::array<State, 2> preState_{}, rlbState_{};
  // Per-sample K-weighted energy (sum over channels) of the last 3 s + 100 ms,
  // for sliding windows that end at any sample.
  std::vector<double> energy_;
  std::array<double, kShortTerm + 1> subSums_{};  // ring of complete 100 ms sums
  double currentSub_ = 0;                         // energy of the unfinished one
  int64_t frames_ = 0;
  int64_t subBlocks_ = 0;  // complete 100 ms sub-blocks
  double peak_ = 0;
  // Gating blocks by loudness: counts and exact energy sums per 0.01 LU bin
  // (bounded memory for an hours-long show).
  std::vector<uint32_t> histCount_;
  std::vector<double> histEnergy_;
  double integrated_ = -120;
};

// Loudness in LUFS of a mean-square energy summed over channels.
double energyToLufs(double meanSquare);

}  // namespace mq::media
