// The program audio mix: clip loading (files made here with the ffmpeg CLI),
// the mixer's timing (cues, loops, sync offsets), the limiter, and the
// loudness meter against FFmpeg's ebur128 filter and the BS.1770 references.
#include "media/audio_mixer.h"

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numbers>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "media/loudness_meter.h"
#include "media/peak_limiter.h"
#include "media_test_util.h"

namespace fs = std::filesystem;
using namespace mq::media;

namespace {

constexpr double kPi = std::numbers::pi;

using mq::media::test::TempDir;

using mq::media::test::quote;

// FFmpeg's ebur128 and volumedetect report on stderr: keep it.
std::string run(const std::string& command) {
  return mq::media::test::run(command, true);
}

// A 48 kHz stereo IEEE-float WAV, so ffmpeg reads exactly the samples the
// meter sees.
void writeWav(const fs::path& file, const std::vector<float>& interleaved) {
  std::ofstream out(file, std::ios::binary);
  auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  const uint32_t bytes = uint32_t(interleaved.size() * sizeof(float));
  out.write("RIFF", 4);
  u32(36 + bytes);
  out.write("WAVEfmt ", 8);
  u32(16);
  u16(3);  // IEEE float
  u16(2);
  u32(48000);
  u32(48000 * 8);
  u16(8);
  u16(32);
  out.write("data", 4);
  u32(bytes);
  out.write(reinterpret_cast<const char*>(interleaved.data()), bytes);
}

struct EbuReading {
  double momentary, shortTerm, integrated;
};

// FFmpeg's ebur128 filter: M and S of its last 100 ms report, I from the summary.
EbuReading ffmpegEbur128(const fs::path& file) {
  const std::string log =
      run("ffmpeg -nostats -hide_banner -i " + quote(file) + " -af ebur128 -f null -");
  EbuReading r{};
  const std::regex frame(R"(M:\s*(-?[0-9.]+)\s+S:\s*(-?[0-9.]+))");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), frame); it != std::sregex_iterator();
       ++it) {
    r.momentary = std::stod((*it)[1]);
    r.shortTerm = std::stod((*it)[2]);
  }
  std::smatch m;
  const std::regex summary(R"(Integrated loudness:\s*I:\s*(-?[0-9.]+))");
  REQUIRE(std::regex_search(log, m, summary));
  r.integrated = std::stod(m[1]);
  return r;
}

// Deterministic white noise in [-1, 1).
struct Noise {
  uint32_t state = 12345;
  float next() {
    state = state * 1664525u + 1013904223u;
    return float(state >> 8) / float(1 << 23) - 1.0f;
  }
};

std::vector<float> sine(double seconds, double hz, double amplitude, double phase = 0) {
  const size_t n = size_t(std::llround(seconds * 48000));
  std::vector<float> v(n * 2);
  for (size_t i = 0; i < n; ++i)
    v[2 * i] = v[2 * i + 1] = float(amplitude * std::sin(2 * kPi * hz * double(i) / 48000 + phase));
  return v;
}

std::shared_ptr<AudioClip> clipOf(std::vector<float> samples) {
  auto clip = std::make_shared<AudioClip>();
  clip->samples = std::move(samples);
  return clip;
}

std::vector<float> mixAll(AudioMixer& mixer, int frames, int block) {
  std::vector<float> out(size_t(frames) * 2);
  for (int at = 0; at < frames; at += block)
    mixer.mix(out.data() + size_t(at) * 2, std::min(block, frames - at));
  return out;
}

double rms(const float* v, size_t values) {
  double sum = 0;
  for (size_t i = 0; i < values; ++i) sum += double(v[i]) * v[i];
  return std::sqrt(sum / double(values));
}

double maxAbs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, double(std::abs(x)));
  return m;
}

}  // namespace

