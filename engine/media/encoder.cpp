#include "media/encoder.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cmath>
#include <mutex>

#include "core/error.h"
#include "core/log.h"
#include "media/cuda_interop.h"
#include "media/ffmpeg_log.h"
#include "media/ffmpeg_util.h"
#include "media/output_stream.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

namespace mq::media {

const char* outputStateName(OutputState state) {
  switch (state) {
    case OutputState::Connecting:
      return "connecting";
    case OutputState::Live:
      return "live";
    case OutputState::Reconnecting:
      return "reconnecting";
    case OutputState::Failed:
      return "failed";
    case OutputState::Finished:
      return "finished";
  }
  return "unknown";
}

namespace {

constexpr int kSampleRate = 48000;
constexpr int kChannels = 2;
// How long finish() lets network outputs drain before cutting them off.
constexpr auto kNetworkDrain = std::chrono::seconds(3);

void check(int err, const std::string& what) {
  if (err < 0) throw RuntimeError(what + " failed: " + avErrorText(err));
}

bool listsFormat(const AVPixelFormat* list, AVPixelFormat format) {
  if (!list) return false;
  for (const AVPixelFormat* p = list; *p != AV_PIX_FMT_NONE; ++p)
    if (*p == format) return true;
  return false;
}

// NV12 when the encoder takes it, else YUV420P, else its first format.
AVPixelFormat chooseInputFormat(const AVCodec* codec) {
  if (!codec->pix_fmts || listsFormat(codec->pix_fmts, AV_PIX_FMT_NV12)) return AV_PIX_FMT_NV12;
  if (listsFormat(codec->pix_fmts, AV_PIX_FMT_YUV420P)) return AV_PIX_FMT_YUV420P;
  return codec->pix_fmts[0];
}

AVPixelFormat formatOf(VideoPlanes::Layout layout) {
  return layout == VideoPlanes::Layout::Nv12 ? AV_PIX_FMT_NV12 : AV_PIX_FMT_YUV420P;
}

void validate(const EncoderSettings& s) {
  if (s.width <= 0 || s.height <= 0 || s.width > 16384 || s.height > 16384 || s.width % 2 ||
      s.height % 2)
    throw UserError("video size " + std::to_string(s.width) + "x" + std::to_string(s.height) +
                    " is not supported (width and height must be even, 2 to 16384)");
  if (s.fps.num <= 0 || s.fps.den <= 0 || s.fps.num > INT_MAX || s.fps.den > INT_MAX)
    throw UserError("frame rate " + std::to_string(s.fps.num) + "/" + std::to_string(s.fps.den) +
                    " is not valid");
  if (!(s.keyframeIntervalSeconds > 0) || s.keyframeIntervalSeconds > 3600)
    throw UserError("keyframe interval must be between 0 and 3600 seconds");
  if (s.videoBitrate < 0 || s.videoBitrate > 1'000'000'000)
    throw UserError("video bitrate " + std::to_string(s.videoBitrate) + " b/s is out of range");
  if (!(s.bufferSeconds > 0) || s.bufferSeconds > 60)
    throw UserError("rate control buffer must be between 0 and 60 seconds");
  if (s.threads < 0 || s.threads > 64)
    throw UserError("encoder thread count " + std::to_string(s.threads) + " is out of range");
  if (s.audio && (s.audioBitrate < 8000 || s.audioBitrate > 1'000'000))
    throw UserError("audio bitrate " + std::to_string(s.audioBitrate) + " b/s is out of range");
}

// One submitted picture: `release` runs when the last plane buffer referring
// to the caller's memory is freed (or right away when nothing referred to it).
struct ReleaseGuard {
  std::function<void()> release;
  std::atomic<int> refs{1};  // one held by submitVideo until it returns
  void drop() {
    if (--refs == 0) {
      if (release) release();
      delete this;
    }
  }
};

void releasePlane(void* opaque, uint8_t*) {
  static_cast<ReleaseGuard*>(opaque)->drop();
}

void tag(AVFrame* f) {
  f->color_primaries = AVCOL_PRI_BT709;
  f->color_trc = AVCOL_TRC_BT709;
  f->colorspace = AVCOL_SPC_BT709;
  f->color_range = AVCOL_RANGE_MPEG;
  f->chroma_location = AVCHROMA_LOC_LEFT;
  f->sample_aspect_ratio = AVRational{1, 1};
}

bool isAuto(const std::string& codec) {
  return codec.empty() || codec == "auto";
}

const AVCodec* findVideoEncoder(const std::string& name) {
  const AVCodec* codec = avcodec_find_encoder_by_name(isAuto(name) ? "libx264" : name.c_str());
  if (!codec || codec->type != AVMEDIA_TYPE_VIDEO)
    throw UserError("unknown encoder '" + name + "'");
  return codec;
}

// Whether the encoder reads frames in CUDA memory (NVENC does).
bool takesCuda(const AVCodec* codec) {
  return listsFormat(codec->pix_fmts, AV_PIX_FMT_CUDA);
}

// The speed preset: the settings' own, or a live-friendly one the encoder knows.
std::string presetFor(const EncoderSettings& s, const AVCodec* codec) {
  if (!s.preset.empty()) return s.preset;
  const std::string name = codec->name;
  if (name == "libx264" || name == "libx265") return "veryfast";
  if (name.size() > 6 && name.compare(name.size() - 6, 6, "_nvenc") == 0) return "p4";
  return "";
}

// An opened video encoder for `s`, or nullptr with the error in `err`. With
// `cuda`, it takes NV12 CUDA frames of s.cuda's frames context.
AVCodecContext* openVideoEncoder(const EncoderSettings& s, const AVCodec* codec, bool globalHeader,
                                 bool streaming, bool cuda, int* err) {
  AVCodecContext* venc = avcodec_alloc_context3(codec);
  if (!venc) throw RuntimeError("out of memory allocating the video encoder");
  const std::string name = codec->name;
  const bool x264 = name == "libx264";

  venc->width = s.width;
  venc->height = s.height;
  venc->pix_fmt = cuda ? AV_PIX_FMT_CUDA : chooseInputFormat(codec);
  if (cuda) venc->hw_frames_ctx = s.cuda->framesContext(s.width, s.height);
  venc->sample_aspect_ratio = AVRational{1, 1};
  venc->framerate = AVRational{static_cast<int>(s.fps.num), static_cast<int>(s.fps.den)};
  venc->time_base = av_inv_q(venc->framerate);  // pts = frame index
  const double gop = std::round(s.keyframeIntervalSeconds * s.fps.toDouble());
  venc->gop_size = static_cast<int>(std::clamp(gop, 1.0, 100000.0));
  venc->keyint_min = venc->gop_size;
  venc->thread_count = s.threads;
  venc->color_primaries = AVCOL_PRI_BT709;
  venc->color_trc = AVCOL_TRC_BT709;
  venc->colorspace = AVCOL_SPC_BT709;
  venc->color_range = AVCOL_RANGE_MPEG;
  venc->chroma_sample_location = AVCHROMA_LOC_LEFT;
  if (s.deterministic) venc->flags |= AV_CODEC_FLAG_BITEXACT;
  // Lossless (crf 0) needs x264's High 4:4:4 Predictive profile; let it pick.
  const bool lossless = s.videoBitrate == 0 && s.crf == 0;
  if (codec->id == AV_CODEC_ID_H264 && !lossless) venc->profile = FF_PROFILE_H264_HIGH;
  if (s.videoBitrate > 0) {
    venc->bit_rate = s.videoBitrate;
    venc->rc_max_rate = s.videoBitrate;
    venc->rc_buffer_size = static_cast<int>(
        std::min<double>(s.bufferSeconds * static_cast<double>(s.videoBitrate), INT_MAX));
  }
  if (globalHeader) venc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

  AVDictionary* options = nullptr;
  const std::string preset = presetFor(s, codec);
  if (!preset.empty()) av_dict_set(&options, "preset", preset.c_str(), 0);
  if (s.videoBitrate == 0) {
    // NVENC's constant-quality knob is "cq" (0 = automatic, so at least 1).
    if (takesCuda(codec))
      av_dict_set(&options, "cq", std::to_string(std::max(1, s.crf)).c_str(), 0);
    else
      av_dict_set(&options, "crf", std::to_string(s.crf).c_str(), 0);
  } else if (takesCuda(codec)) {
    av_dict_set(&options, "rc", "cbr", 0);
  }
  if (x264) {
    if (!lossless) av_dict_set(&options, "profile", "high", 0);
    // Key frames exactly every gop_size frames, none extra at scene cuts:
    // ingest servers and segmenters expect a fixed interval.
    av_dict_set(&options, "sc_threshold", "0", 0);
    // Live ingest wants a constant-rate HRD stream (filler, signalled CBR).
    if (s.videoBitrate > 0 && streaming) av_dict_set(&options, "x264-params", "nal-hrd=cbr", 0);
  }
  *err = avcodec_open2(venc, codec, &options);
  for (const AVDictionaryEntry* e = nullptr;
       (e = av_dict_get(options, "", e, AV_DICT_IGNORE_SUFFIX));)
    log::debug("encoder '", name, "' ignored option ", e->key, "=", e->value);
  av_dict_free(&options);
  if (*err < 0) avcodec_free_context(&venc);
  return venc;
}

// Throws why the encoder did not open.
[[noreturn]] void throwOpenFailure(const EncoderSettings& s, const AVCodec* codec, int err) {
  const std::string name = codec->name;
  if (codec->capabilities & AV_CODEC_CAP_HARDWARE)
    throw RuntimeError("hardware encoder '" + name +
                       "' could not start on this machine (FFmpeg's messages above say why: no "
                       "driver, or a GPU without a video encoder, such as NVIDIA's A100, H100 and "
                       "H200, which answer 'unsupported device'): " +
                       avErrorText(err));
  if (err == AVERROR(EINVAL) || err == AVERROR_EXTERNAL)
    throw UserError("encoder '" + name + "' rejected the settings (" + std::to_string(s.width) +
                    "x" + std::to_string(s.height) + ", preset '" + presetFor(s, codec) + "', " +
                    (s.videoBitrate > 0 ? std::to_string(s.videoBitrate) + " b/s"
                                        : "quality " + std::to_string(s.crf)) +
                    "): " + avErrorText(err));
  throw RuntimeError("opening encoder '" + name + "' failed: " + avErrorText(err));
}

}  // namespace

bool mayTakeCudaFrames(const std::string& videoCodec) {
  if (isAuto(videoCodec)) return true;
  const AVCodec* codec = avcodec_find_encoder_by_name(videoCodec.c_str());
  return codec && codec->type == AVMEDIA_TYPE_VIDEO && takesCuda(codec);
}

void resolveVideoEncoder(EncoderSettings& s) {
  installFfmpegLogging();
  if (!isAuto(s.videoCodec)) {
    const AVCodec* codec = findVideoEncoder(s.videoCodec);  // an unknown name throws here
    if (s.cuda && !takesCuda(codec)) s.cuda.reset();
    return;
  }
  s.videoCodec = "libx264";
  if (!s.cuda) return;
  const AVCodec* nvenc = avcodec_find_encoder_by_name("h264_nvenc");
  int err = 0;
  AVCodecContext* trial = nvenc ? openVideoEncoder(s, nvenc, false, false, true, &err) : nullptr;
  if (trial) {
    avcodec_free_context(&trial);
    s.videoCodec = "h264_nvenc";
    log::info("video encoder: h264_nvenc, fed CUDA frames from Vulkan memory");
    return;
  }
  log::info("video encoder: libx264 (h264_nvenc ",
            nvenc ? "did not open: " + avErrorText(err) : std::string("is not in this FFmpeg"),
            ")");
  s.cuda.reset();
}

struct Encoder::Impl {
  EncoderSettings settings;
  std::vector<OutputTarget> targets;
  std::vector<std::unique_ptr<OutputStream>> outputs;
  const AVCodec* videoCodec = nullptr;
  AVCodecContext* venc = nullptr;
  AVCodecContext* aenc = nullptr;
  AVAudioFifo* fifo = nullptr;
  AVFrame* converted = nullptr;  // conversion path only
  SwsContext* sws = nullptr;
  AVPixelFormat swsSource = AV_PIX_FMT_NONE;
  AVPacket* packet = nullptr;
  AVPixelFormat encoderFormat = AV_PIX_FMT_NV12;  // of the planes it reads (NV12 for CUDA frames)
  bool cudaFrames = false;                        // venc takes CUDA frames (settings.cuda)

