// Statistics as JSON, shared by offline renders and live shows, so both
// report sources, audio, outputs and frame times under the same names.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "media/audio_mixer.h"
#include "media/encoder.h"
#include "render/compositor.h"
#include "runtime/show_media.h"

namespace mq::runtime {

// Durations for percentiles over a run of any length in constant memory:
// logarithmic bins 1 % wide from 1 µs to ~1000 s (a live show can run for
// days; keeping every sample would grow without bound).
class DurationHistogram {
 public:
  void add(double ms);
  double percentile(double p) const;  // within 1 %
  double max() const { return max_; }
  uint64_t count() const { return count_; }
  nlohmann::ordered_json json() const;  // {"p50", "p95", "p99", "max"}

 private:
  std::vector<uint64_t> bins_ = std::vector<uint64_t>(2100, 0);
  uint64_t count_ = 0;
  double max_ = 0;
};

// {"p50", "p95", "p99", "max"} of `samples` (0 when empty).
nlohmann::ordered_json percentilesJson(std::vector<double> samples);
double percentile(std::vector<double> samples, double p);

nlohmann::ordered_json sourcesJson(const std::vector<SourceReport>& reports);
nlohmann::ordered_json audioJson(const media::AudioStats& audio);
nlohmann::ordered_json outputsJson(const std::vector<media::OutputStats>& outputs);
// {"composited", "reused", "reused_fraction"}: output tiles composited, and
// copied unchanged from the previous frame.
nlohmann::ordered_json tileCountsJson(const render::TileCounts& tiles);

}  // namespace mq::runtime