TEST_CASE("loadAudioClip decodes WAV, OGG and MP3 to 48 kHz stereo float", "[audio]") {
  TempDir dir;
  // 1 s of 1 kHz at -12 dBFS, 44.1 kHz mono.
  const std::string source =
      "ffmpeg -v error -f lavfi -i \"aevalsrc='0.25118864*sin(2*PI*1000*t)':s=44100:d=1\" ";
  struct Case {
    const char* name;
    const char* codec;
    double levelTolerance;
  };
  // The lossy codecs change the level a little (ffmpeg -af volumedetect reads
  // the same), and FFmpeg's Vorbis encoder drops 128 samples at 44.1 kHz, so
  // the length is compared with what the ffmpeg CLI decodes.
  for (const Case& c : {Case{"tone.wav", "pcm_s16le", 0.02}, Case{"tone.ogg", "libvorbis", 0.2},
                        Case{"tone.mp3", "libmp3lame", 0.6}}) {
    SECTION(c.name) {
      const fs::path file = dir.path / c.name;
      run(source + "-c:a " + c.codec + " " + quote(file));
      const auto clip = loadAudioClip(file);
      std::smatch m;
      const std::string stats = run("ffmpeg -hide_banner -i " + quote(file) +
                                    " -af astats=measure_overall=Number_of_samples:"
                                    "measure_perchannel=none -f null -");
      REQUIRE(std::regex_search(stats, m, std::regex(R"(Number of samples: (\d+))")));
      const double expected = std::stod(m[1]) * 48000 / 44100;
      INFO(c.name << ": " << clip->frames() << " frames, ffmpeg decodes " << m[1]
                  << " at 44.1 kHz");
      CHECK(std::abs(double(clip->frames()) - expected) <= 1);
      const float* s = clip->samples.data();
      // Mid-file: 0.5 s, away from resampler and codec edges.
      const size_t from = 12000, count = 24000;
      for (size_t i = from; i < from + count; ++i) REQUIRE(s[2 * i] == s[2 * i + 1]);
      const double level = rms(s + 2 * from, 2 * count) * std::sqrt(2.0);
      CHECK(20 * std::log10(level) == Approx(-12).margin(c.levelTolerance));
      int crossings = 0;
      for (size_t i = from + 1; i < from + count; ++i)
        if ((s[2 * (i - 1)] < 0) != (s[2 * i] < 0)) ++crossings;
      CHECK(crossings / 2.0 / 0.5 == Approx(1000).margin(2));
    }
  }
}

TEST_CASE("loadAudioClip names the file it cannot read", "[audio]") {
  TempDir dir;
  const fs::path text = dir.path / "jingle.wav";
  std::ofstream(text) << "this is not audio\n";
  REQUIRE_THROWS_AS(loadAudioClip(text), mq::UserError);
  REQUIRE_THROWS_WITH(loadAudioClip(text), Catch::Contains("jingle.wav"));
  REQUIRE_THROWS_WITH(loadAudioClip(dir.path / "missing.ogg"), Catch::Contains("missing.ogg"));
  // A video-only file has no audio stream.
  const fs::path video = dir.path / "picture.mkv";
  run("ffmpeg -v error -f lavfi -i color=c=red:s=32x32:d=0.1 -c:v ffv1 " + quote(video));
  REQUIRE_THROWS_WITH(loadAudioClip(video), Catch::Contains("picture.mkv"));
}

TEST_CASE("Gain and mute apply with a short deterministic ramp", "[audio]") {
  AudioMixer mixer;
  mixer.addSound("dc", clipOf(std::vector<float>(48000 * 2 * 2, 0.25f)), -6, false, false, 0);
  std::vector<float> out = mixAll(mixer, 4800, 480);
  const float g6 = float(std::pow(10.0, -6 / 20.0));
  CHECK(out[0] == 0.25f * g6);
  CHECK(out[2 * 4799 + 1] == 0.25f * g6);

  mixer.setMute("dc", true);
  std::vector<float> muted(9600 * 2);
  mixer.mix(muted.data(), 9600);
  // Down over 10 ms without a step, silent after.
  CHECK(muted[0] < 0.25f * g6);
  CHECK(muted[0] > 0.24f * g6);
  for (int i = 1; i < 480; ++i) REQUIRE(muted[2 * i] <= muted[2 * (i - 1)]);
  for (int i = 480; i < 9600; ++i) REQUIRE(muted[2 * i] == 0.0f);

  mixer.setMute("dc", false);
  mixer.setGain("dc", 0);
  std::vector<float> up(4800 * 2);
  mixer.mix(up.data(), 4800);
  CHECK(up[2 * 479] == 0.25f);
  CHECK(up[2 * 4799] == 0.25f);
  REQUIRE_THROWS_AS(mixer.setGain("nope", 0), mq::UserError);
  REQUIRE_THROWS_AS(mixer.fire("nope", 0), mq::UserError);
  REQUIRE_THROWS_AS(mixer.addSound("dc", clipOf({0, 0}), 0, false, false, -1), mq::UserError);
}

