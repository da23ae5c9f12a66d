#include "runtime/show_media.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/log.h"
#include "scene/animation.h"

namespace mq::runtime {
namespace {

using scene::NodeKind;
using scene::Prop;

// Relative file paths in a scene resolve against the scene's folder; URLs,
// devices and built-in sources are taken as they are.
std::string resolveUrl(const scene::Scene& scene, const std::string& url) {
  if (url.find("://") != std::string::npos || url.rfind("builtin:", 0) == 0 ||
      url.rfind("/", 0) == 0)
    return url;
  return scene.resolve(url).string();
}

int64_t sampleAt(int64_t frame, Rational fps) {
  return frame * media::kAudioRate * fps.den / fps.num;
}

}  // namespace

std::pair<std::string, std::string> parseInputOverride(const std::string& text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    throw UserError("--input: expected ID=URL (for example camera=rtmp://host/live/key), got \"" +
                    text + "\"");
  }
  return {text.substr(0, eq), text.substr(eq + 1)};
}

ShowMedia::ShowMedia(const scene::Scene& scene, Rational fps, ShowMediaOptions options)
    : scene_(scene),
      fps_(fps),
      cues_(scene.cues),
      pacing_(options.pacing),
      jitterUs_(std::llround(options.liveJitterMs * 1000)) {
  for (const auto& [id, url] : options.inputOverrides) {
    const scene::Node* n = scene.findNode(id);
    if (!n || n->kind != NodeKind::Video) {
      std::string ids;
      for (const scene::Node* v : scene.allNodes())
        if (v->kind == NodeKind::Video) ids += (ids.empty() ? "" : ", ") + v->id;
      throw UserError("--input " + id + "=...: the scene has no video node with id \"" + id +
                      "\" (video nodes: " + (ids.empty() ? "none" : ids) + ")");
    }
  }
  for (const scene::Node* n : scene.allNodes()) {
    if (n->kind != NodeKind::Video) continue;
    Source s;
    s.node = n;
    auto o = options.inputOverrides.find(n->id);
    s.url =
        o != options.inputOverrides.end() ? o->second : resolveUrl(scene, n->getString(Prop::Url));
    media::SourceOptions so;
    so.id = n->id;
    so.url = s.url;
    so.loop = n->getBool(Prop::Loop);
    scene::Vec2 size = n->getVec2(Prop::CaptureSize);
    so.captureWidth = int(size.x);
    so.captureHeight = int(size.y);
    so.captureFps = n->getFloat(Prop::CaptureFps);
    so.capturePixelFormat = n->getString(Prop::CaptureFormat);
    so.pacing = options.pacing;
    so.liveWaitSeconds = 0.05;
    s.syncOffsetUs = std::llround(n->getFloat(Prop::SyncOffset) * 1000);
    if (const std::string& clip = n->getString(Prop::EmitClip); !clip.empty())
      s.startClip = scene.findClip(clip);
    s.options = so;
    s.media = std::make_unique<media::MediaSource>(so);
    s.liveInput = options.pacing == media::Pacing::Live && s.media->isLiveInput();
    s.originUs = std::make_shared<std::atomic<int64_t>>(s.liveInput ? kNoOrigin : 0);
    log::info("source ", n->id, ": ", s.url);
    if (s.startClip) {
      // Its sound is not mixed from here: the source is opened again for
      // each start, under the mixer's reader. A stinger's sound plays as its
      // transition's (the loader makes it a sound node).
      sources_.push_back(std::move(s));
      continue;
    }
    media::MediaSource* source = s.media.get();
    mixer_.addSource(
        n->id,
        [source, origin = s.originUs](int64_t first, float* out, int frames) {
          int64_t o = origin->load();
          if (o == kNoOrigin) {  // a live source that has not started yet
            std::fill(out, out + size_t(frames) * media::kAudioChannels, 0.f);
            return;
          }
          source->readAudio(first - o * media::kAudioRate / 1000000, out, frames);
        },
        n->getFloat(Prop::Gain), n->getBool(Prop::Mute), n->getFloat(Prop::SyncOffset));
    sources_.push_back(std::move(s));
    hasAudio_ = true;
  }
  for (const scene::Node* n : scene.allNodes()) {
    if (n->kind != NodeKind::Sound) continue;
    std::shared_ptr<const media::AudioClip> clip;
    try {
      clip = media::loadAudioClip(scene.resolve(n->getString(Prop::File)));
    } catch (const UserError& e) {
      // (A stinger's sound node, made by the loader, points at its source.)
      throw scene::SceneError({scene::issueAt(
          scene, n->generated ? n->jsonPointer : n->jsonPointer + "/file", e.what())});
    }
    mixer_.addSound(n->id, std::move(clip), n->getFloat(Prop::Gain), n->getBool(Prop::Mute),
                    n->getBool(Prop::Loop), n->getBool(Prop::Autoplay) ? 0 : -1);
    hasAudio_ = true;
  }
  // A clip's sound plays on the frame the clip starts: at each cue that
  // starts it, and at 0 when it plays by itself.
  for (const scene::Clip& clip : scene.clips) {
    if (clip.sound.empty()) continue;
    auto play = [&](double time) {
      scene::Cue c;
      c.time = time;
      c.play = clip.sound;
      cues_.push_back(std::move(c));
    };
    if (clip.autoplay) play(0);
    for (const scene::Cue& cue : scene.cues)
      if (cue.start == clip.id) play(cue.time);
  }
  std::stable_sort(cues_.begin(), cues_.end(),
                   [](const scene::Cue& a, const scene::Cue& b) { return a.time < b.time; });
}

