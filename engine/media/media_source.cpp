#include "media/media_source.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "media/builtin_camera.h"
#include "media/ffmpeg_log.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
}

namespace mq::media {
namespace {

using Clock = std::chrono::steady_clock;

constexpr AVRational kMicros{1, 1000000};
constexpr int kRate = 48000;
// Offline look-ahead past the latest time asked for (the decoder then waits).
constexpr int kVideoAhead = 8;
constexpr int64_t kAudioAhead = 3 * kRate;
// Past these the decoder waits even for a blocked reader (a badly interleaved
// file would otherwise buffer without limit); the reader then gives up.
constexpr int kVideoAheadHard = 120;
constexpr int64_t kAudioAheadHard = 30 * kRate;
// Live inputs under Live pacing keep this much and drop the oldest.
constexpr int64_t kLiveVideoKeepUs = 1'000'000;
constexpr int64_t kLiveAudioKeep = 2 * kRate;
// What nobody has asked for within this much of the latest request is freed
// (a consumer that reads only video or only audio must not pile up the other).
constexpr int64_t kStaleVideoUs = 2'000'000;
constexpr int64_t kStaleAudio = 10 * kRate;
constexpr int kMaxConsecutiveErrors = 30;
constexpr double kBackoffFirst = 0.5, kBackoffMax = 8.0;
constexpr auto kNetworkOpenTimeout = std::chrono::seconds(10);
constexpr auto kNetworkReadTimeout = std::chrono::seconds(5);
constexpr const char* kNetworkRwTimeoutUs = "5000000";

enum class InputKind { File, ImageSequence, Device, Network, Builtin };

// "%d", "%04d": FFmpeg's image2 sequence pattern.
bool hasSequencePattern(const std::string& url) {
  for (size_t i = url.find('%'); i != std::string::npos; i = url.find('%', i + 1)) {
    size_t j = i + 1;
    while (j < url.size() && url[j] >= '0' && url[j] <= '9') ++j;
    if (j < url.size() && url[j] == 'd') return true;
  }
  return false;
}

InputKind classify(const std::string& url) {
  if (isBuiltinCameraUrl(url)) return InputKind::Builtin;
  const size_t scheme = url.find("://");
  if (scheme != std::string::npos && url.compare(0, scheme, "file") != 0) return InputKind::Network;
  if (url.rfind("/dev/video", 0) == 0 || url.rfind("/dev/v4l/", 0) == 0) return InputKind::Device;
  if (hasSequencePattern(url)) return InputKind::ImageSequence;
  return InputKind::File;
}

std::string avErrorText(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof(buf));
  return buf;
}

bool oneOf(AVPixelFormat f, std::initializer_list<AVPixelFormat> list) {
  return std::find(list.begin(), list.end(), f) != list.end();
}

YuvMatrix matrixFor(AVColorSpace space, int height) {
  switch (space) {
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M:
      return YuvMatrix::Bt601;
    case AVCOL_SPC_BT709:
      return YuvMatrix::Bt709;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL:
      return YuvMatrix::Bt2020;
    default:
      return height < 720 ? YuvMatrix::Bt601 : YuvMatrix::Bt709;
  }
}

// Describes the frame's planes for the GPU conversion; false (with `error`)
// for layouts the shader does not read.
bool describePicture(const AVFrame* f, PictureFormat& pf, std::string& error) {
  const auto fmt = static_cast<AVPixelFormat>(f->format);
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(fmt);
  pf = PictureFormat{};
  pf.width = f->width;
  pf.height = f->height;
  pf.pixelFormatName = d ? d->name : "none";
  pf.bitDepth = d ? d->comp[0].depth : 8;
  pf.bytesPerSample = pf.bitDepth > 8 ? 2 : 1;

  using P = AVPixelFormat;
  bool rgb = false;
  if (oneOf(fmt,
            {P::AV_PIX_FMT_YUV420P, P::AV_PIX_FMT_YUV422P, P::AV_PIX_FMT_YUV444P,
             P::AV_PIX_FMT_YUVJ420P, P::AV_PIX_FMT_YUVJ422P, P::AV_PIX_FMT_YUVJ444P,
             P::AV_PIX_FMT_YUV420P9LE, P::AV_PIX_FMT_YUV422P9LE, P::AV_PIX_FMT_YUV444P9LE,
             P::AV_PIX_FMT_YUV420P10LE, P::AV_PIX_FMT_YUV422P10LE, P::AV_PIX_FMT_YUV444P10LE,
             P::AV_PIX_FMT_YUV420P12LE, P::AV_PIX_FMT_YUV422P12LE, P::AV_PIX_FMT_YUV444P12LE,
             P::AV_PIX_FMT_YUV420P14LE, P::AV_PIX_FMT_YUV422P14LE, P::AV_PIX_FMT_YUV444P14LE,
             P::AV_PIX_FMT_YUV420P16LE, P::AV_PIX_FMT_YUV422P16LE, P::AV_PIX_FMT_YUV444P16LE,
             // With an alpha plane: ProRes 4444, VP8/VP9 with alpha (through
             // libvpx), FFV1, Cineform...
             P::AV_PIX_FMT_YUVA420P, P::AV_PIX_FMT_YUVA422P, P::AV_PIX_FMT_YUVA444P,
             P::AV_PIX_FMT_YUVA420P9LE, P::AV_PIX_FMT_YUVA422P9LE, P::AV_PIX_FMT_YUVA444P9LE,
             P::AV_PIX_FMT_YUVA420P10LE, P::AV_PIX_FMT_YUVA422P10LE, P::AV_PIX_FMT_YUVA444P10LE,
             P::AV_PIX_FMT_YUVA422P12LE, P::AV_PIX_FMT_YUVA444P12LE, P::AV_PIX_FMT_YUVA420P16LE,
             P::AV_PIX_FMT_YUVA422P16LE, P::AV_PIX_FMT_YUVA444P16LE})) {
    pf.layout = PlaneLayout::Planar;
    pf.chromaShiftX = d->log2_chroma_w;
    pf.chromaShiftY = d->log2_chroma_h;
    pf.hasAlpha = (d->flags & AV_PIX_FMT_FLAG_ALPHA) != 0;
  } else if (oneOf(fmt, {P::AV_PIX_FMT_NV12, P::AV_PIX_FMT_NV21, P::AV_PIX_FMT_P010LE,
                         P::AV_PIX_FMT_P016LE})) {
    pf.layout = PlaneLayout::SemiPlanar;
    pf.chromaShiftX = d->log2_chroma_w;
    pf.chromaShiftY = d->log2_chroma_h;
    pf.msbAligned = d->comp[0].shift > 0;
    pf.swapChroma = fmt == P::AV_PIX_FMT_NV21;
  } else if (oneOf(fmt, {P::AV_PIX_FMT_YUYV422, P::AV_PIX_FMT_UYVY422})) {
    pf.layout = PlaneLayout::Packed;
    pf.packedYuv422 = true;
    pf.chromaShiftX = 1;
    pf.bytesPerPixel = 4;  // one Y0 U Y1 V group
    pf.componentOrder[0] = d->comp[0].offset;
    pf.componentOrder[1] = d->comp[1].offset;
    pf.componentOrder[2] = d->comp[0].offset + 2;
    pf.componentOrder[3] = d->comp[2].offset;
  } else if (oneOf(fmt,
                   {P::AV_PIX_FMT_RGB24, P::AV_PIX_FMT_BGR24, P::AV_PIX_FMT_RGBA,
                    P::AV_PIX_FMT_BGRA, P::AV_PIX_FMT_ARGB, P::AV_PIX_FMT_ABGR, P::AV_PIX_FMT_RGB0,
                    P::AV_PIX_FMT_BGR0, P::AV_PIX_FMT_0RGB, P::AV_PIX_FMT_0BGR})) {
    rgb = true;
    pf.layout = PlaneLayout::Packed;
    pf.bytesPerPixel = d->comp[0].step;
    for (int c = 0; c < 3; ++c) pf.componentOrder[c] = d->comp[c].offset;
    pf.hasAlpha = (d->flags & AV_PIX_FMT_FLAG_ALPHA) != 0;
    if (pf.hasAlpha)
      pf.componentOrder[3] = d->comp[3].offset;
    else if (pf.bytesPerPixel == 4)  // the padding byte of rgb0 and friends (ignored)
      pf.componentOrder[3] = 6 - pf.componentOrder[0] - pf.componentOrder[1] - pf.componentOrder[2];
    else
      pf.componentOrder[3] = 0;  // no fourth byte; ignored
  } else if (oneOf(fmt, {P::AV_PIX_FMT_GRAY8, P::AV_PIX_FMT_GRAY9LE, P::AV_PIX_FMT_GRAY10LE,
                         P::AV_PIX_FMT_GRAY12LE, P::AV_PIX_FMT_GRAY14LE, P::AV_PIX_FMT_GRAY16LE})) {
    pf.layout = PlaneLayout::Gray;
  } else {
    error = "pixel format " + pf.pixelFormatName + " is not supported";
    return false;
  }

  if (rgb) {
    pf.matrix = YuvMatrix::Identity;
    pf.range = YuvRange::Full;
  } else {
    pf.matrix = matrixFor(f->colorspace, f->height);
    const bool jpeg =
        oneOf(fmt, {P::AV_PIX_FMT_YUVJ420P, P::AV_PIX_FMT_YUVJ422P, P::AV_PIX_FMT_YUVJ444P});
    pf.range = (jpeg || f->color_range == AVCOL_RANGE_JPEG) ? YuvRange::Full : YuvRange::Limited;
  }
  return true;
}

void freeFrame(void* p) {
  auto* f = static_cast<AVFrame*>(p);
  av_frame_free(&f);
}

}  // namespace

