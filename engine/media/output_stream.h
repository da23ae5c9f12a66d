// One muxing output of the Encoder: a file or a live stream with its own
// AVFormatContext, mux thread and bounded packet queue (see encoder.h for the
// behaviour per URL). Internal to the media module.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "media/encoder.h"

struct AVCodecParameters;
struct AVFormatContext;
struct AVPacket;
struct AVRational;

namespace mq::media {

// What a URL asks for, decided before anything is opened.
struct OutputTarget {
  std::string url;
  std::string muxer;            // FFmpeg muxer name
  bool network = false;         // rtmp(s)://, srt://, udp://
  bool partial = false;         // written to "<stem>.partial<ext>", renamed on finish
  bool faststart = false;       // .mp4/.mov: index moved to the front
  bool flushPackets = false;    // crash-safe files and live streams: flush after each packet
  std::filesystem::path path;   // files: the destination
  std::filesystem::path write;  // files: where it is written until finished
};

// Throws mq::UserError for an unknown scheme or extension, or a file whose
// directory does not exist.
OutputTarget parseOutputUrl(const std::string& url);

// "<dir>/<stem>.partial<ext>" for "<dir>/<stem><ext>".
std::filesystem::path partialPathFor(const std::filesystem::path& path);

// The encoded streams every output carries, in stream-index order.
struct StreamInfo {
  const AVCodecParameters* params;
  int timeBaseNum, timeBaseDen;  // the encoder's time base of the packets
  bool video;
};

class OutputStream {
 public:
  // Files are opened (header written) here and throw on failure; network
  // outputs connect on their thread.
  OutputStream(OutputTarget target, std::vector<StreamInfo> streams, bool bitexact);
  ~OutputStream();  // aborts: drops what is queued; partial files removed
  OutputStream(const OutputStream&) = delete;
  OutputStream& operator=(const OutputStream&) = delete;

  // Queues a reference to `packet` (stream_index set, timestamps in the
  // stream's encoder time base). Files block while their queue is full;
  // network outputs drop whole GOPs instead.
  void push(const AVPacket* packet);

  // Ends the stream: drains the queue (network outputs until
  // `networkDeadline`, then they are cut off), writes the trailer, renames a
  // partial file. Returns false (see stats().lastError) when a file failed.
  bool finish(std::chrono::steady_clock::time_point networkDeadline);

  OutputStats stats() const;
  bool isNetwork() const { return target_.network; }

 private:
  struct Queued {
    AVPacket* packet;
    double dts;  // seconds, for queue depth and resume decisions
    bool video, key;
  };

  void run();
  void runFile();
  void runNetwork();
  bool openContext(std::string& error);  // network: connect + header
  void closeContext(bool writeTrailer);
  bool writePacket(AVPacket* packet, std::string& error);  // takes the packet
  bool popPacket(Queued& out);                             // false: finished and empty
  void dropFrontLocked(size_t count);
  void setState(OutputState state, const std::string& error = {});
  void sleepInterruptible(std::chrono::milliseconds duration);
  static int interruptCallback(void* opaque);

  OutputTarget target_;
  std::vector<StreamInfo> streams_;
  bool bitexact_;
  AVFormatContext* ctx_ = nullptr;

  mutable std::mutex mutex_;
  std::condition_variable cv_;  // queue changed, or stopping
  std::deque<Queued> queue_;
  bool ending_ = false;  // no more packets: drain and finish
  bool needKey_ = true;  // next written video packet must be a key frame
  OutputStats stats_;
  std::deque<std::pair<double, size_t>> recent_;  // (dts seconds, bytes) written in the last second

  std::atomic<bool> abort_{false};
  std::atomic<int64_t> deadlineUs_{0};  // blocking I/O gives up after this (0: none)
  bool fileOk_ = true;
  bool renamed_ = false;
  std::thread thread_;
};

}  // namespace mq::media
