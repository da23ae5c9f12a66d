#include "media/output_stream.h"

#include <algorithm>
#include <cctype>
#include <system_error>

#include "core/error.h"
#include "core/log.h"
#include "media/ffmpeg_util.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/time.h>
}

namespace mq::media {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Network outputs keep at most this much media queued; beyond it whole GOPs go.
constexpr double kMaxQueueSeconds = 4.0;
// File outputs block the encoder instead of dropping beyond this many packets.
constexpr size_t kMaxFilePackets = 512;
// A connect, header or packet write that takes longer than this counts as failed.
constexpr int64_t kIoTimeoutUs = 5'000'000;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const char* const kValidOutputs =
    "use a file ending in .mp4, .mov, .mkv, .ts or .flv, or an rtmp://, rtmps://, srt:// or "
    "udp:// URL";

}  // namespace

fs::path partialPathFor(const fs::path& path) {
  fs::path partial = path;
  partial.replace_filename(path.stem().string() + ".partial" + path.extension().string());
  return partial;
}

OutputTarget parseOutputUrl(const std::string& url) {
  OutputTarget t;
  t.url = url;
  const auto schemeEnd = url.find("://");
  if (schemeEnd != std::string::npos) {
    const std::string scheme = lower(url.substr(0, schemeEnd));
    t.network = true;
    t.flushPackets = true;
    if (scheme == "rtmp" || scheme == "rtmps") {
      t.muxer = "flv";
    } else if (scheme == "srt" || scheme == "udp") {
      t.muxer = "mpegts";
    } else {
      throw UserError("unknown output URL scheme '" + scheme + "://' in '" + url + "' (" +
                      kValidOutputs + ")");
    }
    size_t hostEnd = url.find_first_of("/?", schemeEnd + 3);
    if (hostEnd == schemeEnd + 3 || url.size() == schemeEnd + 3)
      throw UserError("output URL '" + url + "' has no host (" + kValidOutputs + ")");
    return t;
  }

  t.path = url;
  const std::string ext = lower(t.path.extension().string());
  if (ext.empty())
    throw UserError("output '" + url + "' has no file extension (" + kValidOutputs + ")");
  if (ext == ".mp4" || ext == ".mov") {
    t.muxer = ext == ".mp4" ? "mp4" : "mov";
    t.partial = true;
    t.faststart = true;
  } else if (ext == ".mkv") {
    t.muxer = "matroska";
    t.flushPackets = true;
  } else if (ext == ".ts") {
    t.muxer = "mpegts";
    t.flushPackets = true;
  } else if (ext == ".flv") {
    t.muxer = "flv";
  } else {
    throw UserError("unknown output file extension '" + t.path.extension().string() + "' for '" +
                    url + "' (" + kValidOutputs + ")");
  }
  const fs::path dir = t.path.parent_path().empty() ? fs::path(".") : t.path.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw UserError("output directory '" + dir.string() + "' for '" + url + "' does not exist");
  t.write = t.partial ? partialPathFor(t.path) : t.path;
  return t;
}

OutputStream::OutputStream(OutputTarget target, std::vector<StreamInfo> streams, bool bitexact)
    : target_(std::move(target)), streams_(std::move(streams)), bitexact_(bitexact) {
  stats_.url = target_.url;
  stats_.state = OutputState::Connecting;
  if (!target_.network) {
    std::string error;
    if (!openContext(error)) {
      std::error_code ec;
      fs::remove(target_.write, ec);
      throw RuntimeError("opening output '" + target_.url + "' failed: " + error);
    }
    stats_.state = OutputState::Live;
    needKey_ = false;  // files take every packet from the first on
  }
  thread_ = std::thread([this] { run(); });
}