  std::mutex mutex;  // one encode at a time (video and audio may come from two threads)
  bool finished = false;
  int64_t lastFrameIndex = -1;
  int64_t audioPts = 0;  // samples sent to the audio encoder
  std::atomic<uint64_t> framesEncoded{0};
  std::atomic<uint64_t> cpuCopyBytes{0};

  ~Impl() {
    outputs.clear();  // stop threads before freeing what they reference
    freeParams();
    sws_freeContext(sws);
    av_frame_free(&converted);
    av_packet_free(&packet);
    avcodec_free_context(&venc);  // frees buffered frames: runs their `release`
    avcodec_free_context(&aenc);
    if (fifo) av_audio_fifo_free(fifo);
  }

  bool needsGlobalHeader() const {
    for (const OutputTarget& t : targets) {
      const AVOutputFormat* f = av_guess_format(t.muxer.c_str(), nullptr, nullptr);
      if (f && (f->flags & AVFMT_GLOBALHEADER)) return true;
    }
    return false;
  }

  bool streaming() const {
    return std::any_of(targets.begin(), targets.end(),
                       [](const OutputTarget& t) { return t.network; });
  }

  void openVideo() {
    const EncoderSettings& s = settings;
    videoCodec = findVideoEncoder(s.videoCodec);
    const bool cuda = s.cuda && takesCuda(videoCodec);
    encoderFormat = cuda ? AV_PIX_FMT_NV12 : chooseInputFormat(videoCodec);
    int err = 0;
    venc = openVideoEncoder(s, videoCodec, needsGlobalHeader(), streaming(), cuda, &err);
    if (!venc) throwOpenFailure(s, videoCodec, err);
    cudaFrames = cuda;
  }

