// A live or file media source: one decode thread per source, opened with
// libavformat/libavdevice, decoding video to CPU-side planes (never converted
// on the CPU: the GPU converts YUV with the stream's own matrix and range) and
// audio resampled to 48 kHz stereo float.
//
// URLs: anything FFmpeg opens (files, image sequences such as "shots/%04d.png",
// rtmp://, srt://, udp://, http(s)://), V4L2 cameras ("/dev/video0" through
// libavdevice with the requested size, rate and pixel format), and the
// built-in generated camera "builtin:camera" (see builtin_camera.h).
//
// Time: every frame and audio sample carries a time on the source's own media
// clock in microseconds, starting at 0 with the first decoded frame; a looping
// file continues its clock across loops (loop 2 starts at the file's
// duration), and a reconnected live source continues after the last frame it
// delivered. The scheduler maps output ticks to this clock (plus the source's
// sync offset).
//
// Offline renders are deterministic: with Pacing::Offline, videoFrameAt() and
// readAudio() block until the decoder has gone past the requested time (or the
// source ended or failed), so the same inputs always give the same frames.
// With Pacing::Live they never block: they return what has arrived.
//
// Failures never throw out of the source: a missing file, a refused URL, a
// network drop, an unplugged device or corrupt packets move the source to
// Reconnecting; the decode thread retries with exponential backoff (0.5 s
// doubling to 8 s) and the caller shows its slate or last frame meanwhile.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mq::media {

enum class SourceState : uint8_t {
  Connecting,    // opening for the first time
  Playing,       // frames arriving
  Reconnecting,  // failed or went silent; retrying with backoff
  Ended,         // a non-looping file reached its end (last frame stays available)
};
const char* sourceStateName(SourceState state);  // "connecting", "playing", ...

enum class Pacing : uint8_t { Offline, Live };

// Colour description of a decoded picture, from the stream (AVFrame/codec
// parameters), with unspecified values resolved the way players do: BT.601
// for SD sizes (height < 720), BT.709 otherwise; limited range unless the
// stream says full (or the pixel format is a JPEG "yuvj" one).
enum class YuvMatrix : uint8_t { Bt601, Bt709, Bt2020, Identity /* RGB formats */ };
enum class YuvRange : uint8_t { Limited, Full };

// How the planes of a picture are laid out, as the GPU conversion shader reads
// them. Every layout FFmpeg's common decoders and devices produce is covered:
//   Planar:     Y, Cb, Cr in three planes (yuv420p/422p/444p, 8-16 bit)
//   SemiPlanar: Y plane, then interleaved CbCr (nv12, p010) or CrCb (nv21)
//   Packed:     one plane of RGB(A) pixels, `componentOrder` gives the byte
//               offset of R, G, B, A (A = 255 when the format has none), or
//               packed 4:2:2 YUYV/UYVY (`packedYuv422`)
//   Gray:       one plane of luma (gray, gray10le)
enum class PlaneLayout : uint8_t { Planar, SemiPlanar, Packed, Gray };

struct PictureFormat {
  int width = 0, height = 0;
  PlaneLayout layout = PlaneLayout::Planar;
  int chromaShiftX = 0, chromaShiftY = 0;  // log2 subsampling: 4:2:0 = 1,1; 4:2:2 = 1,0
  int bytesPerSample = 1;                  // 1 or 2 (little-endian 16-bit words)
  int bitDepth = 8;                        // significant bits per sample
  bool msbAligned = false;                 // samples in the high bits (p010)
  bool swapChroma = false;                 // nv21: Cr before Cb
  bool packedYuv422 = false;               // yuyv422 / uyvy422 (Packed layout)
  int componentOrder[4] = {0, 1, 2, 3};    // Packed: byte offsets of R,G,B,A (or Y0,U,Y1,V)
  int bytesPerPixel = 4;                   // Packed: bytes per pixel (per 2 pixels for 4:2:2)
  bool hasAlpha = false;                   // packed RGBA, or planar with a fourth (alpha) plane
  YuvMatrix matrix = YuvMatrix::Bt709;
  YuvRange range = YuvRange::Limited;
  std::string pixelFormatName;  // FFmpeg's name, for stats and errors
};