TEST_CASE("A looping sound wraps seamlessly", "[audio]") {
  // 1000 frames of a ramp: each sample names its position in the clip.
  std::vector<float> ramp(2000);
  for (int i = 0; i < 1000; ++i) ramp[2 * i] = ramp[2 * i + 1] = float(i) / 2000.0f;
  AudioMixer mixer;
  mixer.addSound("bed", clipOf(ramp), 0, false, true, 300);
  const std::vector<float> out = mixAll(mixer, 5000, 333);
  for (int n = 0; n < 5000; ++n) {
    const float expected = n < 300 ? 0.0f : float((n - 300) % 1000) / 2000.0f;
    REQUIRE(out[2 * n] == expected);
    REQUIRE(out[2 * n + 1] == expected);
  }
}

TEST_CASE("A fired cue starts exactly at its sample", "[audio]") {
  std::vector<float> click(200, 0.0f);
  click[0] = click[1] = 0.5f;  // an impulse, then silence
  for (int i = 1; i < 100; ++i) click[2 * i] = click[2 * i + 1] = 0.001f * float(i);

  SECTION("inside a later block") {
    AudioMixer mixer;
    mixer.addSound("click", clipOf(click), 0, false, false, -1);
    mixer.fire("click", 12345);
    const std::vector<float> out = mixAll(mixer, 16000, 512);
    for (int n = 0; n < 16000; ++n)
      REQUIRE(out[2 * n] == (n == 12345               ? 0.5f
                             : n > 12345 && n < 12445 ? 0.001f * float(n - 12345)
                                                      : 0.0f));
  }
  SECTION("inside the next block and the mixer's look-ahead, overlapping voices") {
    AudioMixer mixer;
    mixer.addSound("click", clipOf(click), 0, false, false, -1);
    std::vector<float> out = mixAll(mixer, 1024, 512);
    mixer.fire("click", 1024 + 7);  // already summed once as look-ahead
    mixer.fire("click", 1024 + 57);
    out.resize(2048 * 2);
    mixer.mix(out.data() + 2048, 1024);
    CHECK(out[2 * 1030] == 0.0f);
    CHECK(out[2 * 1031] == 0.5f);
    CHECK(out[2 * 1081] == 0.5f + 0.001f * 50);
    CHECK(out[2 * 1082] == 0.001f * 51 + 0.001f);
  }
  SECTION("for a past sample: starts now, trimmed as if it had started then") {
    AudioMixer mixer;
    mixer.addSound("click", clipOf(click), 0, false, false, -1);
    std::vector<float> out = mixAll(mixer, 1000, 1000);
    mixer.fire("click", 1000 - 40);
    mixer.mix(out.data(), 100);
    CHECK(out[0] == 0.001f * 40);
    CHECK(out[2 * 59] == 0.001f * 99);
    CHECK(out[2 * 60] == 0.0f);
  }
}

TEST_CASE("A source's sync offset delays its audio by exactly offset x 48 samples", "[audio]") {
  // The source has an impulse at media sample 1000 and a slope after it.
  auto reader = [](int64_t first, float* out, int frames) {
    for (int i = 0; i < frames; ++i) {
      const int64_t n = first + i;
      const float v = n == 1000 ? 0.5f : (n > 1000 && n < 1100) ? 0.001f * float(n - 1000) : 0.0f;
      out[2 * i] = out[2 * i + 1] = v;
    }
  };
  for (const double offsetMs : {0.0, 40.0, -10.0, 12.5}) {
    AudioMixer mixer;
    mixer.addSource("cam", reader, 0, false, offsetMs);
    const std::vector<float> out = mixAll(mixer, 6000, 256);
    const int expected = 1000 + int(std::lround(offsetMs * 48));
    INFO("offset " << offsetMs << " ms");
    for (int n = 0; n < 6000; ++n)
      if (out[2 * n] == 0.5f) CHECK(n == expected);
    CHECK(out[2 * expected] == 0.5f);
    CHECK(out[2 * (expected + 10)] == 0.001f * 10);
  }
}

