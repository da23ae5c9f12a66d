// The media side of a show: one MediaSource per video node, the program audio
// mix (sources, sound nodes, cues), and what each output frame takes from
// them. Offline this is deterministic: frame n shows, from each source, the
// picture at media time n / fps - sync offset, and gets the audio samples
// [n * 48000 / fps, (n + 1) * 48000 / fps) computed in integers, so sound and
// picture cannot drift apart however long the show runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/rational.h"
#include "media/audio_mixer.h"
#include "media/media_source.h"
#include "render/compositor.h"
#include "scene/scene.h"

namespace mq::runtime {

struct ShowMediaOptions {
  media::Pacing pacing = media::Pacing::Offline;
  // Live pacing, network and device sources: how far behind their newest
  // picture the show plays them, so arrival jitter does not show as repeats.
  double liveJitterMs = 100;
  // --input ID=URL: replaces the url of the video node with that id.
  std::map<std::string, std::string> inputOverrides;
};

struct SourceReport {
  std::string id, url;
  media::SourceStats stats;
  uint64_t slateFrames = 0;  // output frames that showed the slate
  uint64_t repeated = 0;     // rendered frames where the source was late (picture repeated)
  double lateMs = 0;  // how late its picture was in the last frame (beyond one of its frames)
  double maxLateMs = 0;
};

class ShowMedia {
 public:
  // Starts every source and loads every sound. Throws scene::SceneError for a
  // sound file that does not decode (naming its JSON pointer) and
  // mq::UserError for an --input id that names no video node.
  ShowMedia(const scene::Scene& scene, Rational fps, ShowMediaOptions options);
  ~ShowMedia();

  // The picture of each video node for output frame `frame` (nodes without
  // one show their slate).
  render::VideoFrames videoFrames(int64_t frame);
  // How far behind its requested time the stalest source picture of the last
  // videoFrames() call was, beyond one frame of its own (0 when all on time).
  int64_t lastSourceLagUs() const { return lastSourceLagUs_; }

  // Plays sound node `id` from the start of output frame `frame` (a cue fired
  // while the show runs: a rule, later an operator).
  void fire(const std::string& id, int64_t frame);

  // Fault injection: source `id`'s decoder stalls for `seconds`. Throws
  // mq::UserError for an id that is not a video source.
  void injectDecodeStall(const std::string& id, double seconds);

  // Number of audio sample frames (48 kHz) belonging to output frame `frame`.
  int64_t audioFramesFor(int64_t frame) const;
  // Mixes output frame `frame`'s audio (interleaved stereo, audioFramesFor()
  // frames) into `out`; frames must be mixed in order from 0.
  void mixAudio(int64_t frame, std::vector<float>& out);

  std::vector<SourceReport> sourceReports() const;
  media::AudioStats audioStats() const;
  bool hasAudio() const;  // any source audio or sound node

 private:
  struct Source {
    const scene::Node* node;
    std::string url;
    std::unique_ptr<media::MediaSource> media;
    int64_t syncOffsetUs = 0;
    uint64_t slateFrames = 0;
    uint64_t repeated = 0;
    int64_t lateUs = 0, maxLateUs = 0;
    // Live network and device sources run on their own clock: show time t
    // plays their media time t - origin (set when their first picture
    // arrives, reset when they fall more than a second behind or ahead).
    bool liveInput = false;
    std::shared_ptr<std::atomic<int64_t>> originUs;
    int64_t lateSinceUs = -1;  // show time since which it has been > 1 s late
    // A video with a "clip" (a stinger) plays from its first frame at each
    // start of that clip, and shows nothing while the clip is not playing.
    const scene::Clip* startClip = nullptr;
    media::SourceOptions options;  // to open it again for a later start
    int64_t startFrame = -1;       // the output frame its media time 0 is at; -1: not read yet
  };
  static constexpr int64_t kNoOrigin = INT64_MIN;

  const scene::Scene& scene_;
  Rational fps_;
  std::vector<Source> sources_;
  media::AudioMixer mixer_;
  std::vector<scene::Cue> cues_;  // sorted by time
  size_t nextCue_ = 0;
  bool hasAudio_ = false;
  media::Pacing pacing_;
  int64_t jitterUs_ = 0;
  int64_t lastSourceLagUs_ = 0;
};

// "camera=rtmp://host/app/key" -> {"camera", "rtmp://host/app/key"}; throws
// mq::UserError naming --input when there is no '=' or the id is empty.
std::pair<std::string, std::string> parseInputOverride(const std::string& text);

}  // namespace mq::runtime