OutputStream::~OutputStream() {
  {
    std::lock_guard lock(mutex_);
    abort_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (Queued& q : queue_) av_packet_free(&q.packet);
  queue_.clear();
  if (ctx_) {
    // A recording killed midway keeps what it has (crash-safe containers);
    // partial files are removed below.
    const bool trailer = !target_.network && !target_.partial && fileOk_;
    closeContext(trailer);
  }
  if (target_.partial && !renamed_) {
    std::error_code ec;
    fs::remove(target_.write, ec);
  }
}

int OutputStream::interruptCallback(void* opaque) {
  auto* self = static_cast<OutputStream*>(opaque);
  if (self->abort_) return 1;
  const int64_t deadline = self->deadlineUs_;
  return deadline != 0 && av_gettime_relative() > deadline;
}

bool OutputStream::openContext(std::string& error) {
  const std::string url = target_.network ? target_.url : target_.write.string();
  int err = avformat_alloc_output_context2(&ctx_, nullptr, target_.muxer.c_str(), url.c_str());
  if (err < 0 || !ctx_) {
    error = "creating the " + target_.muxer + " muxer: " + avErrorText(err);
    ctx_ = nullptr;
    return false;
  }
  // Only network I/O can hang; a file being closed after an abort must still
  // get its last cluster and trailer written.
  if (target_.network)
    ctx_->interrupt_callback = AVIOInterruptCB{&OutputStream::interruptCallback, this};
  if (bitexact_) ctx_->flags |= AVFMT_FLAG_BITEXACT;
  if (target_.flushPackets) ctx_->flags |= AVFMT_FLAG_FLUSH_PACKETS;
  // Live: do not hold video back for long waiting for audio that is late.
  if (target_.network) ctx_->max_interleave_delta = 1'000'000;

  for (const StreamInfo& info : streams_) {
    AVStream* st = avformat_new_stream(ctx_, nullptr);
    if (!st || avcodec_parameters_copy(st->codecpar, info.params) < 0) {
      error = "out of memory creating a stream";
      closeContext(false);
      return false;
    }
    st->codecpar->codec_tag = 0;
    st->time_base = AVRational{info.timeBaseNum, info.timeBaseDen};
    if (info.video) st->avg_frame_rate = av_inv_q(st->time_base);
  }

  AVDictionary* io = nullptr;
  AVDictionary* mux = nullptr;
  if (target_.faststart) av_dict_set(&mux, "movflags", "+faststart", 0);
  if (target_.muxer == "matroska") av_dict_set(&mux, "cluster_time_limit", "250", 0);
  if (target_.network && target_.muxer == "flv")
    av_dict_set(&mux, "flvflags", "no_duration_filesize", 0);
  if (target_.network) av_dict_set(&io, "rw_timeout", std::to_string(kIoTimeoutUs).c_str(), 0);

  deadlineUs_ = target_.network ? av_gettime_relative() + kIoTimeoutUs : 0;
  err = avio_open2(&ctx_->pb, url.c_str(), AVIO_FLAG_WRITE, &ctx_->interrupt_callback, &io);
  av_dict_free(&io);
  if (err >= 0) {
    err = avformat_write_header(ctx_, &mux);
    if (err < 0) error = "writing the header: " + avErrorText(err);
  } else {
    error = (target_.network ? "connecting: " : "opening the file: ") + avErrorText(err);
  }
  av_dict_free(&mux);
  deadlineUs_ = 0;
  if (err < 0) {
    closeContext(false);
    return false;
  }
  return true;
}

void OutputStream::closeContext(bool writeTrailer) {
  if (!ctx_) return;
  deadlineUs_ = target_.network ? av_gettime_relative() + kIoTimeoutUs : 0;
  if (writeTrailer) {
    const int err = av_write_trailer(ctx_);
    if (err < 0) {
      fileOk_ = false;
      setState(OutputState::Failed, "writing the trailer: " + avErrorText(err));
    }
  }
  if (ctx_->pb) {
    const int err = avio_closep(&ctx_->pb);
    if (err < 0 && writeTrailer) {
      fileOk_ = false;
      setState(OutputState::Failed, "closing: " + avErrorText(err));
    }
  }
  avformat_free_context(ctx_);
  ctx_ = nullptr;
  deadlineUs_ = 0;
}

void OutputStream::push(const AVPacket* packet) {
  AVPacket* ref = av_packet_clone(packet);
  const StreamInfo& info = streams_.at(static_cast<size_t>(packet->stream_index));
  Queued q{
      ref,
      static_cast<double>(packet->dts) * info.timeBaseNum / static_cast<double>(info.timeBaseDen),
      info.video, (packet->flags & AV_PKT_FLAG_KEY) != 0};
  std::unique_lock lock(mutex_);
  if (!ref || ending_ || abort_ || stats_.state == OutputState::Failed ||
      stats_.state == OutputState::Finished) {
    av_packet_free(&q.packet);
    ++stats_.droppedPackets;
    return;
  }
  if (!target_.network) {
    cv_.wait(lock, [&] {
      return queue_.size() < kMaxFilePackets || abort_ || stats_.state == OutputState::Failed;
    });
    if (abort_ || stats_.state == OutputState::Failed) {
      av_packet_free(&q.packet);
      ++stats_.droppedPackets;
      return;
    }
    queue_.push_back(q);
  } else {
    // While disconnected only the newest GOP is worth sending on reconnect.
    if (stats_.state != OutputState::Live && q.video && q.key) {
      const auto older = std::find_if(queue_.begin(), queue_.end(),
                                      [](const Queued& e) { return e.video && e.key; });
      if (older != queue_.end()) dropFrontLocked(queue_.size());
    }
    queue_.push_back(q);
    while (queue_.size() > 1 && queue_.back().dts - queue_.front().dts > kMaxQueueSeconds) {
      // Drop up to the next key frame after the front: whole GOPs.
      size_t next = 1;
      while (next < queue_.size() && !(queue_[next].video && queue_[next].key)) ++next;
      dropFrontLocked(next);
    }
  }
  stats_.queueDepth = static_cast<int>(queue_.size());
  lock.unlock();
  cv_.notify_all();
}

void OutputStream::dropFrontLocked(size_t count) {
  count = std::min(count, queue_.size());
  for (size_t i = 0; i < count; ++i) {
    av_packet_free(&queue_.front().packet);
    queue_.pop_front();
    ++stats_.droppedPackets;
  }
  // The consumer may be in the middle of a GOP whose rest just went.
  if (count > 0 && (queue_.empty() || !(queue_.front().video && queue_.front().key)))
    needKey_ = true;
}

bool OutputStream::popPacket(Queued& out) {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return !queue_.empty() || ending_ || abort_; });
    if (abort_ || queue_.empty()) return false;
    out = queue_.front();
    queue_.pop_front();
    stats_.queueDepth = static_cast<int>(queue_.size());
    if (out.video) {
      if (out.key) {
        needKey_ = false;
      } else if (needKey_) {
        av_packet_free(&out.packet);
        ++stats_.droppedPackets;
        continue;
      }
    }
    lock.unlock();
    cv_.notify_all();
    return true;
  }
}