// The planes a picture of this format has: Y, Cb, Cr (and A); Y and CbCr; or one.
inline int planeCount(const PictureFormat& f) {
  switch (f.layout) {
    case PlaneLayout::Planar:
      return f.hasAlpha ? 4 : 3;
    case PlaneLayout::SemiPlanar:
      return 2;
    default:
      return 1;
  }
}

// A decoded picture in CPU memory, shared with the decoder (reference
// counted). Up to four planes; `data[i]` is valid while the VideoFrame lives.
struct VideoFrame {
  PictureFormat format;
  const uint8_t* data[4] = {};
  int linesize[4] = {};             // bytes per row of each plane (positive)
  int planeRows[4] = {};            // rows in each plane
  int64_t timeUs = 0;               // presentation time on the source's media clock
  uint64_t serial = 0;              // increases by one per decoded frame (repeats keep it)
  std::shared_ptr<void> keepAlive;  // holds the underlying AVFrame reference
};

struct SourceOptions {
  std::string id;   // the scene node id, for messages and stats
  std::string url;  // what to open (see above)
  bool loop = false;
  // Capture requests for devices (V4L2) and any demuxer that takes them; 0/""
  // leaves the device's default.
  int captureWidth = 0, captureHeight = 0;
  double captureFps = 0;
  std::string capturePixelFormat;  // e.g. "mjpeg", "yuyv422"
  bool audio = true;               // decode the first audio stream, if any
  Pacing pacing = Pacing::Offline;
  // Offline only: how long videoFrameAt()/readAudio() wait for a network or
  // device source before giving up on that frame (files never time out).
  double offlineWaitSeconds = 5.0;
  // Live only, files and generated sources (which decode faster than real
  // time): how long a reader may wait for the decoder to reach the asked time
  // (a show rendering ahead asks for pictures a few frames in the future).
  // Network and device sources never wait in Live pacing.
  double liveWaitSeconds = 0;
};

struct SourceStats {
  SourceState state = SourceState::Connecting;
  std::string lastError;  // empty when none
  uint64_t framesDecoded = 0;
  uint64_t reconnects = 0;    // successful re-opens after a failure
  uint64_t openFailures = 0;  // failed attempts to open
  uint64_t corruptPackets = 0;
  int width = 0, height = 0;
  std::string pixelFormat;
  double fps = 0;  // stream's nominal frame rate (0 if unknown)
  bool hasAudio = false;
};

class MediaSource {
 public:
  // Starts the decode thread; never throws for a bad or unreachable URL (the
  // source starts in Connecting and moves to Reconnecting on failure).
  explicit MediaSource(SourceOptions options);
  ~MediaSource();  // stops and joins the decode thread
  MediaSource(const MediaSource&) = delete;
  MediaSource& operator=(const MediaSource&) = delete;

  // The frame to show at media time `timeUs`: the last frame whose time is <=
  // timeUs (the first frame for times before it). Frames older than the one
  // returned are released. nullopt when no frame has ever been decoded (show
  // the slate). Offline pacing blocks until the answer is final.
  std::optional<VideoFrame> videoFrameAt(int64_t timeUs);

  // Audio at 48 kHz, interleaved stereo float, for media samples
  // [firstSample, firstSample + frames) (sample n is at n / 48000 s on the
  // media clock). Writes silence where the source has none (no audio stream,
  // a gap, before the start, while reconnecting). Offline pacing blocks until
  // the range is decoded (or the source ended or failed). Samples before
  // firstSample are released.
  void readAudio(int64_t firstSample, float* interleaved, int frames);

  SourceStats stats() const;
  const SourceOptions& options() const;
  // Network and device sources deliver on their own clock (live); files,
  // image sequences and the built-in camera decode at the reader's pace.
  bool isLiveInput() const;

  // Fault injection for tests and drills: the decode thread stops reading
  // for `seconds` before its next packet, as a stalled network or a busy
  // machine would make it.
  void injectStall(double seconds);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mq::media