const char* sourceStateName(SourceState state) {
  switch (state) {
    case SourceState::Connecting:
      return "connecting";
    case SourceState::Playing:
      return "playing";
    case SourceState::Reconnecting:
      return "reconnecting";
    case SourceState::Ended:
      return "ended";
  }
  return "unknown";
}

struct MediaSource::Impl {
  SourceOptions opt;
  InputKind kind = InputKind::File;
  bool liveInput = false;  // network or device: data arrives on its own clock
  std::thread thread;
  std::atomic<bool> stop{false};
  std::atomic<double> pendingStall{0};  // seconds; see injectStall()

  // ---- shared with readers, under `m`
  mutable std::mutex m;
  std::condition_variable dataCv;  // readers: new data or state
  std::condition_variable workCv;  // decoder: demand moved, or stop
  SourceStats st;
  std::deque<VideoFrame> video;  // sorted by time
  std::vector<float> audio;      // interleaved stereo from sample audioBase
  int64_t audioBase = 0;
  int64_t videoAskedUs = 0, audioAskedUs = 0;
  int waiters = 0;       // readers blocked in Offline pacing
  bool stalled = false;  // hard buffer limit reached while a reader waits
  bool videoStream = false, audioStream = false;

  // ---- decoder thread only
  AVFormatContext* fmt = nullptr;
  AVCodecContext* vdec = nullptr;
  AVCodecContext* adec = nullptr;
  SwrContext* swr = nullptr;
  AVChannelLayout swrLayout{};
  int swrRate = 0, swrFormat = -1;
  AVPacket* pkt = nullptr;
  AVFrame* frame = nullptr;
  int vIndex = -1, aIndex = -1;
  std::atomic<int64_t> ioDeadlineNs{0};  // 0: none (read by the interrupt callback)
  int64_t originUs = AV_NOPTS_VALUE;     // stream time that maps to offsetUs
  int64_t offsetUs = 0;                  // media time where this pass starts
  int64_t lastVideoUs = -1;              // media time of the last decoded frame
  int64_t frameDurUs = 40000;
  AVRational videoRate{0, 1};  // nominal frame rate, when the stream declares one
  int64_t lastGridIndex = -1;  // frame number on that rate's grid of the last frame in this pass
  int64_t audioWrite = -1;     // media sample for the next resampled sample; -1: place by pts
  uint64_t serial = 0;
  int consecutiveErrors = 0;
  std::string failure;  // why the session ended, for lastError

