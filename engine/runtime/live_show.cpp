#include "runtime/live_show.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "core/error.h"
#include "core/log.h"
#include "render/compositor.h"
#include "runtime/encoder_handoff.h"
#include "runtime/stats_json.h"

namespace mq::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using ojson = nlohmann::ordered_json;

// Frames the encoder may have queued before new ones are skipped: enough to
// absorb an encode that takes a little longer now and then, short enough
// that the output never lags the clock by more than a few frames.
constexpr size_t kMaxQueuedVideo = 4;
// Output buffers: in flight, ready, the one kept for repeats, the encoder's queue.
constexpr uint32_t kOutputBuffers = 12;
constexpr int kMaxLead = 15;  // frames a render may be started ahead of its tick
constexpr int kMaxShedLevel = 3;

// Shed levels 2 and 3 render every 2nd or 3rd tick; the ticks between are
// repeats by design, not missed deadlines.
int cadenceOf(int shedLevel) {
  return shedLevel >= 2 ? shedLevel : 1;
}

double msBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// The encoder on its own thread, fed in tick order.
class EncodeThread {
 public:
  EncodeThread(gpu::Device& device, media::Encoder& encoder) : device_(device), encoder_(encoder) {
    thread_ = std::thread([this] { run(); });
  }
  ~EncodeThread() { close(); }

  // False (and nothing queued) when the encoder is too far behind: skip it.
  bool pushVideo(int64_t index, const render::FrameOutput& frame) {
    std::lock_guard lock(mutex_);
    if (queuedVideo_ >= kMaxQueuedVideo) return false;
    Item item;
    item.index = index;
    item.frame = frame;
    items_.push_back(std::move(item));
    ++queuedVideo_;
    maxDepth_ = std::max(maxDepth_, queuedVideo_);
    ready_.notify_one();
    return true;
  }
  void pushAudio(const std::vector<float>& samples) {
    std::lock_guard lock(mutex_);
    Item item;
    item.audio = samples;
    items_.push_back(std::move(item));
    ready_.notify_one();
  }
  void stall(double seconds) { stallSeconds_ = seconds; }
  // Drains the queue and joins; rethrows an encoder failure.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    ready_.notify_one();
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }
  size_t depth() const {
    std::lock_guard lock(mutex_);
    return queuedVideo_;
  }
  size_t maxDepth() const {
    std::lock_guard lock(mutex_);
    return maxDepth_;
  }
  // Time the encoder took for each video frame (encode and mux, this thread).
  DurationHistogram encodeMs() const {
    std::lock_guard lock(mutex_);
    return encodeMs_;
  }

 private:
  struct Item {
    int64_t index = -1;  // video frame index, or -1 for audio
    render::FrameOutput frame;
    std::vector<float> audio;
  };

  void run() {
    for (;;) {
      Item item;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return closing_ || !items_.empty(); });
        if (items_.empty()) return;
        item = std::move(items_.front());
        items_.pop_front();
      }
      if (double s = stallSeconds_.exchange(0); s > 0) {
        log::info("injected encode stall of ", s, " s");
        std::this_thread::sleep_for(std::chrono::duration<double>(s));
      }
      Clock::time_point begin = Clock::now();
      try {
        if (item.index >= 0) {
          const render::FrameOutput& f = item.frame;
          encoder_.submitVideo(encoderPlanes(device_, f, encoder_.cudaInterop()), item.index,
                               [lease = f.lease]() mutable { lease.reset(); });
        } else {
          encoder_.submitAudio(item.audio.data(), int(item.audio.size() / media::kAudioChannels));
        }
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      if (item.index >= 0) {
        std::lock_guard lock(mutex_);
        --queuedVideo_;
        encodeMs_.add(msBetween(begin, Clock::now()));
      }
    }
  }

  gpu::Device& device_;
  media::Encoder& encoder_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Item> items_;
  size_t queuedVideo_ = 0, maxDepth_ = 0;
  DurationHistogram encodeMs_;
  bool closing_ = false;
  std::atomic<double> stallSeconds_{0};
  std::exception_ptr error_;
  std::thread thread_;
};