bool OutputStream::writePacket(AVPacket* packet, std::string& error) {
  const int index = packet->stream_index;
  const StreamInfo& info = streams_[static_cast<size_t>(index)];
  const AVRational tb = ctx_->streams[index]->time_base;
  av_packet_rescale_ts(packet, AVRational{info.timeBaseNum, info.timeBaseDen}, tb);
  const size_t size = static_cast<size_t>(packet->size);
  const double dts = static_cast<double>(packet->dts) * av_q2d(tb);
  deadlineUs_ = target_.network ? av_gettime_relative() + kIoTimeoutUs : 0;
  const int err = av_interleaved_write_frame(ctx_, packet);
  deadlineUs_ = 0;
  av_packet_free(&packet);
  if (err < 0) {
    error = "writing: " + avErrorText(err);
    return false;
  }
  std::lock_guard lock(mutex_);
  stats_.bytesWritten += size;
  ++stats_.packetsWritten;
  recent_.emplace_back(dts, size);
  double newest = dts;
  for (const auto& r : recent_) newest = std::max(newest, r.first);
  while (!recent_.empty() && recent_.front().first <= newest - 1.0) recent_.pop_front();
  size_t bytes = 0;
  for (const auto& r : recent_) bytes += r.second;
  stats_.bitrateKbps = static_cast<double>(bytes) * 8.0 / 1000.0;
  return true;
}

