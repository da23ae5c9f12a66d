// Encodes NV12 frames to a video file (H.264 by default) with FFmpeg.
//
// The output is tagged BT.709 limited range (primaries, transfer, matrix and
// range), which is what the render graph's output pass produces. Frames are
// consecutive at VideoSettings::fps; each frame's timestamp is its index in a
// 1/fps time base, rescaled to the stream's time base in integers.
//
// The file is written to "<stem>.partial<ext>" next to the destination and
// renamed to the destination by finish(). A writer destroyed without finish()
// (an exception, a cancelled render) deletes the partial file, so a failed
// render leaves nothing behind.
//
// Output is deterministic for identical input and settings: the encoder runs
// with a fixed thread count and the muxer in bit-exact mode (no random
// Matroska UIDs, no dates, no library version strings from the muxer).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/rational.h"

namespace mq::media {

struct VideoSettings {
  int width = 1920, height = 1080;  // both even (4:2:0 chroma)
  Rational fps{30, 1};
  std::string codec = "libx264";  // an FFmpeg encoder name
  std::string preset = "veryfast";
  int crf = 20;         // used when bitrate == 0
  int64_t bitrate = 0;  // bits/s; > 0: CBR-ish (maxrate = bitrate, 2 s buffer) instead of CRF
  double keyframeIntervalSeconds = 2.0;  // GOP = round(seconds * fps) frames; first frame is a key
  int threads = 2;                       // fixed, so output is reproducible
};

// One NV12 picture: BT.709 limited range, width x height luma bytes and
// interleaved CbCr at half width and half height. The pointers only need to
// stay valid for the duration of VideoFileWriter::write().
struct Nv12Frame {
  const uint8_t* y;
  int yStride;
  const uint8_t* uv;
  int uvStride;
};

class VideoFileWriter {
 public:
  // Container from the extension (case-insensitive): .mp4 and .mov (with the
  // index moved to the front, "faststart"), .mkv. Throws mq::UserError for an
  // unknown extension ("unknown video container extension '.xyz' ..."), an
  // unknown encoder ("unknown encoder 'x'"), bad sizes or frame rates, a
  // missing output directory, or settings the encoder rejects; mq::RuntimeError
  // when FFmpeg or the file system fails. Nothing is left on disk on error.
  VideoFileWriter(std::filesystem::path path, const VideoSettings& settings);
  ~VideoFileWriter();

  VideoFileWriter(const VideoFileWriter&) = delete;
  VideoFileWriter& operator=(const VideoFileWriter&) = delete;

  // Encodes the next frame (index framesWritten()). Throws mq::RuntimeError on
  // encoder or I/O failure (disk full, ...), with FFmpeg's error text.
  void write(const Nv12Frame& frame);

  // Flushes the encoder, writes the trailer (and moves the index to the front
  // for .mp4/.mov) and renames the partial file to the destination. Calling it
  // again does nothing. On failure the partial file is removed by the
  // destructor.
  void finish();

  int64_t framesWritten() const;
  const std::filesystem::path& path() const;         // the destination
  const std::filesystem::path& partialPath() const;  // where it is written until finish()

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "<dir>/<stem>.partial<ext>" for "<dir>/<stem><ext>".
std::filesystem::path partialPathFor(const std::filesystem::path& path);

}  // namespace mq::media
