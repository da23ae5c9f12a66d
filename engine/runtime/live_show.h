// Live mode: the show paced to the wall clock at the output frame rate, for
// as long as it runs.
//
// One output clock: tick n is due at start + n / fps, and every tick gets a
// video frame (index n) and its audio block (samples [n·48000/fps,
// (n+1)·48000/fps)), so the output is constant-rate and sound and picture are
// tied to the same counter. Rendering runs ahead: a frame is rendered for the
// tick at which it is expected to be ready (render time estimated from the
// last frames), and shown exactly at that tick, so a fresh picture is never
// later than its sound. When the renderer misses a tick, the encoder gets the
// previous picture again (a "lagged" frame, counted) instead of waiting, and
// when it keeps missing, optional work is shed in steps (shadows, then
// rendering every second or third tick) and restored once it keeps up again.
// The encoder runs on its own thread behind a short queue; when that queue is
// full the frame is skipped (counted separately from lagged frames) rather
// than holding up the clock.
#pragma once

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/rational.h"
#include "gpu/device.h"
#include "media/encoder.h"
#include "render/preview_overlay.h"
#include "runtime/fault_injection.h"
#include "runtime/show_data.h"
#include "runtime/show_media.h"
#include "scene/scene.h"

namespace mq::runtime {

struct LiveOptions {
  int64_t frames = 0;  // 0: until `stop` is set
  std::vector<std::string> outputs;
  // The operator's preview (program plus zebra and focus peaking), encoded
  // to this output of its own with the same settings and sound; empty: none.
  // It never holds up program: a preview frame its encoder cannot take in
  // time is skipped (stats "preview").
  std::string previewOutput;
  render::PreviewSettings preview;
  media::EncoderSettings encoder;  // size and fps are the output's
  ShowMediaOptions media;
  std::vector<Fault> faults;
  bool reuseUnchangedTiles = true;  // see render::OutputSpec
  ShowData* data = nullptr;         // live data for text templates (optional)
  const std::atomic<bool>* stop = nullptr;
  // Called about once a second with a statistics snapshot (a JSON line).
  std::function<void(const nlohmann::ordered_json&)> onSecond;
};

// Runs the show and returns the final statistics (see README, "Live mode").
// Throws mq::UserError for bad options (before anything is written) and
// mq::RuntimeError when the GPU or every output fails.
// `scene` is not const: rules that fire add cues to it while the show runs.
nlohmann::ordered_json runLive(gpu::Device& device, scene::Scene& scene,
                               const LiveOptions& options);

}  // namespace mq::runtime