  void openAudio() {
    const EncoderSettings& s = settings;
    const AVCodec* codec = avcodec_find_encoder_by_name(s.audioCodec.c_str());
    if (!codec || codec->type != AVMEDIA_TYPE_AUDIO)
      throw UserError("unknown audio encoder '" + s.audioCodec + "'");
    aenc = avcodec_alloc_context3(codec);
    if (!aenc) throw RuntimeError("out of memory allocating the audio encoder");
    aenc->sample_fmt = AV_SAMPLE_FMT_FLTP;
    if (codec->sample_fmts) {
      bool fltp = false;
      for (const AVSampleFormat* f = codec->sample_fmts; *f != AV_SAMPLE_FMT_NONE; ++f)
        fltp |= *f == AV_SAMPLE_FMT_FLTP;
      if (!fltp)
        throw UserError("audio encoder '" + s.audioCodec + "' does not take planar float audio");
    }
    aenc->sample_rate = kSampleRate;
    av_channel_layout_default(&aenc->ch_layout, kChannels);
    aenc->bit_rate = s.audioBitrate;
    aenc->time_base = AVRational{1, kSampleRate};  // pts = samples
    if (s.deterministic) aenc->flags |= AV_CODEC_FLAG_BITEXACT;
    if (needsGlobalHeader()) aenc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    const int err = avcodec_open2(aenc, codec, nullptr);
    if (err == AVERROR(EINVAL))
      throw UserError("audio encoder '" + s.audioCodec + "' rejected " +
                      std::to_string(s.audioBitrate) + " b/s, 48 kHz stereo");
    check(err, "opening audio encoder '" + s.audioCodec + "'");
    fifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, kChannels, 4 * aenc->frame_size);
    if (!fifo) throw RuntimeError("out of memory allocating the audio FIFO");
  }

