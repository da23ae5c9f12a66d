// Frame handoff benchmark: the zero-copy path (the compositor writes NV12 into
// mapped memory and the encoder reads it there) against the conventional
// readback path (the compositor writes RGBA, the CPU copies it out and
// converts it to NV12 with libswscale, then the encoder reads that copy).
// Same scene, same frames, same encoder settings, same run.
//
//   marquee_handoff_bench [SCENE] [--frames N] [--output-size WxH] [--codec NAME]
//
// Prints, for each path: frames per second end to end (composite + handoff +
// H.264 encode to a temporary .mkv), the CPU time of the handoff alone per
// frame (from the GPU's output to the encoder's input), CPU bytes copied per
// frame; then the ratio of the two rates. JSON goes to stdout's last line.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "gpu/device.h"
#include "media/encoder.h"
#include "render/compositor.h"
#include "runtime/show_media.h"
#include "scene/scene.h"

extern "C" {
#include <libswscale/swscale.h>
}

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Result {
  double fps = 0;
  double handoffMsPerFrame = 0;
  double copyBytesPerFrame = 0;
  double gpuMsP50 = 0;
};

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

Result run(bool zeroCopy, mq::gpu::Device& device, const mq::scene::Scene& scene, uint32_t w,
           uint32_t h, int frames, const std::string& codec, const fs::path& out) {
  mq::render::OutputSpec spec{
      w, h, zeroCopy ? mq::render::OutputFormat::Nv12 : mq::render::OutputFormat::Rgba8};
  mq::render::Compositor compositor(device, scene, spec);
  mq::runtime::ShowMedia media(scene, scene.canvas.fps, {});
  mq::media::EncoderSettings settings;
  settings.width = int(w);
  settings.height = int(h);
  settings.fps = scene.canvas.fps;
  settings.videoCodec = codec;
  mq::media::Encoder encoder(settings, {out.string()});

  // The readback path's CPU buffers: the copied RGBA frame and the NV12 frame
  // libswscale converts it into (the encoder reads the latter).
  std::vector<uint8_t> rgba(size_t(w) * h * 4);
  std::vector<uint8_t> nv12(size_t(w) * h * 3 / 2);
  SwsContext* sws = nullptr;
  if (!zeroCopy) {
    sws = sws_getContext(int(w), int(h), AV_PIX_FMT_RGBA, int(w), int(h), AV_PIX_FMT_NV12,
                         SWS_BILINEAR, nullptr, nullptr, nullptr);
    const int* bt709 = sws_getCoefficients(SWS_CS_ITU709);
    sws_setColorspaceDetails(sws, bt709, 1, bt709, 0, 0, 1 << 16, 1 << 16);
  }
  uint64_t copied = 0;
  double handoffMs = 0;
  std::vector<double> gpuMs;
  std::vector<float> audio;
  int64_t index = 0;
  auto consume = [&](const mq::render::FrameTicket& t) {
    mq::render::FrameOutput f = compositor.wait(t);
    gpuMs.push_back(f.gpuMs);
    auto start = Clock::now();
    mq::media::VideoPlanes planes;
    if (zeroCopy) {
      uint8_t* y = const_cast<uint8_t*>(f.bytes.data());
      planes.data[0] = y;
      planes.data[1] = y + size_t(f.stride) * f.height;
      planes.linesize[0] = planes.linesize[1] = int(f.stride);
      encoder.submitVideo(planes, index++, [lease = f.lease]() mutable { lease.reset(); });
    } else {
      for (uint32_t row = 0; row < h; ++row)
        std::memcpy(&rgba[size_t(row) * w * 4], &f.bytes[size_t(row) * f.stride * 4],
                    size_t(w) * 4);
      copied += uint64_t(w) * h * 4;
      f.lease.reset();  // the GPU's buffer is free once copied
      const uint8_t* src[1] = {rgba.data()};
      int srcStride[1] = {int(w) * 4};
      uint8_t* dst[2] = {nv12.data(), nv12.data() + size_t(w) * h};
      int dstStride[2] = {int(w), int(w)};
      sws_scale(sws, src, srcStride, 0, int(h), dst, dstStride);
      copied += uint64_t(w) * h * 3 / 2;  // written by the CPU conversion
      planes.data[0] = dst[0];
      planes.data[1] = dst[1];
      planes.linesize[0] = planes.linesize[1] = int(w);
      // The encoder is done with the picture when it releases it; wait, so
      // the next conversion cannot overwrite it (one CPU buffer).
      std::atomic<bool> released{false};
      encoder.submitVideo(planes, index++, [&released] { released = true; });
      while (!released) std::this_thread::yield();
    }
    handoffMs += ms(Clock::now() - start);
  };
  auto start = Clock::now();
  std::optional<mq::render::FrameTicket> previous;
  for (int n = 0; n < frames; ++n) {
    mq::render::FrameTicket t =
        compositor.submit(mq::frameTimeSeconds(n, scene.canvas.fps), media.videoFrames(n));
    media.mixAudio(n, audio);
    encoder.submitAudio(audio.data(), int(audio.size() / 2));
    if (previous) consume(*previous);
    previous = t;
  }
  if (previous) consume(*previous);
  encoder.finish();
  double wall = std::chrono::duration<double>(Clock::now() - start).count();
  if (sws) sws_freeContext(sws);
  std::sort(gpuMs.begin(), gpuMs.end());
  Result r;
  r.fps = frames / wall;
  r.handoffMsPerFrame = handoffMs / frames;
  r.copyBytesPerFrame =
      double(zeroCopy ? encoder.cpuPixelCopyBytes() : copied + encoder.cpuPixelCopyBytes()) /
      frames;
  r.gpuMsP50 = gpuMs[gpuMs.size() / 2];
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string scenePath = MARQUEE_SOURCE_DIR "/scenes/default.json";
    int frames = 90;
    uint32_t w = 0, h = 0;
    std::string codec = "libx264";
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      auto next = [&]() -> std::string {
        if (i + 1 >= argc) throw mq::UserError(a + " needs a value");
        return argv[++i];
      };
      if (a == "--frames")
        frames = std::max(1, std::stoi(next()));
      else if (a == "--output-size") {
        std::string s = next();
        if (std::sscanf(s.c_str(), "%ux%u", &w, &h) != 2) throw mq::UserError("--output-size WxH");
      } else if (a == "--codec")
        codec = next();
      else
        scenePath = a;
    }
    mq::scene::Scene scene = mq::scene::loadScene(scenePath);
    if (!w) w = uint32_t(scene.canvas.width), h = uint32_t(scene.canvas.height);
    mq::gpu::Device device({});
    fs::path tmp = fs::temp_directory_path() / "marquee-handoff-bench.mkv";
    std::printf("scene %s, %ux%u, %d frames, %s, device %s\n", scenePath.c_str(), w, h, frames,
                codec.c_str(), device.name().c_str());
    Result zero = run(true, device, scene, w, h, frames, codec, tmp);
    Result readback = run(false, device, scene, w, h, frames, codec, tmp);
    fs::remove(tmp);
    auto print = [](const char* name, const Result& r) {
      std::printf(
          "%-28s %6.2f fps   handoff %7.3f ms/frame   CPU copies %10.0f bytes/frame   "
          "GPU p50 %6.1f ms\n",
          name, r.fps, r.handoffMsPerFrame, r.copyBytesPerFrame, r.gpuMsP50);
    };
    print("zero-copy (mapped NV12)", zero);
    print("readback + sws_scale", readback);
    std::printf("ratio zero-copy / readback: %.3f (end to end), handoff %.1fx cheaper\n",
                zero.fps / readback.fps,
                readback.handoffMsPerFrame / std::max(1e-6, zero.handoffMsPerFrame));
    nlohmann::ordered_json j = {{"device", device.name()},
                                {"width", w},
                                {"height", h},
                                {"frames", frames},
                                {"zero_copy",
                                 {{"fps", zero.fps},
                                  {"handoff_ms", zero.handoffMsPerFrame},
                                  {"cpu_copy_bytes_per_frame", zero.copyBytesPerFrame}}},
                                {"readback_sws",
                                 {{"fps", readback.fps},
                                  {"handoff_ms", readback.handoffMsPerFrame},
                                  {"cpu_copy_bytes_per_frame", readback.copyBytesPerFrame}}},
                                {"ratio", zero.fps / readback.fps}};
    std::printf("%s\n", j.dump().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "marquee_handoff_bench: %s\n", e.what());
    return 1;
  }
}
