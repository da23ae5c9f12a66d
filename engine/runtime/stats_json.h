// Statistics as JSON, shared by offline renders and live shows, so both
// report sources, audio, outputs and frame times under the same names.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "media/audio_mixer.h"
#include "media/encoder.h"
#include "runtime/show_media.h"

namespace mq::runtime {

// {"p50", "p95", "p99", "max"} of `samples` (0 when empty).
nlohmann::ordered_json percentilesJson(std::vector<double> samples);
double percentile(std::vector<double> samples, double p);

nlohmann::ordered_json sourcesJson(const std::vector<SourceReport>& reports);
nlohmann::ordered_json audioJson(const media::AudioStats& audio);
nlohmann::ordered_json outputsJson(const std::vector<media::OutputStats>& outputs);

}  // namespace mq::runtime