  void openOutputs() {
    std::vector<StreamInfo> streams;
    std::vector<AVCodecParameters*> params;
    auto addStream = [&](AVCodecContext* enc, bool video) {
      AVCodecParameters* p = avcodec_parameters_alloc();
      if (!p || avcodec_parameters_from_context(p, enc) < 0) {
        avcodec_parameters_free(&p);
        throw RuntimeError("out of memory copying encoder parameters");
      }
      params.push_back(p);
      streams.push_back(StreamInfo{p, enc->time_base.num, enc->time_base.den, video});
    };
    try {
      addStream(venc, true);
      if (aenc) addStream(aenc, false);
      for (const OutputTarget& t : targets)
        outputs.push_back(std::make_unique<OutputStream>(t, streams, settings.deterministic));
    } catch (...) {
      outputs.clear();
      for (AVCodecParameters* p : params) avcodec_parameters_free(&p);
      throw;
    }
    // Outputs copy the parameters when they create a muxer, also on reconnect.
    codecParams = std::move(params);
  }
  std::vector<AVCodecParameters*> codecParams;

  void freeParams() {
    for (AVCodecParameters* p : codecParams) avcodec_parameters_free(&p);
    codecParams.clear();
  }

  // Hands every packet the encoder has ready to every output.
  void drain(AVCodecContext* enc, int streamIndex) {
    for (;;) {
      const int err = avcodec_receive_packet(enc, packet);
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return;
      check(err, "encoding");
      packet->stream_index = streamIndex;
      if (streamIndex == 0) {
        packet->duration = 1;  // one frame in 1/fps
        ++framesEncoded;
      }
      for (auto& out : outputs) out->push(packet);
      av_packet_unref(packet);
    }
  }

