// One encode, many outputs: H.264 (or any FFmpeg video encoder) plus AAC audio,
// fanned out to files and live streams at once.
//
// Zero-copy video input: submitVideo() takes planes that live in memory the
// GPU wrote (a persistently mapped, host-visible Vulkan buffer). The AVFrame
// handed to the encoder points into that memory (av_buffer_create with a free
// callback); the caller's `release` runs when the encoder drops its last
// reference to the frame, which is when the caller may let the GPU overwrite
// the slot. Nothing copies the pixels on the CPU on this path; when a copy is
// unavoidable (an encoder that needs a layout the planes are not in) its bytes
// are counted in cpuPixelCopyBytes(), which the stats report per frame.
//
// Outputs, chosen by URL:
//   *.mp4, *.mov   written to "<stem>.partial<ext>", index moved to the front
//                  and renamed on finish() (not crash-safe: use .mkv to record)
//   *.mkv          Matroska, crash-safe recording: clusters of at most 0.25 s,
//                  flushed to disk as they close, written under its final name
//                  from the start, so a killed process leaves a file playable
//                  up to its last second
//   *.ts           MPEG-TS file (crash-safe too), *.flv FLV file
//   rtmp://, rtmps://   FLV over RTMP (RTMPS: over TLS)
//   srt://, udp://      MPEG-TS
// Every output runs its own mux thread with a bounded packet queue; a slow or
// dead network output never blocks the encoder or the other outputs (its
// queue drops whole GOPs, counted). A failed network output reconnects with
// exponential backoff (0.5 s doubling to 8 s) and resumes at the next
// keyframe; file outputs that fail (disk full) are reported and stop.
// All outputs carry BT.709 limited-range tags, monotonic timestamps and start
// with a keyframe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/rational.h"

namespace mq::media {

class CudaInterop;

struct EncoderSettings {
  int width = 1920, height = 1080;  // even
  Rational fps{30, 1};
  // Any FFmpeg video encoder, or "auto": h264_nvenc fed CUDA frames where
  // `cuda` is set and NVENC opens, else libx264 (see resolveVideoEncoder).
  std::string videoCodec = "auto";
  // Passed to encoders that have a "preset" option; empty: veryfast for
  // libx264/libx265, p4 for NVENC.
  std::string preset;
  int crf = 20;                          // quality mode when videoBitrate == 0 (NVENC: its "cq")
  int64_t videoBitrate = 0;              // bit/s; > 0: constant bitrate (maxrate = bitrate)
  double bufferSeconds = 2.0;            // VBV buffer in seconds of videoBitrate (CBR)
  double keyframeIntervalSeconds = 2.0;  // GOP length; keyframes never further apart
  int threads = 2;                       // fixed so offline output is reproducible
  bool deterministic = true;             // bit-exact muxing, no timestamps/UIDs that vary
  bool audio = true;                     // AAC track (from submitAudio)
  std::string audioCodec = "aac";
  int64_t audioBitrate = 128000;
  // Set: frames come as CUDA device pointers into the compositor's exported
  // output ring (VideoPlanes::cuda), for an encoder that takes CUDA frames.
  std::shared_ptr<CudaInterop> cuda;
};

// Settles settings.videoCodec and settings.cuda before the compositor is made
// (which must know whether to export its output): "auto" becomes h264_nvenc
// when settings.cuda is set and an NVENC session opens at this size (a trial
// open), else libx264; settings.cuda is dropped where the encoder does not
// take CUDA frames. Throws mq::UserError for an unknown encoder name.
void resolveVideoEncoder(EncoderSettings& settings);

// Whether `videoCodec` ("auto", or an encoder's name) may end up taking CUDA
// frames, so that setting EncoderSettings::cuda up is worth it.
bool mayTakeCudaFrames(const std::string& videoCodec);

// NV12 or YUV420P planes (BT.709 limited range) in caller memory, or NV12
// planes in GPU memory as CUDA device pointers (`cuda`).
struct VideoPlanes {
  enum class Layout { Nv12, Yuv420p } layout = Layout::Nv12;
  uint8_t* data[3] = {};  // Y, then CbCr (NV12) or Cb, Cr (YUV420P)
  int linesize[3] = {};
  bool cuda = false;  // data[] are CUDA device addresses (CudaInterop::devicePointer)
};

enum class OutputState : uint8_t { Connecting, Live, Reconnecting, Failed, Finished };
const char* outputStateName(OutputState state);

struct OutputStats {
  std::string url;
  OutputState state = OutputState::Connecting;
  std::string lastError;
  uint64_t bytesWritten = 0;
  uint64_t packetsWritten = 0;
  uint64_t droppedPackets = 0;  // dropped while disconnected or behind
  uint64_t reconnects = 0;
  double bitrateKbps = 0;  // over the last second of media written
  int queueDepth = 0;      // packets waiting in this output's queue
};

class Encoder {
 public:
  // Opens the encoder(s) and every output. Throws mq::UserError for an
  // unknown encoder, settings it rejects, an unknown file extension or URL
  // scheme, or a file output whose directory does not exist — each message
  // naming the option or URL — before anything is written. Network outputs
  // connect on their own threads (a refused connection is retried, not
  // thrown).
  Encoder(const EncoderSettings& settings, const std::vector<std::string>& outputs);
  ~Encoder();  // without finish(): stops outputs; partial .mp4/.mov removed, .mkv/.ts kept
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  // The plane layout the chosen encoder takes without conversion (NV12 for
  // libx264 and NVENC, YUV420P for encoders without NV12).
  VideoPlanes::Layout preferredLayout() const;
  // What submitVideo()'s CUDA planes come through (settings.cuda, with an
  // encoder that reads CUDA frames); nullptr: it takes host memory.
  CudaInterop* cudaInterop() const;

  // Frame `frameIndex` (consecutive from 0; a repeated frame is submitted
  // again with the next index). `release` is called (on any thread) when the
  // encoder no longer reads `planes`. May block while the encoder catches up.
  void submitVideo(const VideoPlanes& planes, int64_t frameIndex, std::function<void()> release);
  // The next `frames` stereo frames of 48 kHz interleaved float audio,
  // consecutive from show-time sample 0.
  void submitAudio(const float* interleaved, int frames);

  // Flushes the encoders, waits for every output to drain (network outputs up
  // to a few seconds), writes trailers and renames finished files. The audio
  // track is padded with silence to the video's length. Throws
  // mq::RuntimeError naming every file output that failed (disk full, ...).
  void finish();

  uint64_t framesEncoded() const;
  uint64_t cpuPixelCopyBytes() const;  // total, over the whole run
  std::vector<OutputStats> outputStats() const;
  std::string videoEncoderName() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mq::media
