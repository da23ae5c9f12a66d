// loadAudioClip: decodes a whole sound file with libavformat/libavcodec and
// converts it with libswresample to 48 kHz interleaved stereo float.
#include <string>
#include <system_error>

#include "core/error.h"
#include "media/audio_mixer.h"
#include "media/ffmpeg_log.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libswresample/swresample.h>
}

namespace mq::media {
namespace {

namespace fs = std::filesystem;

std::string avErrorText(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof(buf));
  return buf;
}

struct Decoder {
  AVFormatContext* fmt = nullptr;
  AVCodecContext* dec = nullptr;
  SwrContext* swr = nullptr;
  AVPacket* packet = nullptr;
  AVFrame* frame = nullptr;
  ~Decoder() {
    av_frame_free(&frame);
    av_packet_free(&packet);
    swr_free(&swr);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
  }
};

}  // namespace

std::shared_ptr<const AudioClip> loadAudioClip(const fs::path& file) {
  installFfmpegLogging();
  const std::string name = file.string();
  // A bad file is the show author's to fix, so every failure to read it is a
  // UserError naming it; only allocation failures are RuntimeErrors.
  auto bad = [&](const std::string& why) {
    return UserError("cannot load sound '" + name + "': " + why);
  };
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw bad("no such file");

  Decoder d;
  int err = avformat_open_input(&d.fmt, name.c_str(), nullptr, nullptr);
  if (err < 0) throw bad(avErrorText(err));
  err = avformat_find_stream_info(d.fmt, nullptr);
  if (err < 0) throw bad(avErrorText(err));
  const AVCodec* codec = nullptr;
  const int index = av_find_best_stream(d.fmt, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
  if (index < 0 || !codec) throw bad("no decodable audio stream");
  const AVStream* stream = d.fmt->streams[index];

  d.dec = avcodec_alloc_context3(codec);
  if (!d.dec) throw RuntimeError("out of memory allocating an audio decoder");
  err = avcodec_parameters_to_context(d.dec, stream->codecpar);
  if (err < 0) throw bad(avErrorText(err));
  d.dec->pkt_timebase = stream->time_base;  // lets the decoder trim priming samples quietly
  err = avcodec_open2(d.dec, codec, nullptr);
  if (err < 0)
    throw bad("opening the " + std::string(codec->name) + " decoder: " + avErrorText(err));

  d.packet = av_packet_alloc();
  d.frame = av_frame_alloc();
  if (!d.packet || !d.frame) throw RuntimeError("out of memory decoding audio");

  auto clip = std::make_shared<AudioClip>();
  AVChannelLayout stereo = AV_CHANNEL_LAYOUT_STEREO;

  // Set up from the first decoded frame: some decoders only know their real
  // layout and rate then.
  auto convert = [&](const AVFrame* in) {
    if (!d.swr) {
      AVChannelLayout inLayout;
      if (in->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || in->ch_layout.nb_channels <= 0)
        av_channel_layout_default(&inLayout, in->ch_layout.nb_channels > 0
                                                 ? in->ch_layout.nb_channels
                                                 : d.dec->ch_layout.nb_channels);
      else
        av_channel_layout_copy(&inLayout, &in->ch_layout);
      const int rate = in->sample_rate > 0 ? in->sample_rate : d.dec->sample_rate;
      // A mono file plays at full level on both channels, not at -3 dB as
      // libswresample's default rematrix would make it.
      const bool mono = inLayout.nb_channels == 1;
      err = swr_alloc_set_opts2(&d.swr, &stereo, AV_SAMPLE_FMT_FLT, kAudioRate, &inLayout,
                                AVSampleFormat(in->format), rate, 0, nullptr);
      av_channel_layout_uninit(&inLayout);
      if (err < 0 || !d.swr) throw bad("unsupported audio format: " + avErrorText(err));
      if (mono) {
        const double toBoth[2] = {1.0, 1.0};  // out x in
        err = swr_set_matrix(d.swr, toBoth, 1);
        if (err < 0) throw RuntimeError("swr_set_matrix failed: " + avErrorText(err));
      }
      err = swr_init(d.swr);
      if (err < 0) throw bad("unsupported audio format: " + avErrorText(err));
    }
    const int outMax = swr_get_out_samples(d.swr, in ? in->nb_samples : 0);
    if (outMax <= 0) return;
    const size_t at = clip->samples.size();
    clip->samples.resize(at + size_t(outMax) * kAudioChannels);
    uint8_t* out = reinterpret_cast<uint8_t*>(clip->samples.data() + at);
    const int got = swr_convert(d.swr, &out, outMax,
                                in ? const_cast<const uint8_t**>(in->extended_data) : nullptr,
                                in ? in->nb_samples : 0);
    if (got < 0) throw RuntimeError("resampling '" + name + "' failed: " + avErrorText(got));
    clip->samples.resize(at + size_t(got) * kAudioChannels);
  };

  auto drain = [&] {
    while (true) {
      err = avcodec_receive_frame(d.dec, d.frame);
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return;
      if (err < 0) throw bad("decoding failed: " + avErrorText(err));
      convert(d.frame);
      av_frame_unref(d.frame);
    }
  };

  while ((err = av_read_frame(d.fmt, d.packet)) >= 0) {
    if (d.packet->stream_index == index) {
      err = avcodec_send_packet(d.dec, d.packet);
      av_packet_unref(d.packet);
      // Tolerate a damaged packet in the middle of a file, as players do.
      if (err < 0 && err != AVERROR(EAGAIN) && err != AVERROR_INVALIDDATA)
        throw bad("decoding failed: " + avErrorText(err));
      drain();
    } else {
      av_packet_unref(d.packet);
    }
  }
  if (err != AVERROR_EOF) throw bad("reading failed: " + avErrorText(err));
  avcodec_send_packet(d.dec, nullptr);
  drain();
  if (!d.swr) throw bad("no audio samples");
  convert(nullptr);  // flush the resampler's tail
  clip->samples.shrink_to_fit();
  return clip;
}

}  // namespace mq::media
