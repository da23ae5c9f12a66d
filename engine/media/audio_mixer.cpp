// AudioMixer: sums sources and sounds with per-input gain ramps, limits the
// sum with PeakLimiter, meters the result.
//
// No net latency: to produce block [p, p + F) the limiter needs the mix up to
// p + F + kLatency. Each mix() therefore sums [p, p + F + kLatency) and runs
// the limiter from a checkpoint taken after the frames before p. The
// look-ahead part is summed again by the next call, so a cue fired for a
// sample in it still lands exactly on that sample, and a gain change applies
// from the first sample of the next block. Sources are read once per sample
// (their look-ahead is kept raw, before gain); sounds are random access.
#include "media/audio_mixer.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <variant>

#include "core/error.h"
#include "media/loudness_meter.h"
#include "media/peak_limiter.h"

namespace mq::media {
namespace {

constexpr int kRampFrames = 480;     // 10 ms gain ramp
constexpr size_t kMaxVoices = 32;    // per sound; the oldest stops beyond
constexpr double kOverloadDb = 0.1;  // gain reduction that counts a block
constexpr int kAhead = PeakLimiter::kLatency;

float dbToGain(double db, bool mute) {
  if (mute || db <= -120) return 0.0f;
  return float(std::pow(10.0, db / 20));
}

double toDb(double linear) {
  return linear > 1e-6 ? std::max(-120.0, 20 * std::log10(linear)) : -120.0;
}

// A linear ramp from `current` (the gain of the sample before the block) to
// `target` over `remaining` samples; exactly `target` once there.
struct Ramp {
  float current = 1, target = 1;
  int remaining = 0;
  float at(int i) const {
    if (i >= remaining) return target;
    return current + (target - current) * float(i + 1) / float(remaining);
  }
  void advance(int frames) {
    if (frames >= remaining) {
      current = target;
      remaining = 0;
    } else {
      current = at(frames - 1);
      remaining -= frames;
    }
  }
  void moveTo(float value) {
    if (value == target && remaining == 0) return;
    target = value;
    remaining = kRampFrames;
  }
};

struct Input {
  std::string id;
  double gainDb = 0;
  bool mute = false;
  Ramp gain;
  // Source: read through `reader`, `ahead` holds its raw samples from the
  // current block's first sample on.
  AudioMixer::AudioReader reader;
  int64_t offsetSamples = 0;
  std::vector<float> ahead;
  // Sound: the show-time start sample of every playing voice.
  std::shared_ptr<const AudioClip> clip;
  bool loop = false;
  std::deque<int64_t> voices;
};

struct FireCmd {
  std::string id;
  int64_t at;
};
struct GainCmd {
  std::string id;
  double db;
};
struct MuteCmd {
  std::string id;
  bool mute;
};
using Command = std::variant<std::unique_ptr<Input>, FireCmd, GainCmd, MuteCmd>;

}  // namespace

struct AudioMixer::Impl {
  // Shared with control threads: held only to queue or take commands.
  std::mutex queueMutex;
  std::vector<Command> queue;
  std::unordered_map<std::string, bool> ids;  // id -> is a sound

  mutable std::mutex statsMutex;
  AudioStats stats;

  // Owned by the thread calling mix().
  std::vector<std::unique_ptr<Input>> inputs;
  std::unordered_map<std::string, Input*> byId;
  PeakLimiter limiter;  // after the frames before `position`
  LoudnessMeter meter;
  int64_t position = 0;
  double peak = 0;
  double maxReductionDb = 0;
  uint64_t overloads = 0;
  std::vector<float> sum, raw, gains;

  void push(Command command) {
    std::lock_guard lock(queueMutex);
    queue.push_back(std::move(command));
  }

  void registerId(const std::string& id, bool sound) {
    std::lock_guard lock(queueMutex);
    if (!ids.emplace(id, sound).second)
      throw UserError("audio input '" + id + "' is defined twice");
  }

  void requireId(const std::string& id, bool mustBeSound) {
    std::lock_guard lock(queueMutex);
    const auto it = ids.find(id);
    if (it == ids.end() || (mustBeSound && !it->second))
      throw UserError(std::string(mustBeSound ? "no sound" : "no audio input") + " named '" + id +
                      "'");
  }