  void submitVideo(const VideoPlanes& planes, int64_t frameIndex, std::function<void()> release) {
    auto* guard = new ReleaseGuard{std::move(release)};
    struct DropOnExit {
      ReleaseGuard* g;
      ~DropOnExit() { g->drop(); }
    } dropOnExit{guard};

    std::lock_guard lock(mutex);
    if (finished) throw RuntimeError("Encoder::submitVideo after finish()");
    MQ_CHECK(frameIndex > lastFrameIndex);
    const bool nv12 = planes.layout == VideoPlanes::Layout::Nv12;
    const int planeCount = nv12 ? 2 : 3;
    for (int i = 0; i < planeCount; ++i) MQ_CHECK(planes.data[i] && planes.linesize[i] > 0);
    if (planes.cuda != cudaFrames)
      throw RuntimeError(planes.cuda ? "CUDA frames for an encoder that reads host memory"
                                     : "host-memory frames for an encoder set up for CUDA frames");
    const int w = settings.width, h = settings.height;

    AVFrame* frame = nullptr;
    struct FrameFree {
      AVFrame** f;
      ~FrameFree() { av_frame_free(f); }
    } frameFree{&frame};

    if (formatOf(planes.layout) == encoderFormat) {
      frame = av_frame_alloc();
      if (!frame) throw RuntimeError("out of memory allocating a frame");
      frame->format = cudaFrames ? AV_PIX_FMT_CUDA : encoderFormat;
      frame->width = w;
      frame->height = h;
      if (cudaFrames) {
        frame->hw_frames_ctx = av_buffer_ref(venc->hw_frames_ctx);
        if (!frame->hw_frames_ctx) throw RuntimeError("out of memory referencing CUDA frames");
      } else if (videoCodec->capabilities & AV_CODEC_CAP_HARDWARE) {
        // A hardware encoder given host memory copies it into its own
        // input surface on the CPU: count it.
        cpuCopyBytes += static_cast<uint64_t>(av_image_get_buffer_size(encoderFormat, w, h, 1));
      }
      // The planes are wrapped, not copied (for CUDA frames, the pointers are
      // device addresses; FFmpeg never dereferences a hardware frame's data).
      for (int i = 0; i < planeCount; ++i) {
        const int rows = i == 0 ? h : h / 2;
        frame->data[i] = planes.data[i];
        frame->linesize[i] = planes.linesize[i];
        ++guard->refs;
        frame->buf[i] =
            av_buffer_create(planes.data[i], static_cast<size_t>(planes.linesize[i]) * rows,
                             releasePlane, guard, AV_BUFFER_FLAG_READONLY);
        if (!frame->buf[i]) {
          --guard->refs;
          throw RuntimeError("out of memory wrapping a frame");
        }
      }
    } else {
      convert(planes);
      frame = av_frame_clone(converted);
      if (!frame) throw RuntimeError("out of memory allocating a frame");
    }
    tag(frame);
    frame->pts = frameIndex;
    lastFrameIndex = frameIndex;
    check(avcodec_send_frame(venc, frame), "encoding frame " + std::to_string(frameIndex));
    av_frame_free(&frame);
    drain(venc, 0);
  }