ShowMedia::~ShowMedia() = default;

render::VideoFrames ShowMedia::videoFrames(int64_t frame) {
  render::VideoFrames frames;
  lastSourceLagUs_ = 0;
  for (Source& s : sources_) {
    int64_t mediaFrame = frame;
    if (s.startClip) {
      scene::ClipState state =
          scene::clipState(scene_, *s.startClip, frameTimeSeconds(frame, fps_));
      if (!state.playing) continue;
      // (Hidden from half a frame before its end: see the loader.)
      if (s.node->generated && state.localTime >= s.startClip->duration - 0.5 / fps_.toDouble()) {
        // A stinger that has played is hidden: open it again now, so the
        // next start has its first picture at once (a live show cannot wait).
        if (s.startFrame >= 0) s.media = std::make_unique<media::MediaSource>(s.options);
        s.startFrame = -1;
        continue;
      }
      // Frame k of the video on the k-th output frame from the start's (the
      // first frame at or after the cue), as if it had played from show time 0.
      auto start = int64_t(std::ceil(state.startTime * fps_.toDouble() - 1e-6));
      if (start != s.startFrame) {
        // A source reads forwards only: a later start opens it again.
        if (s.startFrame >= 0) s.media = std::make_unique<media::MediaSource>(s.options);
        s.startFrame = start;
      }
      mediaFrame = std::max<int64_t>(0, frame - start);
    }
    int64_t origin = s.originUs->load();
    int64_t showUs = frameTimeUs(mediaFrame, fps_);
    if (origin == kNoOrigin) {
      // A live source starts playing (behind by the jitter allowance) once
      // its first picture is there.
      std::optional<media::VideoFrame> first = s.media->videoFrameAt(0);
      if (first) s.originUs->store(origin = showUs - s.syncOffsetUs - first->timeUs + jitterUs_);
    }
    int64_t wantUs = showUs - s.syncOffsetUs - (origin == kNoOrigin ? 0 : origin);
    std::optional<media::VideoFrame> picture = s.media->videoFrameAt(wantUs);
    media::SourceStats st = s.media->stats();
    if (picture && origin != kNoOrigin) {
      // Late by more than one of its own frames: the picture repeats.
      int64_t period = st.fps > 0 ? std::llround(1e6 / st.fps) : frameTimeUs(1, fps_);
      int64_t lag = wantUs - picture->timeUs - period;
      s.lateUs = 0;
      if (lag > period / 2 && st.state != media::SourceState::Ended) {
        ++s.repeated;
        s.lateUs = lag;
        s.maxLateUs = std::max(s.maxLateUs, lag);
        lastSourceLagUs_ = std::max(lastSourceLagUs_, lag);
      }
      if (s.liveInput) {
        // A live source that drifted (an outage, a clock running fast or
        // slow) is re-anchored instead of repeating or buffering forever.
        if (lag > 1'000'000) {
          if (s.lateSinceUs < 0) s.lateSinceUs = showUs;
          if (showUs - s.lateSinceUs > 1'000'000) {
            s.originUs->store(showUs - s.syncOffsetUs - picture->timeUs + jitterUs_);
            s.lateSinceUs = -1;
          }
        } else {
          s.lateSinceUs = -1;
        }
      }
    }
    bool lost = st.state == media::SourceState::Reconnecting;
    bool slate =
        !picture || (lost && s.node->getEnum<scene::OnLoss>(Prop::OnLoss) == scene::OnLoss::Slate);
    if (slate) {
      ++s.slateFrames;
      continue;
    }
    frames.emplace(s.node->id, std::move(*picture));
  }
  return frames;
}

int64_t ShowMedia::audioFramesFor(int64_t frame) const {
  return sampleAt(frame + 1, fps_) - sampleAt(frame, fps_);
}

void ShowMedia::mixAudio(int64_t frame, std::vector<float>& out) {
  int64_t first = sampleAt(frame, fps_), end = sampleAt(frame + 1, fps_);
  while (nextCue_ < cues_.size()) {
    int64_t at = std::llround(cues_[nextCue_].time * media::kAudioRate);
    if (at >= end) break;
    // Cues that start or stop clips are for the picture (scene/animation.h).
    if (!cues_[nextCue_].play.empty()) mixer_.fire(cues_[nextCue_].play, std::max(at, first));
    ++nextCue_;
  }
  out.resize(size_t(end - first) * media::kAudioChannels);
  mixer_.mix(out.data(), int(end - first));
}

std::vector<SourceReport> ShowMedia::sourceReports() const {
  std::vector<SourceReport> out;
  for (const Source& s : sources_)
    out.push_back({s.node->id, s.url, s.media->stats(), s.slateFrames, s.repeated,
                   double(s.lateUs) / 1000.0, double(s.maxLateUs) / 1000.0});
  return out;
}

void ShowMedia::fire(const std::string& id, int64_t frame) {
  mixer_.fire(id, sampleAt(frame, fps_));
}

void ShowMedia::injectDecodeStall(const std::string& id, double seconds) {
  for (Source& s : sources_) {
    if (s.node->id == id) {
      s.media->injectStall(seconds);
      return;
    }
  }
  throw UserError("--inject decode-stall: the scene has no video source \"" + id + "\"");
}

media::AudioStats ShowMedia::audioStats() const {
  return mixer_.stats();
}

bool ShowMedia::hasAudio() const {
  return hasAudio_;
}

}  // namespace mq::runtime