  void addVoice(Input& in, int64_t start) {
    in.voices.push_back(start);
    if (in.voices.size() > kMaxVoices) in.voices.pop_front();
  }

  void apply(Command& command) {
    if (auto* added = std::get_if<std::unique_ptr<Input>>(&command)) {
      byId[(*added)->id] = added->get();
      inputs.push_back(std::move(*added));
    } else if (auto* fire = std::get_if<FireCmd>(&command)) {
      addVoice(*byId.at(fire->id), fire->at);
    } else if (auto* gain = std::get_if<GainCmd>(&command)) {
      Input& in = *byId.at(gain->id);
      in.gainDb = gain->db;
      in.gain.moveTo(dbToGain(in.gainDb, in.mute));
    } else if (auto* mute = std::get_if<MuteCmd>(&command)) {
      Input& in = *byId.at(mute->id);
      in.mute = mute->mute;
      in.gain.moveTo(dbToGain(in.gainDb, in.mute));
    }
  }

  // Raw (before gain) samples of `in` for show time [position, position + total).
  void render(Input& in, int total) {
    float* dst = raw.data();
    std::fill(raw.begin(), raw.begin() + ptrdiff_t(total) * kAudioChannels, 0.0f);
    if (in.reader) {
      const int have = int(in.ahead.size() / kAudioChannels);
      in.ahead.resize(size_t(total) * kAudioChannels, 0.0f);
      if (total > have)
        in.reader(position + have - in.offsetSamples,
                  in.ahead.data() + size_t(have) * kAudioChannels, total - have);
      std::copy(in.ahead.begin(), in.ahead.end(), dst);
      return;
    }
    const float* clip = in.clip->samples.data();
    const int64_t length = in.clip->frames();
    if (length == 0) return;
    for (const int64_t start : in.voices) {
      int64_t t = std::max(position, start);
      const int64_t end = position + total;
      while (t < end) {
        int64_t offset = t - start;
        if (in.loop) {
          offset %= length;
        } else if (offset >= length) {
          break;
        }
        const int64_t run = std::min(end - t, length - offset);
        const float* src = clip + offset * kAudioChannels;
        float* out = dst + (t - position) * kAudioChannels;
        for (int64_t i = 0; i < run * kAudioChannels; ++i) out[i] += src[i];
        t += run;
      }
    }
  }

