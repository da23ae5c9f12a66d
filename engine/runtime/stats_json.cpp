#include "runtime/stats_json.h"

#include <algorithm>
#include <cmath>

namespace mq::runtime {

using ojson = nlohmann::ordered_json;

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double rank = p / 100.0 * double(v.size() - 1);
  size_t lo = size_t(std::floor(rank)), hi = size_t(std::ceil(rank));
  return v[lo] + (v[hi] - v[lo]) * (rank - double(lo));
}

namespace {
constexpr double kBinBase = 1e-3;  // ms: the lower edge of bin 0
const double kLogStep = std::log(1.01);
}  // namespace

void DurationHistogram::add(double ms) {
  double v = std::max(ms, kBinBase);
  size_t bin = std::min(bins_.size() - 1, size_t(std::log(v / kBinBase) / kLogStep));
  ++bins_[bin];
  ++count_;
  max_ = std::max(max_, ms);
}

double DurationHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  uint64_t rank = uint64_t(std::ceil(p / 100.0 * double(count_)));
  uint64_t seen = 0;
  for (size_t i = 0; i < bins_.size(); ++i) {
    seen += bins_[i];
    if (seen >= std::max<uint64_t>(rank, 1))  // the bin's middle, never above the maximum
      return std::min(max_, kBinBase * std::exp((double(i) + 0.5) * kLogStep));
  }
  return max_;
}

ojson DurationHistogram::json() const {
  return {{"p50", percentile(50)}, {"p95", percentile(95)}, {"p99", percentile(99)}, {"max", max_}};
}

ojson percentilesJson(std::vector<double> samples) {
  double max = samples.empty() ? 0.0 : *std::max_element(samples.begin(), samples.end());
  return {{"p50", percentile(samples, 50)},
          {"p95", percentile(samples, 95)},
          {"p99", percentile(samples, 99)},
          {"max", max}};
}

ojson sourcesJson(const std::vector<SourceReport>& reports) {
  ojson list = ojson::array();
  for (const SourceReport& r : reports) {
    list.push_back({{"id", r.id},
                    {"url", r.url},
                    {"state", media::sourceStateName(r.stats.state)},
                    {"frames_decoded", r.stats.framesDecoded},
                    {"slate_frames", r.slateFrames},
                    {"repeated", r.repeated},
                    {"late_ms", r.lateMs},
                    {"max_late_ms", r.maxLateMs},
                    {"reconnects", r.stats.reconnects},
                    {"open_failures", r.stats.openFailures},
                    {"corrupt_packets", r.stats.corruptPackets},
                    {"width", r.stats.width},
                    {"height", r.stats.height},
                    {"fps", r.stats.fps},
                    {"pixel_format", r.stats.pixelFormat},
                    {"has_audio", r.stats.hasAudio},
                    {"last_error", r.stats.lastError}});
  }
  return list;
}

ojson audioJson(const media::AudioStats& a) {
  return {{"peak_dbfs", a.peakDbfs},
          {"momentary_lufs", a.momentaryLufs},
          {"short_term_lufs", a.shortTermLufs},
          {"integrated_lufs", a.integratedLufs},
          {"max_gain_reduction_db", a.maxGainReductionDb},
          {"overload_blocks", a.overloadBlocks},
          {"samples", a.samplesMixed}};
}

ojson outputsJson(const std::vector<media::OutputStats>& outputs) {
  ojson list = ojson::array();
  for (const media::OutputStats& o : outputs) {
    list.push_back({{"url", o.url},
                    {"state", media::outputStateName(o.state)},
                    {"bytes", o.bytesWritten},
                    {"packets", o.packetsWritten},
                    {"dropped_packets", o.droppedPackets},
                    {"reconnects", o.reconnects},
                    {"bitrate_kbps", o.bitrateKbps},
                    {"queue_depth", o.queueDepth},
                    {"last_error", o.lastError}});
  }
  return list;
}

nlohmann::ordered_json tileCountsJson(const render::TileCounts& tiles) {
  uint64_t total = tiles.composited + tiles.reused;
  return {{"composited", tiles.composited},
          {"reused", tiles.reused},
          {"reused_fraction", total ? double(tiles.reused) / double(total) : 0.0}};
}

}  // namespace mq::runtime