  // The copy path for planes the encoder cannot read as they are (counted).
  void convert(const VideoPlanes& planes) {
    const int w = settings.width, h = settings.height;
    if (!converted) {
      converted = av_frame_alloc();
      if (!converted) throw RuntimeError("out of memory allocating a frame");
      converted->format = encoderFormat;
      converted->width = w;
      converted->height = h;
      check(av_frame_get_buffer(converted, 0), "allocating a frame");
    }
    check(av_frame_make_writable(converted), "allocating a frame");
    const AVPixelFormat source = formatOf(planes.layout);
    if (source != swsSource) {
      sws_freeContext(sws);
      sws =
          sws_getContext(w, h, source, w, h, encoderFormat,
                         SWS_BICUBIC | SWS_ACCURATE_RND | SWS_BITEXACT, nullptr, nullptr, nullptr);
      if (!sws)
        throw RuntimeError(std::string("no conversion from ") + av_get_pix_fmt_name(source) +
                           " to " + av_get_pix_fmt_name(encoderFormat));
      const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(encoderFormat);
      const bool rgb = desc && (desc->flags & AV_PIX_FMT_FLAG_RGB);
      const int* bt709 = sws_getCoefficients(SWS_CS_ITU709);
      sws_setColorspaceDetails(sws, bt709, 0, bt709, rgb ? 1 : 0, 0, 1 << 16, 1 << 16);
      swsSource = source;
    }
    const uint8_t* src[4] = {planes.data[0], planes.data[1], planes.data[2], nullptr};
    const int srcStride[4] = {planes.linesize[0], planes.linesize[1], planes.linesize[2], 0};
    sws_scale(sws, src, srcStride, 0, h, converted->data, converted->linesize);
    cpuCopyBytes += static_cast<uint64_t>(av_image_get_buffer_size(encoderFormat, w, h, 1));
  }

  void encodeAudioFrame(int samples) {
    AVFrame* frame = av_frame_alloc();
    struct FrameFree {
      AVFrame** f;
      ~FrameFree() { av_frame_free(f); }
    } frameFree{&frame};
    if (!frame) throw RuntimeError("out of memory allocating an audio frame");
    frame->format = AV_SAMPLE_FMT_FLTP;
    frame->sample_rate = kSampleRate;
    check(av_channel_layout_copy(&frame->ch_layout, &aenc->ch_layout), "audio layout");
    frame->nb_samples = samples;
    check(av_frame_get_buffer(frame, 0), "allocating an audio frame");
    if (av_audio_fifo_read(fifo, reinterpret_cast<void**>(frame->data), samples) != samples)
      throw RuntimeError("reading the audio FIFO failed");
    frame->pts = audioPts;
    audioPts += samples;
    check(avcodec_send_frame(aenc, frame), "encoding audio");
    drain(aenc, 1);
  }

