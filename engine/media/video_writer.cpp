#include "media/video_writer.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <string_view>
#include <system_error>

#include "core/error.h"
#include "core/log.h"
#include "media/ffmpeg_log.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

namespace mq::media {
namespace {

namespace fs = std::filesystem;

std::string avErrorText(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof(buf));
  return buf;
}

// Throws mq::RuntimeError for a negative FFmpeg return value.
void check(int err, std::string_view what, const fs::path& file) {
  if (err >= 0) return;
  throw RuntimeError(std::string(what) + " failed for '" + file.string() +
                     "': " + avErrorText(err));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// FFmpeg muxer name for a file extension, or nullptr.
const char* muxerFor(const std::string& ext) {
  if (ext == ".mp4") return "mp4";
  if (ext == ".mov") return "mov";
  if (ext == ".mkv") return "matroska";
  return nullptr;
}

bool listsFormat(const AVPixelFormat* list, AVPixelFormat format) {
  if (!list) return false;
  for (const AVPixelFormat* p = list; *p != AV_PIX_FMT_NONE; ++p)
    if (*p == format) return true;
  return false;
}

// The encoder's input format: NV12 when the encoder takes it (no conversion),
// else YUV420P, else the encoder's first format (converted with libswscale).
AVPixelFormat chooseInputFormat(const AVCodec* codec) {
  if (!codec->pix_fmts || listsFormat(codec->pix_fmts, AV_PIX_FMT_NV12)) return AV_PIX_FMT_NV12;
  if (listsFormat(codec->pix_fmts, AV_PIX_FMT_YUV420P)) return AV_PIX_FMT_YUV420P;
  return codec->pix_fmts[0];
}

void validate(const fs::path& path, const VideoSettings& s) {
  if (s.width <= 0 || s.height <= 0 || s.width > 16384 || s.height > 16384 || s.width % 2 ||
      s.height % 2)
    throw UserError("video size " + std::to_string(s.width) + "x" + std::to_string(s.height) +
                    " is not supported for '" + path.string() +
                    "' (width and height must be even, 2 to 16384)");
  if (s.fps.num <= 0 || s.fps.den <= 0 || s.fps.num > INT_MAX || s.fps.den > INT_MAX)
    throw UserError("frame rate " + std::to_string(s.fps.num) + "/" + std::to_string(s.fps.den) +
                    " is not valid for '" + path.string() + "'");
  if (!(s.keyframeIntervalSeconds > 0) || s.keyframeIntervalSeconds > 3600)
    throw UserError("keyframe interval must be between 0 and 3600 seconds");
  if (s.bitrate < 0 || s.bitrate > 1'000'000'000)
    throw UserError("video bitrate " + std::to_string(s.bitrate) + " b/s is out of range");
  if (s.threads < 0 || s.threads > 64)
    throw UserError("encoder thread count " + std::to_string(s.threads) + " is out of range");
}

// Releases a wrapped caller plane: the memory belongs to the caller, so this
// only counts the release (see Impl::write).
void releaseBorrowed(void* opaque, uint8_t*) {
  ++*static_cast<int*>(opaque);
}

}  // namespace

fs::path partialPathFor(const fs::path& path) {
  fs::path partial = path;
  partial.replace_filename(path.stem().string() + ".partial" + path.extension().string());
  return partial;
}

struct VideoFileWriter::Impl {
  fs::path path;
  fs::path partial;
  VideoSettings settings;
  const AVCodec* codec = nullptr;
  AVFormatContext* fmt = nullptr;
  AVCodecContext* enc = nullptr;
  AVStream* stream = nullptr;
  AVFrame* frame = nullptr;  // owned picture (conversion or copy path)
  AVPacket* packet = nullptr;
  SwsContext* sws = nullptr;
  AVPixelFormat inputFormat = AV_PIX_FMT_NV12;
  bool zeroCopy = false;  // hand the caller's planes to the encoder directly
  bool fileOpen = false;  // the partial file exists
  bool finished = false;
  int64_t frames = 0;

  ~Impl() {
    sws_freeContext(sws);
    av_frame_free(&frame);
    av_packet_free(&packet);
    avcodec_free_context(&enc);
    if (fmt) {
      if (fmt->pb) avio_closep(&fmt->pb);
      avformat_free_context(fmt);
    }
    if (fileOpen && !finished) {
      std::error_code ec;
      fs::remove(partial, ec);
    }
  }

  void open() {
    const std::string ext = lower(path.extension().string());
    const char* muxer = muxerFor(ext);
    if (!muxer)
      throw UserError("unknown video container extension '" + path.extension().string() +
                      "' for '" + path.string() + "' (use .mp4, .mov or .mkv)");
    codec = avcodec_find_encoder_by_name(settings.codec.c_str());
    if (!codec || codec->type != AVMEDIA_TYPE_VIDEO)
      throw UserError("unknown encoder '" + settings.codec + "'");
    validate(path, settings);
    const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      throw UserError("output directory '" + dir.string() + "' does not exist");

    const std::string partialName = partial.string();
    check(avformat_alloc_output_context2(&fmt, nullptr, muxer, partialName.c_str()),
          "creating the muxer", path);
    // No random UIDs, dates or version strings: identical input, identical file.
    fmt->flags |= AVFMT_FLAG_BITEXACT;

    openEncoder();

    stream = avformat_new_stream(fmt, nullptr);
    if (!stream) throw RuntimeError("creating the video stream failed for '" + path.string() + "'");
    stream->time_base = enc->time_base;
    stream->avg_frame_rate = enc->framerate;
    check(avcodec_parameters_from_context(stream->codecpar, enc), "copying encoder parameters",
          path);

    packet = av_packet_alloc();
    if (!packet) throw RuntimeError("out of memory allocating a packet");

    check(avio_open(&fmt->pb, partialName.c_str(), AVIO_FLAG_WRITE), "opening the output file",
          partial);
    fileOpen = true;

    AVDictionary* muxOptions = nullptr;
    if (ext == ".mp4" || ext == ".mov") av_dict_set(&muxOptions, "movflags", "+faststart", 0);
    const int err = avformat_write_header(fmt, &muxOptions);
    av_dict_free(&muxOptions);
    check(err, "writing the container header", path);
  }

  void openEncoder() {
    const VideoSettings& s = settings;
    enc = avcodec_alloc_context3(codec);
    if (!enc) throw RuntimeError("out of memory allocating the encoder");

    inputFormat = chooseInputFormat(codec);
    const std::string codecName = codec->name;
    const bool x264 = codecName == "libx264";
    // libx264 copies the picture into its own frame inside x264_encoder_encode,
    // which avcodec_send_frame calls before returning (see write()), so it can
    // read the caller's memory directly.
    zeroCopy = x264 && inputFormat == AV_PIX_FMT_NV12;

    enc->width = s.width;
    enc->height = s.height;
    enc->pix_fmt = inputFormat;
    enc->sample_aspect_ratio = AVRational{1, 1};
    enc->framerate = AVRational{static_cast<int>(s.fps.num), static_cast<int>(s.fps.den)};
    enc->time_base = av_inv_q(enc->framerate);  // pts = frame index
    const double gop = std::round(s.keyframeIntervalSeconds * s.fps.toDouble());
    enc->gop_size = static_cast<int>(std::clamp(gop, 1.0, 100000.0));
    enc->thread_count = s.threads;
    enc->color_primaries = AVCOL_PRI_BT709;
    enc->color_trc = AVCOL_TRC_BT709;
    enc->colorspace = AVCOL_SPC_BT709;
    enc->color_range = AVCOL_RANGE_MPEG;
    enc->chroma_sample_location = AVCHROMA_LOC_LEFT;
    // Lossless (crf 0) needs x264's High 4:4:4 Predictive profile; let it pick.
    const bool lossless = s.bitrate == 0 && s.crf == 0;
    if (codec->id == AV_CODEC_ID_H264 && !lossless) enc->profile = FF_PROFILE_H264_HIGH;
    if (s.bitrate > 0) {
      enc->bit_rate = s.bitrate;
      enc->rc_max_rate = s.bitrate;
      enc->rc_buffer_size = static_cast<int>(std::min<int64_t>(2 * s.bitrate, INT_MAX));  // 2 s
    }
    if (fmt->oformat->flags & AVFMT_GLOBALHEADER) enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

    AVDictionary* options = nullptr;
    if (!s.preset.empty()) av_dict_set(&options, "preset", s.preset.c_str(), 0);
    if (s.bitrate == 0) av_dict_set(&options, "crf", std::to_string(s.crf).c_str(), 0);
    if (x264) {
      if (!lossless) av_dict_set(&options, "profile", "high", 0);
      // Key frames exactly every gop_size frames (no extra ones at scene cuts):
      // streaming ingest expects a fixed interval.
      av_dict_set(&options, "sc_threshold", "0", 0);
    }
    const int err = avcodec_open2(enc, codec, &options);
    for (const AVDictionaryEntry* e = nullptr;
         (e = av_dict_get(options, "", e, AV_DICT_IGNORE_SUFFIX));)
      log::debug("encoder '", codecName, "' ignored option ", e->key, "=", e->value);
    av_dict_free(&options);
    if (err == AVERROR(EINVAL))
      throw UserError("encoder '" + codecName + "' rejected the settings for '" + path.string() +
                      "' (" + std::to_string(s.width) + "x" + std::to_string(s.height) +
                      ", preset '" + s.preset + "', crf " + std::to_string(s.crf) +
                      "): " + avErrorText(err));
    check(err, "opening encoder '" + codecName + "'", path);

    if (!zeroCopy) {
      frame = av_frame_alloc();
      if (!frame) throw RuntimeError("out of memory allocating a frame");
      frame->format = inputFormat;
      frame->width = s.width;
      frame->height = s.height;
      check(av_frame_get_buffer(frame, 0), "allocating a frame", path);
      if (inputFormat != AV_PIX_FMT_NV12) {
        sws = sws_getContext(s.width, s.height, AV_PIX_FMT_NV12, s.width, s.height, inputFormat,
                             SWS_BICUBIC | SWS_ACCURATE_RND | SWS_BITEXACT, nullptr, nullptr,
                             nullptr);
        if (!sws)
          throw RuntimeError(std::string("no NV12 to ") + av_get_pix_fmt_name(inputFormat) +
                             " conversion for encoder '" + codecName + "'");
        const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(inputFormat);
        const bool rgb = desc && (desc->flags & AV_PIX_FMT_FLAG_RGB);
        const int* bt709 = sws_getCoefficients(SWS_CS_ITU709);
        sws_setColorspaceDetails(sws, bt709, 0, bt709, rgb ? 1 : 0, 0, 1 << 16, 1 << 16);
      }
    }
  }

  void tag(AVFrame* f) const {
    f->pts = frames;
    f->color_primaries = AVCOL_PRI_BT709;
    f->color_trc = AVCOL_TRC_BT709;
    f->colorspace = AVCOL_SPC_BT709;
    f->color_range = AVCOL_RANGE_MPEG;
    f->chroma_location = AVCHROMA_LOC_LEFT;
    f->sample_aspect_ratio = AVRational{1, 1};
  }

  void write(const Nv12Frame& in) {
    MQ_CHECK(!finished);
    MQ_CHECK(in.y && in.uv && in.yStride >= settings.width && in.uvStride >= settings.width);
    const int w = settings.width, h = settings.height;
    if (zeroCopy) {
      AVFrame* f = av_frame_alloc();
      if (!f) throw RuntimeError("out of memory allocating a frame");
      int released = 0;
      f->format = AV_PIX_FMT_NV12;
      f->width = w;
      f->height = h;
      f->data[0] = const_cast<uint8_t*>(in.y);
      f->linesize[0] = in.yStride;
      f->data[1] = const_cast<uint8_t*>(in.uv);
      f->linesize[1] = in.uvStride;
      f->buf[0] = av_buffer_create(f->data[0], static_cast<size_t>(in.yStride) * h, releaseBorrowed,
                                   &released, AV_BUFFER_FLAG_READONLY);
      f->buf[1] = av_buffer_create(f->data[1], static_cast<size_t>(in.uvStride) * (h / 2),
                                   releaseBorrowed, &released, AV_BUFFER_FLAG_READONLY);
      int err = (f->buf[0] && f->buf[1]) ? 0 : AVERROR(ENOMEM);
      if (err == 0) {
        tag(f);
        err = avcodec_send_frame(enc, f);
      }
      av_frame_free(&f);
      // The caller's memory is only valid during this call: the encoder must
      // have let go of it (libx264 copies the picture while encoding it).
      MQ_CHECK(released == 2);
      check(err, "encoding frame " + std::to_string(frames), path);
    } else {
      check(av_frame_make_writable(frame), "allocating a frame", path);
      if (sws) {
        const uint8_t* src[4] = {in.y, in.uv, nullptr, nullptr};
        const int srcStride[4] = {in.yStride, in.uvStride, 0, 0};
        sws_scale(sws, src, srcStride, 0, h, frame->data, frame->linesize);
      } else {
        av_image_copy_plane(frame->data[0], frame->linesize[0], in.y, in.yStride, w, h);
        av_image_copy_plane(frame->data[1], frame->linesize[1], in.uv, in.uvStride, w, h / 2);
      }
      tag(frame);
      check(avcodec_send_frame(enc, frame), "encoding frame " + std::to_string(frames), path);
    }
    ++frames;
    drain();
  }

  // Writes every packet the encoder has ready.
  void drain() {
    for (;;) {
      const int err = avcodec_receive_packet(enc, packet);
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return;
      check(err, "encoding", path);
      packet->stream_index = stream->index;
      packet->duration = 1;  // one frame in the encoder's 1/fps time base
      av_packet_rescale_ts(packet, enc->time_base, stream->time_base);
      const int wr = av_interleaved_write_frame(fmt, packet);  // takes the packet's data
      check(wr, "writing a packet", path);
    }
  }

  void finish() {
    if (finished) return;
    check(avcodec_send_frame(enc, nullptr), "flushing the encoder", path);
    drain();
    check(av_write_trailer(fmt), "writing the container trailer", path);
    check(avio_closep(&fmt->pb), "closing the output file", partial);
    std::error_code ec;
    fs::rename(partial, path, ec);
    if (ec)
      throw RuntimeError("renaming '" + partial.string() + "' to '" + path.string() +
                         "' failed: " + ec.message());
    finished = true;
  }
};

VideoFileWriter::VideoFileWriter(fs::path path, const VideoSettings& settings)
    : impl_(std::make_unique<Impl>()) {
  installFfmpegLogging();
  impl_->partial = partialPathFor(path);
  impl_->path = std::move(path);
  impl_->settings = settings;
  impl_->open();  // on failure ~Impl removes anything it created
}

VideoFileWriter::~VideoFileWriter() = default;

void VideoFileWriter::write(const Nv12Frame& frame) {
  impl_->write(frame);
}
void VideoFileWriter::finish() {
  impl_->finish();
}
int64_t VideoFileWriter::framesWritten() const {
  return impl_->frames;
}
const fs::path& VideoFileWriter::path() const {
  return impl_->path;
}
const fs::path& VideoFileWriter::partialPath() const {
  return impl_->partial;
}

}  // namespace mq::media
