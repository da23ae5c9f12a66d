// The program audio mix: 48 kHz interleaved stereo float, produced in blocks
// on the output clock (sample n is at n / 48000 s of show time).
//
// Inputs are media sources (their decoded audio, delayed by their sync
// offset), sounds loaded from files (a music bed that loops, sound-effect
// cues fired at a show-time sample), each with a gain in dB and a mute.
// After summing, a look-ahead peak limiter keeps the mix under -1 dBFS so it
// never clips; every block where it has to reduce gain by more than 0.1 dB
// counts as an overload in the stats (so a mix that is too hot is reported,
// not silently squashed). Meters: sample peak and EBU R128 momentary (400 ms)
// and short-term (3 s) loudness, plus integrated loudness over the whole run.
//
// The limiter looks 5 ms ahead, but the mixer reads its inputs that far ahead
// instead of delaying the output, so there is no net latency. A mix that never
// needs limiting comes out bit-identical to the plain sum of the inputs.
//
// Threads: mix() and stats() may run on one thread while fire(), setGain(),
// setMute(), addSource() and addSound() are called from others (an operator's
// control thread); those only queue a command under a short lock, and mix()
// applies the queue at the start of its next block.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mq::media {

inline constexpr int kAudioRate = 48000;
inline constexpr int kAudioChannels = 2;

// A whole sound file (WAV, OGG/Vorbis, MP3, FLAC, anything FFmpeg decodes)
// decoded and resampled with libswresample to 48 kHz stereo float.
struct AudioClip {
  std::vector<float> samples;  // interleaved stereo
  int64_t frames() const { return int64_t(samples.size() / kAudioChannels); }
};
// Throws mq::UserError naming the file when it is missing, not audio, or
// undecodable.
std::shared_ptr<const AudioClip> loadAudioClip(const std::filesystem::path& file);

struct AudioStats {
  // Loudness and the last block's peak are of the output, after the limiter.
  double peakDbfs = -120;           // highest sample peak of the mix before the limiter, whole run
  double lastBlockPeakDbfs = -120;  // peak of the last block, after the limiter
  double momentaryLufs = -120;      // EBU R128 M (400 ms), at the end of the last block
  double shortTermLufs = -120;      // EBU R128 S (3 s)
  double integratedLufs = -120;     // EBU R128 I (gated), over everything mixed
  double maxGainReductionDb = 0;    // deepest limiter gain reduction
  uint64_t overloadBlocks = 0;      // blocks where the limiter reduced gain > 0.1 dB
  int64_t samplesMixed = 0;
};

class AudioMixer {
 public:
  AudioMixer();
  ~AudioMixer();
  AudioMixer(const AudioMixer&) = delete;
  AudioMixer& operator=(const AudioMixer&) = delete;

  // Reads a source's audio: 48 kHz interleaved stereo float for media samples
  // [firstSample, firstSample + frames); silence where it has none (a
  // MediaSource's readAudio has exactly this shape).
  using AudioReader = std::function<void(int64_t firstSample, float* interleaved, int frames)>;

  // A media source's audio. Show-time sample n plays the source's media sample
  // n - round(syncOffsetMs * 48) (a positive offset delays the source).
  // Ids are shared by sources and sounds; a repeated id throws mq::UserError.
  // The reader is called once per sample range, in order, up to 5 ms ahead of
  // the block being mixed.
  void addSource(std::string id, AudioReader reader, double gainDb, bool mute, double syncOffsetMs);
  // A sound from a file. `loop` repeats it end to end (a music bed);
  // `startSample` >= 0 starts it at that show-time sample (autoplay), -1
  // leaves it waiting for fire().
  void addSound(std::string id, std::shared_ptr<const AudioClip> clip, double gainDb, bool mute,
                bool loop, int64_t startSample);
  // Plays sound `id` from its start at show-time sample `atSample` (a cue).
  // A sound fired again while playing starts another voice over it (up to 32
  // per sound; the oldest stops beyond that). A looping sound's voice loops.
  // A cue for a sample not yet output starts exactly on that sample, even
  // inside the next block. A cue for a sample already output starts with the
  // next block, trimmed as if it had started at `atSample`, so it stays in
  // step with show time (a cue entirely in the past plays nothing).
  // Throws mq::UserError for an unknown id.
  void fire(const std::string& id, int64_t atSample);
  // Gain and mute of a source or sound take effect from the first sample of
  // the next mix() block, ramping linearly over 10 ms (480 samples) so they
  // do not click. Throw mq::UserError for an unknown id.
  void setGain(const std::string& id, double gainDb);
  void setMute(const std::string& id, bool mute);

  // Mixes the next `frames` stereo frames into `out` (interleaved), starting
  // at show-time sample samplesMixed(). Blocks are consecutive.
  void mix(float* out, int frames);

  AudioStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mq::media