  void writeFifo(const float* interleaved, int frames) {
    std::vector<float> left(static_cast<size_t>(frames)), right(static_cast<size_t>(frames));
    if (interleaved)
      for (int i = 0; i < frames; ++i) {
        left[static_cast<size_t>(i)] = interleaved[2 * i];
        right[static_cast<size_t>(i)] = interleaved[2 * i + 1];
      }
    void* planes[2] = {left.data(), right.data()};
    if (av_audio_fifo_write(fifo, planes, frames) != frames)
      throw RuntimeError("writing the audio FIFO failed");
    while (av_audio_fifo_size(fifo) >= aenc->frame_size) encodeAudioFrame(aenc->frame_size);
  }

  void submitAudio(const float* interleaved, int frames) {
    if (!aenc || frames <= 0) return;
    std::lock_guard lock(mutex);
    if (finished) throw RuntimeError("Encoder::submitAudio after finish()");
    writeFifo(interleaved, frames);
  }

  void finish() {
    std::unique_lock lock(mutex);
    if (finished) return;
    finished = true;
    if (aenc) {
      // Audio runs as long as the video: pad what was not submitted with silence.
      const int64_t videoFrames = lastFrameIndex + 1;
      const int64_t videoSamples = videoFrames * settings.fps.den * kSampleRate / settings.fps.num;
      const int64_t have = audioPts + av_audio_fifo_size(fifo);
      for (int64_t missing = videoSamples - have; missing > 0;) {
        const int n = static_cast<int>(std::min<int64_t>(missing, kSampleRate));
        writeFifo(nullptr, n);
        missing -= n;
      }
      if (const int rest = av_audio_fifo_size(fifo); rest > 0) encodeAudioFrame(rest);
      check(avcodec_send_frame(aenc, nullptr), "flushing the audio encoder");
      drain(aenc, 1);
    }
    check(avcodec_send_frame(venc, nullptr), "flushing the video encoder");
    drain(venc, 0);
    lock.unlock();

    const auto deadline = std::chrono::steady_clock::now() + kNetworkDrain;
    std::string failures;
    for (auto& out : outputs)
      if (!out->finish(deadline)) {
        const OutputStats st = out->stats();
        failures += (failures.empty() ? "" : "; ") + st.url + ": " + st.lastError;
      }
    if (!failures.empty()) throw RuntimeError("writing output failed: " + failures);
  }
};

Encoder::Encoder(const EncoderSettings& settings, const std::vector<std::string>& outputs)
    : impl_(std::make_unique<Impl>()) {
  installFfmpegLogging();
  if (outputs.empty()) throw UserError("no outputs given for the encoder");
  impl_->settings = settings;
  for (const std::string& url : outputs) impl_->targets.push_back(parseOutputUrl(url));
  validate(settings);
  impl_->openVideo();
  if (settings.audio) impl_->openAudio();
  impl_->packet = av_packet_alloc();
  if (!impl_->packet) throw RuntimeError("out of memory allocating a packet");
  impl_->openOutputs();
}

Encoder::~Encoder() = default;

VideoPlanes::Layout Encoder::preferredLayout() const {
  return impl_->encoderFormat == AV_PIX_FMT_YUV420P ? VideoPlanes::Layout::Yuv420p
                                                    : VideoPlanes::Layout::Nv12;
}

CudaInterop* Encoder::cudaInterop() const {
  return impl_->cudaFrames ? impl_->settings.cuda.get() : nullptr;
}

void Encoder::submitVideo(const VideoPlanes& planes, int64_t frameIndex,
                          std::function<void()> release) {
  impl_->submitVideo(planes, frameIndex, std::move(release));
}

void Encoder::submitAudio(const float* interleaved, int frames) {
  impl_->submitAudio(interleaved, frames);
}

void Encoder::finish() {
  impl_->finish();
}

uint64_t Encoder::framesEncoded() const {
  return impl_->framesEncoded;
}

uint64_t Encoder::cpuPixelCopyBytes() const {
  return impl_->cpuCopyBytes;
}

std::vector<OutputStats> Encoder::outputStats() const {
  std::vector<OutputStats> stats;
  for (const auto& out : impl_->outputs) stats.push_back(out->stats());
  return stats;
}

std::string Encoder::videoEncoderName() const {
  return impl_->videoCodec ? impl_->videoCodec->name : "";
}

}  // namespace mq::media