void OutputStream::setState(OutputState state, const std::string& error) {
  std::lock_guard lock(mutex_);
  stats_.state = state;
  if (!error.empty()) stats_.lastError = error;
}

void OutputStream::sleepInterruptible(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, duration, [&] { return abort_.load() || ending_; });
}

void OutputStream::run() {
  if (target_.network)
    runNetwork();
  else
    runFile();
  cv_.notify_all();  // wake a producer waiting for room
}

void OutputStream::runFile() {
  Queued q;
  while (popPacket(q)) {
    std::string error;
    if (!writePacket(q.packet, error)) {
      fileOk_ = false;
      log::error("output '", target_.url, "' failed: ", error);
      setState(OutputState::Failed, error);
      std::lock_guard lock(mutex_);
      dropFrontLocked(queue_.size());
      return;
    }
  }
  if (abort_) return;  // the destructor closes
  closeContext(true);
  if (!fileOk_) return;
  if (target_.partial) {
    std::error_code ec;
    fs::rename(target_.write, target_.path, ec);
    if (ec) {
      fileOk_ = false;
      setState(OutputState::Failed, "renaming '" + target_.write.string() + "' to '" +
                                        target_.path.string() + "': " + ec.message());
      return;
    }
    renamed_ = true;
  }
  setState(OutputState::Finished);
}

void OutputStream::runNetwork() {
  auto backoff = 500ms;
  bool connectedOnce = false;
  while (!abort_) {
    {
      std::lock_guard lock(mutex_);
      if (ending_ && !ctx_) {
        // finish() while disconnected: nothing more will come to send.
        stats_.state = OutputState::Failed;
        if (stats_.lastError.empty()) stats_.lastError = "not connected when the show ended";
        return;
      }
    }
    std::string error;
    if (!openContext(error)) {
      if (abort_) return;
      log::warn("output '", target_.url, "': ", error, "; retrying in ", backoff.count(), " ms");
      setState(connectedOnce ? OutputState::Reconnecting : OutputState::Connecting, error);
      sleepInterruptible(backoff);
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, 8000ms);
      continue;
    }
    backoff = 500ms;
    {
      std::lock_guard lock(mutex_);
      if (connectedOnce) ++stats_.reconnects;
      stats_.state = OutputState::Live;
      needKey_ = true;  // a new connection starts at a key frame
    }
    log::info("output '", target_.url, "' is live");
    connectedOnce = true;

    Queued q;
    bool failed = false;
    std::string writeError;
    while (popPacket(q)) {
      if (!writePacket(q.packet, writeError)) {
        failed = true;
        break;
      }
    }
    if (!failed) {
      if (abort_) return;  // the destructor closes without a trailer
      closeContext(true);
      setState(OutputState::Finished);
      return;
    }
    closeContext(false);
    if (abort_) return;
    log::warn("output '", target_.url, "' lost its connection (", writeError, "); reconnecting");
    setState(OutputState::Reconnecting, writeError);
  }
}

bool OutputStream::finish(std::chrono::steady_clock::time_point networkDeadline) {
  {
    std::lock_guard lock(mutex_);
    ending_ = true;
  }
  cv_.notify_all();
  if (target_.network) {
    std::unique_lock lock(mutex_);
    cv_.wait_until(lock, networkDeadline, [&] {
      return stats_.state == OutputState::Finished || stats_.state == OutputState::Failed;
    });
    if (stats_.state != OutputState::Finished && stats_.state != OutputState::Failed) {
      abort_ = true;
      stats_.state = OutputState::Failed;
      if (stats_.lastError.empty()) stats_.lastError = "did not drain before the show ended";
    }
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  return target_.network || (fileOk_ && stats_.state == OutputState::Finished);
}

OutputStats OutputStream::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace mq::media