TEST_CASE("The limiter holds a hot mix under -1 dBFS and leaves a quiet one untouched", "[audio]") {
  const double ceiling = std::pow(10.0, -1 / 20.0);
  SECTION("+6 dBFS") {
    AudioMixer mixer;
    // Two full-scale sines in phase sum to +6 dBFS, then a lone spike.
    mixer.addSound("a", clipOf(sine(1, 440, 1.0)), 0, false, false, 0);
    mixer.addSound("b", clipOf(sine(1, 440, 1.0)), 0, false, false, 0);
    std::vector<float> spike(4, 0.0f);
    spike[0] = 1.9f;
    spike[3] = -1.9f;
    mixer.addSound("spike", clipOf(spike), 0, false, false, 60000);
    const std::vector<float> out = mixAll(mixer, 72000, 480);
    const AudioStats stats = mixer.stats();
    CHECK(maxAbs(out) <= ceiling);
    CHECK(stats.peakDbfs == Approx(6.02).margin(0.01));
    CHECK(stats.overloadBlocks >= 95);  // 1 s of 10 ms blocks, and the spike
    CHECK(stats.maxGainReductionDb == Approx(7.02).margin(0.05));
    // Smooth: the gain never jumps between neighbouring samples while ramping.
    CHECK(std::abs(out[2 * 60000]) > 0.8);  // the spike is kept, only lowered
  }
  SECTION("quiet") {
    const std::vector<float> a = sine(2, 997, 0.4);
    std::vector<float> b(a.size());
    Noise noise;
    for (float& v : b) v = 0.3f * noise.next();
    AudioMixer mixer;
    mixer.addSound("a", clipOf(a), 0, false, false, 0);
    mixer.addSound("b", clipOf(b), 0, false, false, 0);
    const std::vector<float> out = mixAll(mixer, 96000, 800);
    for (size_t i = 0; i < out.size(); ++i) REQUIRE(out[i] == 0.0f + a[i] + b[i]);
    CHECK(mixer.stats().overloadBlocks == 0);
    CHECK(mixer.stats().maxGainReductionDb == 0);
  }
  SECTION("back to an exact pass-through after an overload") {
    PeakLimiter limiter;
    std::vector<float> loud = sine(0.2, 300, 1.5), quiet = sine(1.5, 300, 0.5);
    std::vector<float> gains(quiet.size() / 2);
    limiter.process(loud.data(), int(loud.size() / 2), gains.data());
    limiter.process(quiet.data(), int(quiet.size() / 2), gains.data());
    CHECK(gains[0] < 0.7f);
    CHECK(gains.back() == 1.0f);
  }
}

TEST_CASE("Loudness meter: K-weighting matches BS.1770 Table 1 and 2", "[audio]") {
  const Biquad pre = LoudnessMeter::preFilter(48000), rlb = LoudnessMeter::rlbFilter(48000);
  CHECK(pre.b0 == Approx(1.53512485958697).margin(1e-9));
  CHECK(pre.b1 == Approx(-2.69169618940638).margin(1e-9));
  CHECK(pre.b2 == Approx(1.19839281085285).margin(1e-9));
  CHECK(pre.a1 == Approx(-1.69065929318241).margin(1e-9));
  CHECK(pre.a2 == Approx(0.73248077421585).margin(1e-9));
  CHECK(rlb.a1 == Approx(-1.99004745483398).margin(1e-9));
  CHECK(rlb.a2 == Approx(0.99007225036621).margin(1e-9));
}