double secondsSinceLocalMidnight() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&t, &local);
  double fraction =
      std::chrono::duration<double>(now - std::chrono::system_clock::from_time_t(t)).count();
  return local.tm_hour * 3600.0 + local.tm_min * 60.0 + local.tm_sec + fraction;
}

}  // namespace

ojson runLive(gpu::Device& device, scene::Scene& scene, const LiveOptions& options) {
  media::EncoderSettings es = options.encoder;
  const Rational fps = es.fps;
  const double periodMs = 1000.0 / fps.toDouble();

  render::OutputSpec spec;
  spec.width = uint32_t(es.width);
  spec.height = uint32_t(es.height);
  spec.format = render::OutputFormat::Nv12;
  spec.buffers = kOutputBuffers;
  spec.reuseUnchangedTiles = options.reuseUnchangedTiles;
  spec.exportForCuda = prepareEncoderHandoff(device, es);
  // Countdowns to a time of day count against the real clock when live.
  scene.clockAtStart = secondsSinceLocalMidnight();
  render::Compositor compositor(device, scene, spec);
  ShowMediaOptions mediaOptions = options.media;
  mediaOptions.pacing = media::Pacing::Live;
  ShowMedia media(scene, fps, mediaOptions);
  std::vector<Fault> faults = options.faults;
  for (const Fault& f : faults)  // an unknown source id is bad input, found before starting
    if (f.kind == FaultKind::DecodeStall) media.injectDecodeStall(f.source, 0);
  media::Encoder encoder(es, options.outputs);
  EncodeThread encode(device, encoder);
  // The operator's preview, from the same frames; its own encoder and queue.
  std::optional<render::PreviewOverlay> preview;
  std::optional<media::Encoder> previewEncoder;
  std::optional<EncodeThread> previewEncode;
  if (!options.previewOutput.empty()) {
    preview.emplace(device, compositor, options.preview);
    compositor.addOutputReader(&*preview);
    media::EncoderSettings previewSettings = es;
    previewSettings.cuda.reset();  // the preview overlay's frames are in host memory
    previewEncoder.emplace(previewSettings, std::vector<std::string>{options.previewOutput});
    previewEncode.emplace(device, *previewEncoder);
  }
  uint64_t previewSkipped = 0;
  auto previewJson = [&] {
    return ojson{{"skipped", previewSkipped},
                 {"encoder_queue", previewEncode->depth()},
                 {"outputs", outputsJson(previewEncoder->outputStats())}};
  };

  struct Rendered {
    render::FrameOutput frame;
    render::FrameOutput preview;  // with a preview output
    int64_t target = 0;
  };
  // A finished frame, with its preview.
  auto finished = [&](const render::FrameTicket& ticket, int64_t target) {
    Rendered r;
    r.frame = compositor.wait(ticket);
    if (preview) r.preview = preview->preview(ticket, r.frame);
    r.target = target;
    return r;
  };
  struct InFlight {
    render::FrameTicket ticket;
    int64_t target;
    Clock::time_point started;
  };
  std::optional<InFlight> inflight;
  std::deque<Rendered> ready;
  std::optional<Rendered> shown;  // the picture on screen (repeated when nothing newer is ready)
  double estimateMs = periodMs;   // expected render time, a running estimate
  int64_t lastTarget = -1;

  // Counters.
  uint64_t lagged = 0, skipped = 0, rendered = 0, fresh = 0, discardedLate = 0;
  uint64_t shedRepeats = 0;  // ticks between a shed cadence's frames
  DurationHistogram renderMs;
  double avOffsetMs = 0, maxAbsAvOffsetMs = 0;
  int shedLevel = 0, maxShedLevel = 0, shedChanges = 0;
  int64_t lastShedChange = 0;
  std::deque<std::pair<int64_t, bool>> recentLag;  // (tick, lagged) over the last 3 s
  uint64_t secondLagged = 0, secondSkipped = 0;
  std::vector<double> secondRenderMs;

  // Frame 0 is rendered before the clock starts (its pipelines are created
  // then), so the output begins with a picture at index 0.
  {
    if (options.data) {
      options.data->frame(0, 0, scene, &media);
      compositor.setPropertyOverrides(options.data->overrides());
    }
    render::FrameTicket first = compositor.submit(0.0, media.videoFrames(0));
    ready.push_back(finished(first, 0));
    // A second one without shadows: the pipelines shedding uses exist too.
    render::PlanQuality noShadows;
    noShadows.shadows = false;
    finished(compositor.submit(0.0, media.videoFrames(0), noShadows), 0);
    // From here on a tile class met mid-show is drawn with the fallback while
    // its own pipeline is made in the background (a frame waiting for it
    // would be late); the fallback is made, and run once, now.
    compositor.setFallbackOnly(true);
    finished(compositor.submit(0.0, media.videoFrames(0)), 0);
    compositor.setFallbackOnly(false);
    compositor.setCompileInBackground(true);
    lastTarget = 0;
    // The warm-up frames pay for compiling pipelines (and the second reuses
    // most tiles of the first), so their times say nothing about the steady
    // state. Start from one period: the first frame that takes longer raises
    // the estimate at once. (Starting from the warm-up time made the first
    // seconds render many ticks ahead with a two-frame queue, skipping the
    // ticks between: a burst of lagged frames and needless shedding.)
    estimateMs = periodMs;
  }
  const int64_t ticksPerSecond = std::max<int64_t>(1, std::llround(fps.toDouble()));
  const Clock::time_point start = Clock::now();
  auto tickTime = [&](int64_t n) { return start + std::chrono::microseconds(frameTimeUs(n, fps)); };
  std::vector<float> audio;
  int64_t n = 0;
  auto collect = [&] {
    Rendered r = finished(inflight->ticket, inflight->target);
    double ms = msBetween(inflight->started, Clock::now());
    renderMs.add(ms);
    secondRenderMs.push_back(ms);
    // Rises at once, falls slowly: a frame that overran is taken seriously.
    estimateMs = ms > estimateMs ? ms : 0.9 * estimateMs + 0.1 * ms;
    ready.push_back(std::move(r));
    inflight.reset();
    ++rendered;
  };
  for (; options.frames == 0 || n < options.frames; ++n) {
    // Until tick n is due: collect finished renders and start the next one as
    // soon as the renderer is free, for the tick it should be ready by.
    for (;;) {
      if (inflight && compositor.finished(inflight->ticket)) collect();
      if (!inflight && ready.size() < 2) {
        double untilTickMs = std::max(0.0, msBetween(Clock::now(), tickTime(n)));
        int lead =
            std::clamp(int(std::ceil((estimateMs * 1.2 - untilTickMs) / periodMs)), 0, kMaxLead);
        int64_t target = std::max(n + lead, lastTarget + 1);
        // Shedding to every 2nd or 3rd frame renders a regular cadence of
        // output frames, so motion stays even.
        if (int step = cadenceOf(shedLevel); step > 1) target = (target + step - 1) / step * step;
        if (options.frames == 0 || target < options.frames) {
          render::VideoFrames videos = media.videoFrames(target);
          if (options.data) {
            // Data and rules for every frame up to the target, in order, so a
            // rule fires on the frame its condition became true.
            for (int64_t k = lastTarget + 1; k <= target; ++k)
              options.data->frame(frameTimeSeconds(k, fps), k, scene, &media);
            compositor.setPropertyOverrides(options.data->overrides());
          }
          render::PlanQuality quality;
          quality.shadows = shedLevel == 0;
          inflight = InFlight{compositor.submit(frameTimeSeconds(target, fps), videos, quality),
                              target, Clock::now()};
          lastTarget = target;
        }
      }
      Clock::time_point now = Clock::now();
      if (now >= tickTime(n)) break;
      if (inflight) {
        auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(tickTime(n) - now);
        compositor.waitFor(inflight->ticket, uint64_t(left.count()));
      } else {
        std::this_thread::sleep_until(tickTime(n));
      }
    }
    if (options.stop && options.stop->load()) break;
    const double showSeconds = frameTimeSeconds(n, fps);
    for (Fault& f : faults) {
      if (f.fired || f.at > showSeconds) continue;
      f.fired = true;
      if (f.kind == FaultKind::RenderStall) {
        log::info("injected render stall of ", f.seconds, " s");
        std::this_thread::sleep_for(std::chrono::duration<double>(f.seconds));
      } else if (f.kind == FaultKind::DecodeStall) {
        media.injectDecodeStall(f.source, f.seconds);
      } else {
        encode.stall(f.seconds);
      }
    }

    // The picture for tick n: the newest ready frame due by now.
    // A frame finished more than one tick after its own is not shown: its
    // picture would trail its sound. The render-time estimate has already
    // grown, so the next frames start early enough.
    std::optional<Rendered> pick;
    while (!ready.empty() && ready.front().target <= n) {
      if (ready.front().target < n - 1)
        ++discardedLate;
      else
        pick = std::move(ready.front());
      ready.pop_front();
    }
    bool isLagged = false;
    if (pick) {
      ++fresh;
      // A fresh picture shown after its own tick trails its sound by that much.
      // (A source that is late repeats its picture instead: see its
      // "repeated" and "late_ms".)
      avOffsetMs = double(n - pick->target) * periodMs;
      maxAbsAvOffsetMs = std::max(maxAbsAvOffsetMs, std::abs(avOffsetMs));
      isLagged = pick->target != n;
      shown = std::move(pick);
    } else if (n % cadenceOf(shedLevel) != 0) {
      ++shedRepeats;  // between the frames of the shed cadence: repeated as planned
    } else {
      isLagged = true;  // the renderer missed this tick: the encoder repeats the last picture
    }
    if (isLagged) {
      ++lagged;
      ++secondLagged;
    }
    if (shown) {
      if (!encode.pushVideo(n, shown->frame)) {
        ++skipped;
        ++secondSkipped;
      }
      if (previewEncode && !previewEncode->pushVideo(n, shown->preview)) ++previewSkipped;
    } else {
      ++skipped;  // nothing rendered yet at the very start
      ++secondSkipped;
      if (previewEncode) ++previewSkipped;
    }
    media.mixAudio(n, audio);
    encode.pushAudio(audio);
    if (previewEncode) previewEncode->pushAudio(audio);

    // Shedding: step up after a second with >10% lagged frames, back down
    // after three seconds without any.
    recentLag.emplace_back(n, isLagged);
    while (!recentLag.empty() && recentLag.front().first <= n - 3 * ticksPerSecond)
      recentLag.pop_front();
    if ((n + 1) % ticksPerSecond == 0) {
      size_t lastSecondLagged = 0, threeSecondsLagged = 0;
      for (auto& [tick, l] : recentLag) {
        threeSecondsLagged += l;
        if (tick > n - ticksPerSecond) lastSecondLagged += l;
      }
      if (lastSecondLagged * 10 > size_t(ticksPerSecond) && shedLevel < kMaxShedLevel &&
          n - lastShedChange >= 2 * ticksPerSecond) {
        ++shedLevel;
        ++shedChanges;
        lastShedChange = n;
        maxShedLevel = std::max(maxShedLevel, shedLevel);
        log::info("falling behind: shedding to level ", shedLevel);
      } else if (threeSecondsLagged == 0 && shedLevel > 0 &&
                 n - lastShedChange >= 3 * ticksPerSecond &&
                 // A denser cadence only when renders fit it with room to
                 // spare, so the show does not flap between levels.
                 estimateMs < 0.8 * periodMs * cadenceOf(shedLevel - 1)) {
        --shedLevel;
        ++shedChanges;
        lastShedChange = n;
        log::info("keeping up again: restoring to shed level ", shedLevel);
      }
      if (options.onSecond) {
        ojson line;
        line["t"] = frameTimeSeconds(n + 1, fps);
        line["frames"] = n + 1;
        line["lagged"] = lagged;
        line["skipped"] = skipped;
        line["shed_repeats"] = shedRepeats;
        line["lagged_last_second"] = secondLagged;
        line["skipped_last_second"] = secondSkipped;
        line["render_ms"] = percentilesJson(secondRenderMs);
        line["av_offset_ms"] = avOffsetMs;
        line["max_abs_av_offset_ms"] = maxAbsAvOffsetMs;
        line["shed_level"] = shedLevel;
        line["encoder_queue"] = encode.depth();
        line["render_ahead_frames"] = lastTarget - n;
        ojson sources = ojson::array();
        for (const SourceReport& r : media.sourceReports())
          sources.push_back({{"id", r.id},
                             {"state", media::sourceStateName(r.stats.state)},
                             {"repeated", r.repeated},
                             {"late_ms", r.lateMs},
                             {"slate_frames", r.slateFrames}});
        line["sources"] = sources;
        ojson outputs = ojson::array();
        for (const media::OutputStats& o : encoder.outputStats())
          outputs.push_back({{"url", o.url},
                             {"state", media::outputStateName(o.state)},
                             {"bitrate_kbps", o.bitrateKbps},
                             {"dropped_packets", o.droppedPackets},
                             {"reconnects", o.reconnects},
                             {"queue_depth", o.queueDepth}});
        line["outputs"] = outputs;
        if (previewEncoder) line["preview"] = previewJson();
        line["audio"] = {{"momentary_lufs", media.audioStats().momentaryLufs},
                         {"peak_dbfs", media.audioStats().lastBlockPeakDbfs}};
        options.onSecond(line);
      }
      secondLagged = secondSkipped = 0;
      secondRenderMs.clear();
    }
  }
  const int64_t frames = n;
  const double wall = msBetween(start, Clock::now()) / 1000.0;
  if (inflight) compositor.wait(inflight->ticket);  // let the GPU finish before teardown
  ready.clear();
  encode.close();
  if (previewEncode) previewEncode->close();
  shown.reset();
  encoder.finish();
  if (previewEncoder) previewEncoder->finish();

  ojson stats;
  stats["mode"] = "live";
  stats["frames"] = frames;
  stats["width"] = es.width;
  stats["height"] = es.height;
  stats["fps_target"] = fps.toDouble();
  stats["wall_s"] = wall;
  stats["render_ms"] = renderMs.json();
  stats["encode_ms"] = encode.encodeMs().json();
  stats["rendered"] = rendered;
  stats["lagged"] = lagged;
  stats["skipped"] = skipped;
  stats["shed_repeats"] = shedRepeats;
  stats["fresh"] = fresh;
  stats["discarded_late"] = discardedLate;
  stats["av_offset_ms"] = {{"current", avOffsetMs}, {"max_abs", maxAbsAvOffsetMs}};
  stats["shed_level"] = {{"current", shedLevel}, {"max", maxShedLevel}, {"changes", shedChanges}};
  stats["queue_depths"] = {{"encoder_max", encode.maxDepth()}};
  stats["device"] = device.name();
  stats["cpu_pixel_copy_bytes_per_frame"] =
      frames > 0 ? double(encoder.cpuPixelCopyBytes()) / double(frames) : 0.0;
  stats["encoder_wait_ms"] = compositor.outputWaitMs();
  stats["tiles"] = tileCountsJson(compositor.tileCounts());
  stats["pipelines"] = {
      {"compiled_in_background", compositor.pipelineCounts().compiledInBackground},
      {"fallback_tiles", compositor.pipelineCounts().fallbackTiles}};
  stats["video_encoder"] = encoder.videoEncoderName();
  stats["sources"] = sourcesJson(media.sourceReports());
  stats["audio"] = audioJson(media.audioStats());
  stats["outputs"] = outputsJson(encoder.outputStats());
  if (previewEncoder) stats["preview"] = previewJson();
  return stats;
}

}  // namespace mq::runtime