  int64_t audioEnd() const { return audioBase + int64_t(audio.size() / 2); }
  int64_t demandUs() const { return std::max(videoAskedUs, audioAskedUs); }

  static int interrupt(void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (self->stop.load()) return 1;
    const int64_t deadline = self->ioDeadlineNs.load();
    return deadline != 0 && Clock::now().time_since_epoch().count() > deadline;
  }
  template <typename Duration>
  void setDeadline(Duration d) {
    ioDeadlineNs = liveInput ? (Clock::now() + d).time_since_epoch().count() : 0;
  }
  bool timedOut() const {
    const int64_t deadline = ioDeadlineNs.load();
    return deadline != 0 && Clock::now().time_since_epoch().count() > deadline;
  }

  // ---------------------------------------------------------------- opening

  bool open(std::string& error) {
    fmt = avformat_alloc_context();
    if (!fmt) {
      error = "out of memory";
      return false;
    }
    fmt->interrupt_callback.callback = &Impl::interrupt;
    fmt->interrupt_callback.opaque = this;

    const AVInputFormat* input = nullptr;
    AVDictionary* options = nullptr;
    const std::string& url = opt.url;
    if (kind == InputKind::Builtin) {
      BuiltinCameraSpec spec;
      if (!builtinCameraSpec(url, opt.audio, spec, error)) {
        avformat_free_context(fmt);
        fmt = nullptr;
        return false;
      }
      input = av_find_input_format("lavfi");
      av_dict_set(&options, "graph", spec.graph.c_str(), 0);
    } else if (kind == InputKind::Device) {
      input = av_find_input_format("video4linux2");
      // Non-blocking so a dead camera cannot hold the thread (see readPacket).
      fmt->flags |= AVFMT_FLAG_NONBLOCK;
    } else if (kind == InputKind::ImageSequence) {
      input = av_find_input_format("image2");
    } else if (kind == InputKind::Network) {
      av_dict_set(&options, "rw_timeout", kNetworkRwTimeoutUs, 0);
    }
    if (opt.captureWidth > 0 && opt.captureHeight > 0)
      av_dict_set(
          &options, "video_size",
          (std::to_string(opt.captureWidth) + "x" + std::to_string(opt.captureHeight)).c_str(), 0);
    if (opt.captureFps > 0)
      av_dict_set(&options, "framerate", std::to_string(opt.captureFps).c_str(), 0);
    if (!opt.capturePixelFormat.empty()) {
      // V4L2 reads input_format; the raw video demuxer (.yuv files) pixel_format.
      av_dict_set(&options, "input_format", opt.capturePixelFormat.c_str(), 0);
      av_dict_set(&options, "pixel_format", opt.capturePixelFormat.c_str(), 0);
    }

    setDeadline(kNetworkOpenTimeout);
    int err = avformat_open_input(&fmt, url.c_str(), input, &options);  // frees fmt on failure
    av_dict_free(&options);
    if (err >= 0) err = avformat_find_stream_info(fmt, nullptr);
    if (err < 0) {
      error = "cannot open '" + url + "': " + (timedOut() ? "timed out" : avErrorText(err));
      return false;
    }

    vIndex = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    aIndex = -1;
    if (opt.audio)
      for (unsigned i = 0; i < fmt->nb_streams; ++i)
        if (fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
          aIndex = int(i);
          break;
        }
    if (vIndex < 0) vIndex = -1;
    if (vIndex < 0 && aIndex < 0) {
      error = "'" + url + "' has no video or audio stream";
      return false;
    }
    for (unsigned i = 0; i < fmt->nb_streams; ++i)
      fmt->streams[i]->discard =
          (int(i) == vIndex || int(i) == aIndex) ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
    if (kind == InputKind::Builtin && vIndex >= 0) {
      // The lavfi device hands frames over as raw video packets, which drops
      // the frame's colour tags: restore what the graph makes.
      AVCodecParameters* par = fmt->streams[vIndex]->codecpar;
      par->color_space = AVCOL_SPC_BT709;
      par->color_primaries = AVCOL_PRI_BT709;
      par->color_trc = AVCOL_TRC_BT709;
      par->color_range = AVCOL_RANGE_MPEG;
    }
    if (vIndex >= 0 && !openDecoder(vIndex, vdec, error)) return false;
    if (aIndex >= 0 && !openDecoder(aIndex, adec, error)) return false;

    frameDurUs = 40000;
    videoRate = {0, 1};
    double fps = 0;
    if (vIndex >= 0) {
      const AVStream* s = fmt->streams[vIndex];
      AVRational rate = s->avg_frame_rate.num > 0 ? s->avg_frame_rate : s->r_frame_rate;
      if (rate.num > 0 && rate.den > 0 && av_q2d(rate) <= 1000) {
        fps = av_q2d(rate);
        frameDurUs = std::max<int64_t>(1, av_rescale_q(1, av_inv_q(rate), kMicros));
        videoRate = rate;
      }
    }
    std::lock_guard lock(m);
    videoStream = vIndex >= 0;
    audioStream = aIndex >= 0;
    st.hasAudio = audioStream;
    st.fps = fps;
    if (vIndex >= 0) {
      const AVCodecParameters* par = fmt->streams[vIndex]->codecpar;
      st.width = par->width;
      st.height = par->height;
      const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format));
      st.pixelFormat = name ? name : "";
    }
    return true;
  }

  bool openDecoder(int index, AVCodecContext*& dec, std::string& error) {
    const AVStream* s = fmt->streams[index];
    const AVCodec* codec = avcodec_find_decoder(s->codecpar->codec_id);
    // WebM keeps a VP8/VP9 picture's alpha beside it (tagged alpha_mode=1),
    // which only libvpx's decoders read; FFmpeg's own ones drop it. Stingers
    // and overlays made for OBS are such files.
    const AVDictionaryEntry* alphaMode = av_dict_get(s->metadata, "alpha_mode", nullptr, 0);
    if (alphaMode && std::string(alphaMode->value) == "1") {
      const char* withAlpha = s->codecpar->codec_id == AV_CODEC_ID_VP9   ? "libvpx-vp9"
                              : s->codecpar->codec_id == AV_CODEC_ID_VP8 ? "libvpx"
                                                                         : nullptr;
      if (const AVCodec* libvpx = withAlpha ? avcodec_find_decoder_by_name(withAlpha) : nullptr) {
        codec = libvpx;
      }
    }
    if (!codec) {
      error = std::string("no decoder for ") + avcodec_get_name(s->codecpar->codec_id) + " in '" +
              opt.url + "'";
      return false;
    }
    dec = avcodec_alloc_context3(codec);
    int err = dec ? avcodec_parameters_to_context(dec, s->codecpar) : AVERROR(ENOMEM);
    if (err >= 0) {
      dec->pkt_timebase = s->time_base;
      dec->thread_count = std::clamp(int(std::thread::hardware_concurrency()), 1, 4);
      // Frame threads delay output by a frame per thread: too much for a live feed.
      if (liveInput) dec->thread_type = FF_THREAD_SLICE;
      err = avcodec_open2(dec, codec, nullptr);
    }
    if (err < 0) {
      error = std::string("cannot open the ") + codec->name + " decoder for '" + opt.url +
              "': " + avErrorText(err);
      return false;
    }
    return true;
  }

  void close() {
    swr_free(&swr);
    av_channel_layout_uninit(&swrLayout);
    avcodec_free_context(&vdec);
    avcodec_free_context(&adec);
    avformat_close_input(&fmt);
    vIndex = aIndex = -1;
  }

  // ---------------------------------------------------------------- the thread

  void run() {
    pkt = av_packet_alloc();
    frame = av_frame_alloc();
    double backoff = kBackoffFirst;
    bool failedBefore = false;
    while (!stop) {
      std::string error;
      if (!open(error)) {
        close();
        if (stop) break;
        {
          std::lock_guard lock(m);
          // Once per distinct error, not on every retry of a long outage.
          if (error != st.lastError)
            log::warn("source '", opt.id, "': ", error);
          else
            log::debug("source '", opt.id, "': ", error);
          ++st.openFailures;
          st.lastError = error;
          st.state = SourceState::Reconnecting;
        }
        dataCv.notify_all();
        failedBefore = true;
        if (!sleepFor(backoff)) break;
        backoff = std::min(backoff * 2, kBackoffMax);
        continue;
      }
      {
        std::lock_guard lock(m);
        if (failedBefore) ++st.reconnects;
        st.state = SourceState::Playing;
      }
      dataCv.notify_all();
      startPass(nextOffset());
      const uint64_t before = serial;
      const int64_t audioBefore = audioWrite;
      failure.clear();
      const bool ended = session();
      close();
      if (stop) break;
      if (ended) {
        {
          std::lock_guard lock(m);
          st.state = SourceState::Ended;
        }
        dataCv.notify_all();
        break;
      }
      log::warn("source '", opt.id, "': ", failure);
      {
        std::lock_guard lock(m);
        st.lastError = failure;
        st.state = SourceState::Reconnecting;
      }
      dataCv.notify_all();
      failedBefore = true;
      if (serial != before || audioWrite != audioBefore) backoff = kBackoffFirst;  // it worked
      if (!sleepFor(backoff)) break;
      backoff = std::min(backoff * 2, kBackoffMax);
    }
    close();
    av_packet_free(&pkt);
    av_frame_free(&frame);
    dataCv.notify_all();
  }

  bool sleepFor(double seconds) {
    std::unique_lock lock(m);
    return !workCv.wait_for(lock, std::chrono::duration<double>(seconds),
                            [&] { return stop.load(); });
  }

  // Where the media clock continues after everything delivered so far.
  int64_t nextOffset() const {
    // Video defines the pass length when there is any; a slightly longer or
    // shorter audio track is overwritten or padded at the seam.
    // On a frame-rate grid the next pass starts exactly one frame period after
    // the last frame, so loops of a 30 fps file stay on 1/30 s forever.
    if (lastVideoUs >= 0 && lastGridIndex >= 0) return offsetUs + gridTime(lastGridIndex + 1);
    if (lastVideoUs >= 0) return lastVideoUs + frameDurUs;
    if (audioWrite > 0) return av_rescale(audioWrite, 1000000, kRate);
    return 0;
  }

  // Start of frame k of the nominal frame rate, from the pass start (µs).
  int64_t gridTime(int64_t k) const {
    return k * 1000000 * int64_t(videoRate.den) / int64_t(videoRate.num);
  }

  // Containers with millisecond timestamps (Matroska, FLV) store 1/30 s as 33
  // or 34 ms; put such frames back on their frame-rate grid so frame k of a
  // 30 fps source is due exactly at frame k of a 30 fps show, and loops do
  // not accumulate the rounding.
  int64_t snapToGrid(int64_t t) {
    if (videoRate.num <= 0) return t;
    const int64_t rel = t - offsetUs;
    const int64_t k = av_rescale_q(rel, kMicros, av_inv_q(videoRate));  // rounds to nearest
    const int64_t grid = gridTime(k);
    if (k < 0 || std::llabs(rel - grid) > 1000) {
      lastGridIndex = -1;
      return t;
    }
    lastGridIndex = k;
    return offsetUs + grid;
  }

  void startPass(int64_t offset) {
    offsetUs = offset;
    lastGridIndex = -1;
    originUs = (fmt && fmt->start_time != AV_NOPTS_VALUE) ? fmt->start_time : AV_NOPTS_VALUE;
    audioWrite = -1;
    consecutiveErrors = 0;
    swr_free(&swr);
  }

  // Demuxes and decodes until the input ends (true: a file's end without
  // loop) or fails (false, `failure` set) or stop.
  bool session() {
    for (;;) {
      if (!waitForDemand()) return false;
      if (double stall = pendingStall.exchange(0); stall > 0) {
        log::info("source '", opt.id, "': injected decode stall of ", stall, " s");
        if (!sleepFor(stall)) return false;
      }
      setDeadline(kNetworkReadTimeout);
      const int err = av_read_frame(fmt, pkt);
      if (stop) return false;
      if (err == AVERROR(EAGAIN)) {
        if (timedOut()) return fail("no data from '" + opt.url + "' for 5 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      if (err == AVERROR_EOF) {
        if (!flushDecoders()) return false;
        if (liveInput) return fail("'" + opt.url + "' ended");
        if (!opt.loop) return true;
        if (!rewind()) return false;
        continue;
      }
      if (err < 0) {
        if (err == AVERROR_INVALIDDATA && ++consecutiveErrors < kMaxConsecutiveErrors) {
          countCorrupt();
          continue;
        }
        return fail("reading '" + opt.url + "' failed: " +
                    (timedOut() ? std::string("no data for 5 s") : avErrorText(err)));
      }
      bool ok = true;
      if (pkt->stream_index == vIndex)
        ok = decode(vdec, pkt, true);
      else if (pkt->stream_index == aIndex)
        ok = decode(adec, pkt, false);
      av_packet_unref(pkt);
      if (!ok) return false;
    }
  }

  bool fail(std::string why) {
    failure = std::move(why);
    return false;
  }

  void countCorrupt() {
    std::lock_guard lock(m);
    ++st.corruptPackets;
  }

  bool flushDecoders() {
    if (vdec && !decode(vdec, nullptr, true)) return false;
    if (adec && !decode(adec, nullptr, false)) return false;
    if (swr) convertAudio(nullptr);
    return true;
  }

  // Back to the start of a looping file; the clock continues.
  bool rewind() {
    const int64_t next = nextOffset();
    const int64_t start = fmt->start_time != AV_NOPTS_VALUE ? fmt->start_time : 0;
    if (av_seek_frame(fmt, -1, start, AVSEEK_FLAG_BACKWARD) < 0) {
      // Not seekable (some image sequences, pipes): open it again.
      close();
      std::string error;
      if (!open(error)) return fail(error);
    } else {
      if (vdec) avcodec_flush_buffers(vdec);
      if (adec) avcodec_flush_buffers(adec);
    }
    startPass(next);
    return true;
  }

  // Sends one packet (nullptr: drain) and takes every frame out.
  bool decode(AVCodecContext* dec, const AVPacket* packet, bool isVideo) {
    int err = avcodec_send_packet(dec, packet);
    if (err < 0 && err != AVERROR(EAGAIN) && err != AVERROR_EOF) {
      countCorrupt();
      if (++consecutiveErrors >= kMaxConsecutiveErrors)
        return fail(std::to_string(consecutiveErrors) + " decode errors in a row in '" + opt.url +
                    "': " + avErrorText(err));
      return true;
    }
    while ((err = avcodec_receive_frame(dec, frame)) >= 0) {
      consecutiveErrors = 0;
      if (isVideo)
        takeVideo();
      else
        takeAudio();
      av_frame_unref(frame);
    }
    if (err != AVERROR(EAGAIN) && err != AVERROR_EOF) {
      countCorrupt();
      if (++consecutiveErrors >= kMaxConsecutiveErrors)
        return fail(std::to_string(consecutiveErrors) + " decode errors in a row in '" + opt.url +
                    "': " + avErrorText(err));
    }
    return true;
  }

  // Media time of a decoded frame's timestamp, or AV_NOPTS_VALUE.
  int64_t mediaTime(int64_t ts, AVRational timeBase) {
    if (ts == AV_NOPTS_VALUE) return AV_NOPTS_VALUE;
    const int64_t us = av_rescale_q(ts, timeBase, kMicros);
    if (originUs == AV_NOPTS_VALUE) originUs = us;
    return offsetUs + us - originUs;
  }

  void takeVideo() {
    const AVStream* s = fmt->streams[vIndex];
    int64_t t = mediaTime(frame->best_effort_timestamp, s->time_base);
    if (t == AV_NOPTS_VALUE)
      t = lastVideoUs >= 0 ? lastVideoUs + frameDurUs : offsetUs;
    else
      t = snapToGrid(t);
    if (t <= lastVideoUs) t = lastVideoUs + 1;  // keep the queue ordered

    VideoFrame vf;
    std::string error;
    if (!describePicture(frame, vf.format, error)) {
      std::lock_guard lock(m);
      if (st.lastError != error) log::warn("source '", opt.id, "': ", error);
      st.lastError = error;
      return;
    }
    AVFrame* ref = av_frame_clone(frame);
    if (!ref) return;
    vf.keepAlive = std::shared_ptr<void>(ref, freeFrame);
    for (int i = 0; i < planeCount(vf.format); ++i) {
      if (!ref->data[i] || ref->linesize[i] <= 0) {
        std::lock_guard lock(m);
        st.lastError = "frames with bottom-up rows are not supported";
        return;
      }
      vf.data[i] = ref->data[i];
      vf.linesize[i] = ref->linesize[i];
      bool chroma = i == 1 || i == 2;  // the alpha plane is full size, like luma
      vf.planeRows[i] = chroma ? AV_CEIL_RSHIFT(ref->height, vf.format.chromaShiftY) : ref->height;
    }
    vf.timeUs = t;
    vf.serial = ++serial;
    lastVideoUs = t;
    {
      std::lock_guard lock(m);
      video.push_back(std::move(vf));
      ++st.framesDecoded;
      st.width = ref->width;
      st.height = ref->height;
      st.pixelFormat = video.back().format.pixelFormatName;
      if (liveInput && opt.pacing == Pacing::Live) {
        while (video.size() > 1 && video.front().timeUs < t - kLiveVideoKeepUs) video.pop_front();
      } else {
        const int64_t stale = demandUs() - kStaleVideoUs;
        while (video.size() > 1 && video[1].timeUs <= stale) video.pop_front();
      }
    }
    dataCv.notify_all();
  }

  void takeAudio() {
    const AVStream* s = fmt->streams[aIndex];
    const int64_t t = mediaTime(frame->best_effort_timestamp, s->time_base);
    if (t != AV_NOPTS_VALUE) {
      const int64_t expected = av_rescale(t, kRate, 1000000);
      // Small timestamp jitter is ignored: samples stay contiguous.
      if (audioWrite < 0 || std::llabs(expected - audioWrite) > kRate / 10) audioWrite = expected;
    } else if (audioWrite < 0) {
      audioWrite = av_rescale(offsetUs, kRate, 1000000);
    }
    if (!swr || frame->sample_rate != swrRate || frame->format != swrFormat ||
        av_channel_layout_compare(&frame->ch_layout, &swrLayout) != 0) {
      if (swr) convertAudio(nullptr);
      if (!initResampler()) return;
    }
    convertAudio(frame);
  }

  bool initResampler() {
    swr_free(&swr);
    av_channel_layout_uninit(&swrLayout);
    if (av_channel_layout_copy(&swrLayout, &frame->ch_layout) < 0) return false;
    AVChannelLayout in{};
    if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
      av_channel_layout_default(&in, frame->ch_layout.nb_channels);
    else
      av_channel_layout_copy(&in, &frame->ch_layout);
    AVChannelLayout out{};
    av_channel_layout_default(&out, 2);
    int err = swr_alloc_set_opts2(&swr, &out, AV_SAMPLE_FMT_FLT, kRate, &in,
                                  static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0,
                                  nullptr);
    // Mono goes to both sides at full level (swresample's default is -3 dB),
    // so a mono microphone is as loud as it was recorded.
    if (err >= 0 && in.nb_channels == 1) {
      const double both[2] = {1.0, 1.0};
      err = swr_set_matrix(swr, both, 1);
    }
    if (err >= 0) err = swr_init(swr);
    av_channel_layout_uninit(&in);
    av_channel_layout_uninit(&out);
    if (err < 0) {
      swr_free(&swr);
      std::lock_guard lock(m);
      st.lastError = "cannot resample the audio of '" + opt.url + "': " + avErrorText(err);
      return false;
    }
    swrRate = frame->sample_rate;
    swrFormat = frame->format;
    return true;
  }

  // Resamples `in` (nullptr: the resampler's tail) onto the ring at audioWrite.
  void convertAudio(const AVFrame* in) {
    if (!swr || audioWrite < 0) return;
    const int room = swr_get_out_samples(swr, in ? in->nb_samples : 0);
    if (room <= 0) return;
    std::vector<float> out(size_t(room) * 2);
    uint8_t* dst[1] = {reinterpret_cast<uint8_t*>(out.data())};
    const int n =
        swr_convert(swr, dst, room, in ? const_cast<const uint8_t**>(in->extended_data) : nullptr,
                    in ? in->nb_samples : 0);
    if (n <= 0) return;
    const int64_t start = audioWrite;
    audioWrite += n;
    {
      std::lock_guard lock(m);
      putAudio(start, out.data(), n);
    }
    dataCv.notify_all();
  }

  // Under m: writes n stereo frames at media sample `start`.
  void putAudio(int64_t start, const float* samples, int64_t n) {
    if (start < audioBase) {  // already released
      const int64_t skip = std::min(n, audioBase - start);
      samples += skip * 2;
      n -= skip;
      start += skip;
    }
    if (n <= 0) return;
    if (start - audioEnd() > 60 * kRate) {  // a jump: do not fill a minute of silence
      audio.clear();
      audioBase = start;
    }
    const size_t at = size_t(start - audioBase) * 2;
    if (audio.size() < at + size_t(n) * 2) audio.resize(at + size_t(n) * 2, 0.0f);
    std::memcpy(audio.data() + at, samples, size_t(n) * 2 * sizeof(float));
    int64_t keepFrom = audioBase;
    if (liveInput && opt.pacing == Pacing::Live)
      keepFrom = audioEnd() - kLiveAudioKeep;
    else
      keepFrom = av_rescale(demandUs(), kRate, 1000000) - kStaleAudio;
    releaseAudio(keepFrom);
  }

  void releaseAudio(int64_t before) {
    if (before <= audioBase) return;
    const int64_t drop = std::min<int64_t>(before - audioBase, int64_t(audio.size() / 2));
    audio.erase(audio.begin(), audio.begin() + drop * 2);
    audioBase = before;
  }

  // Offline look-ahead: waits while the buffers are far enough past what has
  // been asked for. False on stop.
  bool waitForDemand() {
    if (liveInput && opt.pacing == Pacing::Live) return !stop;
    std::unique_lock lock(m);
    for (;;) {
      if (stop) return false;
      const int64_t demand = demandUs();
      int ahead = 0;
      for (auto it = video.rbegin(); it != video.rend() && it->timeUs > demand; ++it) ++ahead;
      const int64_t audioAhead = audioEnd() - av_rescale(demand, kRate, 1000000);
      const bool full =
          (vIndex >= 0 && ahead >= kVideoAhead) || (aIndex >= 0 && audioAhead >= kAudioAhead);
      const bool hardFull = (vIndex >= 0 && ahead >= kVideoAheadHard) ||
                            (aIndex >= 0 && audioAhead >= kAudioAheadHard);
      stalled = hardFull && waiters > 0;
      if (stalled) dataCv.notify_all();
      if (!full || (waiters > 0 && !hardFull)) return true;
      workCv.wait(lock);
    }
  }

  // ---------------------------------------------------------------- readers

  // Under m: whether a blocked Offline reader should stop waiting.
  bool settled() const {
    return stop || stalled || st.state == SourceState::Ended ||
           st.state == SourceState::Reconnecting;
  }

  template <typename Ready>
  void waitOffline(std::unique_lock<std::mutex>& lock, Ready ready) {
    const bool live = opt.pacing == Pacing::Live;
    if (live && (liveInput || opt.liveWaitSeconds <= 0)) return;
    const double limit = live ? opt.liveWaitSeconds : opt.offlineWaitSeconds;
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(limit));
    ++waiters;
    workCv.notify_all();
    while (!settled() && !ready()) {
      if (!liveInput && !live)
        dataCv.wait(lock);
      else if (dataCv.wait_until(lock, deadline) == std::cv_status::timeout)
        break;
    }
    --waiters;
  }
};