  void mix(float* out, int frames) {
    std::vector<Command> commands;
    {
      std::lock_guard lock(queueMutex);
      commands.swap(queue);
    }
    for (Command& command : commands) apply(command);

    const int total = frames + kAhead;
    const size_t values = size_t(total) * kAudioChannels;
    sum.assign(values, 0.0f);
    raw.resize(values);
    for (const auto& input : inputs) {
      Input& in = *input;
      render(in, total);
      const Ramp& ramp = in.gain;
      for (int i = 0; i < total; ++i) {
        const float g = ramp.at(i);
        for (int c = 0; c < kAudioChannels; ++c) {
          const size_t k = size_t(i) * kAudioChannels + size_t(c);
          sum[k] += raw[k] * g;
        }
      }
    }
    // Advance every input to the next block.
    const int64_t next = position + frames;
    for (const auto& input : inputs) {
      Input& in = *input;
      in.gain.advance(frames);
      if (in.reader)
        in.ahead.erase(in.ahead.begin(), in.ahead.begin() + ptrdiff_t(frames) * kAudioChannels);
      if (in.clip && !in.loop) {
        const int64_t length = in.clip->frames();
        std::erase_if(in.voices, [&](int64_t start) { return next - start >= length; });
      }
    }

    // A broken reader must not poison the limiter and meters.
    for (float& v : sum)
      if (!std::isfinite(v)) v = 0.0f;
    double blockPeak = 0;
    for (size_t k = 0; k < size_t(frames) * kAudioChannels; ++k)
      blockPeak = std::max(blockPeak, double(std::abs(sum[k])));
    peak = std::max(peak, blockPeak);

    // The gain for frame i comes out of push number i + kAhead; the checkpoint
    // is the state after this block's own frames.
    gains.resize(size_t(total));
    PeakLimiter run = limiter;
    for (int i = 0; i < total; ++i) {
      if (i == frames) limiter = run;
      gains[size_t(i)] = run.push(sum[size_t(i) * 2], sum[size_t(i) * 2 + 1]);
    }
    float minGain = 1.0f;
    double outPeak = 0;
    for (int i = 0; i < frames; ++i) {
      const float g = gains[size_t(i + kAhead)];
      minGain = std::min(minGain, g);
      for (int c = 0; c < kAudioChannels; ++c) {
        const size_t k = size_t(i) * kAudioChannels + size_t(c);
        out[k] = g == 1.0f ? sum[k] : sum[k] * g;
        outPeak = std::max(outPeak, double(std::abs(out[k])));
      }
    }
    const double reductionDb = -toDb(minGain);
    maxReductionDb = std::max(maxReductionDb, reductionDb);
    if (reductionDb > kOverloadDb) ++overloads;
    meter.process(out, frames);
    position = next;

    std::lock_guard lock(statsMutex);
    stats.peakDbfs = toDb(peak);
    stats.lastBlockPeakDbfs = toDb(outPeak);
    stats.momentaryLufs = meter.momentaryLufs();
    stats.shortTermLufs = meter.shortTermLufs();
    stats.integratedLufs = meter.integratedLufs();
    stats.maxGainReductionDb = maxReductionDb;
    stats.overloadBlocks = overloads;
    stats.samplesMixed = position;
  }
};

AudioMixer::AudioMixer() : impl_(std::make_unique<Impl>()) {}
AudioMixer::~AudioMixer() = default;

void AudioMixer::addSource(std::string id, AudioReader reader, double gainDb, bool mute,
                           double syncOffsetMs) {
  MQ_CHECK(reader);
  if (!std::isfinite(gainDb) || !std::isfinite(syncOffsetMs))
    throw UserError("audio source '" + id + "' has a gain or sync offset that is not a number");
  impl_->registerId(id, false);
  auto in = std::make_unique<Input>();
  in->id = std::move(id);
  in->gainDb = gainDb;
  in->mute = mute;
  in->gain.current = in->gain.target = dbToGain(gainDb, mute);
  in->reader = std::move(reader);
  in->offsetSamples = std::llround(syncOffsetMs * kAudioRate / 1000.0);
  impl_->push(std::move(in));
}

void AudioMixer::addSound(std::string id, std::shared_ptr<const AudioClip> clip, double gainDb,
                          bool mute, bool loop, int64_t startSample) {
  MQ_CHECK(clip);
  if (!std::isfinite(gainDb)) throw UserError("sound '" + id + "' has a gain that is not a number");
  impl_->registerId(id, true);
  auto in = std::make_unique<Input>();
  in->id = std::move(id);
  in->gainDb = gainDb;
  in->mute = mute;
  in->gain.current = in->gain.target = dbToGain(gainDb, mute);
  in->clip = std::move(clip);
  in->loop = loop;
  if (startSample >= 0) in->voices.push_back(startSample);
  impl_->push(std::move(in));
}

void AudioMixer::fire(const std::string& id, int64_t atSample) {
  impl_->requireId(id, true);
  impl_->push(FireCmd{id, atSample});
}

void AudioMixer::setGain(const std::string& id, double gainDb) {
  if (!std::isfinite(gainDb)) throw UserError("gain for '" + id + "' is not a number");
  impl_->requireId(id, false);
  impl_->push(GainCmd{id, gainDb});
}

void AudioMixer::setMute(const std::string& id, bool mute) {
  impl_->requireId(id, false);
  impl_->push(MuteCmd{id, mute});
}

void AudioMixer::mix(float* out, int frames) {
  if (frames <= 0) return;
  impl_->mix(out, frames);
}

AudioStats AudioMixer::stats() const {
  std::lock_guard lock(impl_->statsMutex);
  return impl_->stats;
}

}  // namespace mq::media