TEST_CASE("Loudness meter: BS.1770 and EBU Tech 3341 references", "[audio]") {
  SECTION("0 dBFS 997 Hz in one channel reads -3.01 LKFS (BS.1770-4, 2.1)") {
    std::vector<float> left = sine(5, 997, 1.0);
    for (size_t i = 1; i < left.size(); i += 2) left[i] = 0;
    LoudnessMeter meter;
    meter.process(left.data(), int(left.size() / 2));
    CHECK(meter.integratedLufs() == Approx(-3.01).margin(0.02));
  }
  SECTION("1 kHz at -23 dBFS in both channels reads -23.0 LUFS (Tech 3341 case 1)") {
    const std::vector<float> tone = sine(20, 1000, std::pow(10.0, -23 / 20.0));
    LoudnessMeter meter;
    meter.process(tone.data(), int(tone.size() / 2));
    CHECK(meter.momentaryLufs() == Approx(-23).margin(0.1));
    CHECK(meter.shortTermLufs() == Approx(-23).margin(0.1));
    CHECK(meter.integratedLufs() == Approx(-23).margin(0.1));
  }
  SECTION("-36 / -23 / -36 dBFS, 10 / 60 / 10 s reads I = -23.0 (Tech 3341 case 3)") {
    std::vector<float> v = sine(10, 1000, std::pow(10.0, -36 / 20.0));
    const std::vector<float> loud = sine(60, 1000, std::pow(10.0, -23 / 20.0));
    v.insert(v.end(), loud.begin(), loud.end());
    const std::vector<float> end = sine(10, 1000, std::pow(10.0, -36 / 20.0));
    v.insert(v.end(), end.begin(), end.end());
    LoudnessMeter meter;
    meter.process(v.data(), int(v.size() / 2));
    CHECK(meter.integratedLufs() == Approx(-23).margin(0.1));
  }
}

TEST_CASE("Loudness meter agrees with FFmpeg's ebur128 filter", "[audio]") {
  TempDir dir;
  struct Signal {
    const char* name;
    std::vector<float> samples;
  };
  std::vector<Signal> signals;
  signals.push_back({"sine -20 dBFS", sine(6, 1000, 0.1)});
  {
    // Pink-ish: white noise through a gentle one-pole low-pass, stereo uncorrelated.
    Noise noise;
    std::vector<float> v(size_t(48000) * 7 * 2);
    float l = 0, r = 0;
    for (size_t i = 0; i < v.size(); i += 2) {
      l += 0.05f * (noise.next() - l);
      r += 0.05f * (noise.next() - r);
      v[i] = 0.3f * noise.next() * 0.2f + 2.0f * l;
      v[i + 1] = 0.3f * noise.next() * 0.2f + 2.0f * r;
    }
    signals.push_back({"pink-ish noise", std::move(v)});
  }
  {
    // Loud, very quiet (under the relative gate), silent (under the absolute
    // gate), loud again: exercises both gates.
    std::vector<float> v = sine(4, 440, 0.2);
    const std::vector<float> quiet = sine(4, 440, 0.004), loud = sine(3.3, 2500, 0.1);
    v.insert(v.end(), quiet.begin(), quiet.end());
    v.insert(v.end(), size_t(48000) * 2 * 2, 0.0f);
    v.insert(v.end(), loud.begin(), loud.end());
    signals.push_back({"gated sections", std::move(v)});
  }
  for (const Signal& s : signals) {
    const fs::path file = dir.path / "signal.wav";
    writeWav(file, s.samples);
    const EbuReading ref = ffmpegEbur128(file);
    LoudnessMeter meter;
    meter.process(s.samples.data(), int(s.samples.size() / 2));
    INFO(s.name);
    CHECK(meter.integratedLufs() == Approx(ref.integrated).margin(0.3));
    CHECK(meter.momentaryLufs() == Approx(ref.momentary).margin(0.3));
    CHECK(meter.shortTermLufs() == Approx(ref.shortTerm).margin(0.3));
    std::printf("meter vs ffmpeg ebur128, %s: I %.2f / %.1f, M %.2f / %.1f, S %.2f / %.1f\n",
                s.name, meter.integratedLufs(), ref.integrated, meter.momentaryLufs(),
                ref.momentary, meter.shortTermLufs(), ref.shortTerm);
  }
}

TEST_CASE("Mixer stats report the program loudness", "[audio]") {
  AudioMixer mixer;
  mixer.addSound("tone", clipOf(sine(5, 1000, std::pow(10.0, -23 / 20.0))), 0, false, false, 0);
  mixAll(mixer, 48000 * 4, 1024);
  const AudioStats s = mixer.stats();
  CHECK(s.samplesMixed == 48000 * 4);
  CHECK(s.momentaryLufs == Approx(-23).margin(0.1));
  CHECK(s.shortTermLufs == Approx(-23 + 10 * std::log10(4.0 / 3.0 * 0.75)).margin(0.1));
  CHECK(s.integratedLufs == Approx(-23).margin(0.1));
  CHECK(s.peakDbfs == Approx(-23).margin(0.01));
  CHECK(s.lastBlockPeakDbfs == Approx(-23).margin(0.01));
  CHECK(s.overloadBlocks == 0);
}