MediaSource::MediaSource(SourceOptions options) : impl_(std::make_unique<Impl>()) {
  installFfmpegLogging();
  static std::once_flag devices;
  std::call_once(devices, [] { avdevice_register_all(); });
  impl_->opt = std::move(options);
  impl_->kind = classify(impl_->opt.url);
  impl_->liveInput = impl_->kind == InputKind::Network || impl_->kind == InputKind::Device;
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

MediaSource::~MediaSource() {
  {
    std::lock_guard lock(impl_->m);
    impl_->stop = true;
  }
  impl_->workCv.notify_all();
  impl_->dataCv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::optional<VideoFrame> MediaSource::videoFrameAt(int64_t timeUs) {
  Impl& s = *impl_;
  std::unique_lock lock(s.m);
  if (timeUs > s.videoAskedUs) {
    s.videoAskedUs = timeUs;
    s.workCv.notify_all();
  }
  s.waitOffline(lock, [&] {
    if (s.st.state == SourceState::Playing && !s.videoStream) return true;
    return !s.video.empty() && s.video.back().timeUs > timeUs;
  });
  if (s.video.empty()) return std::nullopt;
  // The last frame at or before timeUs (the first one when all are later).
  auto it = std::upper_bound(s.video.begin(), s.video.end(), timeUs,
                             [](int64_t t, const VideoFrame& f) { return t < f.timeUs; });
  if (it != s.video.begin()) --it;
  const size_t keep = size_t(it - s.video.begin());
  VideoFrame result = *it;
  if (keep > 0) {
    s.video.erase(s.video.begin(), s.video.begin() + keep);
    s.workCv.notify_all();
  }
  return result;
}

void MediaSource::readAudio(int64_t firstSample, float* interleaved, int frames) {
  Impl& s = *impl_;
  if (frames <= 0) return;
  const int64_t end = firstSample + frames;
  std::unique_lock lock(s.m);
  const int64_t askedUs = av_rescale(end, 1000000, kRate);
  if (askedUs > s.audioAskedUs) {
    s.audioAskedUs = askedUs;
    s.workCv.notify_all();
  }
  s.waitOffline(lock, [&] {
    if (s.st.state == SourceState::Playing && !s.audioStream) return true;
    return s.audioEnd() >= end;
  });
  for (int64_t i = firstSample; i < end; ++i) {
    float* o = interleaved + (i - firstSample) * 2;
    if (i >= s.audioBase && i < s.audioEnd()) {
      const size_t at = size_t(i - s.audioBase) * 2;
      o[0] = s.audio[at];
      o[1] = s.audio[at + 1];
    } else {
      o[0] = o[1] = 0.0f;
    }
  }
  if (firstSample > s.audioBase) {
    s.releaseAudio(std::min(firstSample, s.audioEnd()));
    s.workCv.notify_all();
  }
}

SourceStats MediaSource::stats() const {
  std::lock_guard lock(impl_->m);
  return impl_->st;
}

bool MediaSource::isLiveInput() const {
  return impl_->liveInput;
}

void MediaSource::injectStall(double seconds) {
  impl_->pendingStall = seconds;
}

const SourceOptions& MediaSource::options() const {
  return impl_->opt;
}

}  // namespace mq::media