TEST_CASE("The mix is deterministic and independent of the block size", "[audio]") {
  auto build = [](AudioMixer& mixer) {
    Noise noise;
    std::vector<float> n(48000 * 2);
    for (float& v : n) v = 0.9f * noise.next();
    mixer.addSound("noise", clipOf(n), 3, false, true, 0);
    mixer.addSound("tone", clipOf(sine(0.5, 220, 0.8)), 0, false, false, -1);
    mixer.addSource(
        "cam",
        [](int64_t first, float* out, int frames) {
          for (int i = 0; i < frames; ++i)
            out[2 * i] = out[2 * i + 1] = float(0.5 * std::sin(double(first + i) * 0.01));
        },
        -3, false, 20);
    mixer.fire("tone", 30000);
    mixer.fire("tone", 31234);
  };
  AudioMixer a, b, c;
  build(a);
  build(b);
  build(c);
  const std::vector<float> outA = mixAll(a, 96000, 1024);
  const std::vector<float> outB = mixAll(b, 96000, 1024);
  const std::vector<float> outC = mixAll(c, 96000, 97);
  CHECK(outA == outB);
  CHECK(outA == outC);
  CHECK(a.stats().overloadBlocks > 0);
  CHECK(maxAbs(outA) <= std::pow(10.0, -1 / 20.0));
}

TEST_CASE("Cues and gains can come from another thread while mixing", "[audio]") {
  AudioMixer mixer;
  mixer.addSound("pop", clipOf(sine(0.01, 1000, 0.1)), 0, false, false, -1);
  std::atomic<bool> done = false;
  std::thread control([&] {
    for (int i = 0; !done; ++i) {
      mixer.fire("pop", int64_t(i) * 100);
      mixer.setGain("pop", -double(i % 20));
      std::this_thread::yield();
    }
  });
  std::vector<float> block(256 * 2);
  for (int i = 0; i < 400; ++i) mixer.mix(block.data(), 256);
  done = true;
  control.join();
  CHECK(mixer.stats().samplesMixed == 400 * 256);
}

TEST_CASE("The bundled audio assets load, and the music bed loops", "[audio]") {
  const fs::path dir = fs::path(MARQUEE_SOURCE_DIR) / "assets" / "audio";
  for (const char* name : {"music_bed_loop.ogg", "sfx_cha_ching.wav", "sfx_whoosh.wav",
                           "sfx_pop.wav", "sfx_airhorn.mp3"}) {
    INFO(name);
    const auto clip = loadAudioClip(dir / name);
    CHECK(clip->frames() > 4800);
    const double peak = maxAbs(std::vector<float>(clip->samples.begin(), clip->samples.end()));
    CHECK(peak < 0.9);
    CHECK(peak > 0.1);
  }
  const auto bed = loadAudioClip(dir / "music_bed_loop.ogg");
  CHECK(bed->frames() == 24 * 48000);
  // Seamless: the step from the last sample to the first is no bigger than
  // the steps inside the file.
  double largestStep = 0;
  const std::vector<float>& s = bed->samples;
  for (size_t i = 2; i < s.size(); ++i)
    largestStep = std::max(largestStep, double(std::abs(s[i] - s[i - 2])));
  const size_t last = s.size() - 2;
  CHECK(std::abs(s[0] - s[last]) <= largestStep * 0.5);
  CHECK(std::abs(s[1] - s[last + 1]) <= largestStep * 0.5);
  // It plays at about -20 LUFS, looped through the mixer.
  AudioMixer mixer;
  mixer.addSound("bed", bed, 0, false, true, 0);
  mixAll(mixer, 48000 * 30, 4800);
  CHECK(mixer.stats().integratedLufs == Approx(-20).margin(0.7));
  CHECK(mixer.stats().overloadBlocks == 0);
}
