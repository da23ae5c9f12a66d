// The NVENC handoff on an NVIDIA GPU, end to end (run by hand there; CI has
// no NVIDIA GPU, and tests/gpu/export_handoff_test.cpp checks the Vulkan half
// on lavapipe):
//   1. the Vulkan device is matched to its CUDA device by UUID;
//   2. the default show is rendered twice, once into the mapped output ring
//      and once into the exported ring; every exported frame is read through
//      its CUDA device pointer (CudaInterop::download) and must equal the
//      mapped frame byte for byte;
//   3. the encoder is resolved as `marquee render` does ("auto"): where an
//      NVENC session opens, the frames are encoded as CUDA frames to OUT.mp4
//      with no CPU pixel copy; where none opens (GPUs without a video
//      encoder), the reason is printed.
//
//   marquee_nvidia_handoff_check [--frames N] [--out OUT.mp4] [--scene SCENE]
// (SCENE defaults to the source tree's scenes/default.json)
// Exit status: 0 all checks passed; 1 a check failed; 77 not an NVIDIA GPU.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "gpu/device.h"
#include "media/cuda_interop.h"
#include "media/encoder.h"
#include "render/compositor.h"
#include "runtime/encoder_handoff.h"
#include "runtime/show_media.h"
#include "scene/scene.h"

using namespace mq;

namespace {

using Frames = std::vector<std::vector<uint8_t>>;

// Renders `frames` frames of `scene`, two in flight, handing each finished
// frame to `take`.
template <typename Take>
void renderFrames(gpu::Device& device, const scene::Scene& scene, bool exported, int frames,
                  Take take) {
  render::OutputSpec spec{0, 0, render::OutputFormat::Nv12};
  spec.exportForCuda = exported;
  render::Compositor comp(device, scene, spec);
  runtime::ShowMedia media(scene, scene.canvas.fps, {});
  std::optional<render::FrameTicket> pending;
  for (int n = 0; n < frames; ++n) {
    render::FrameTicket t = comp.submit(n / scene.canvas.fps.toDouble(), media.videoFrames(n));
    if (pending) take(comp.wait(*pending));
    pending = t;
  }
  take(comp.wait(*pending));
}

int run(int frames, const std::string& out, const std::string& scenePath) {
  gpu::Device device(gpu::DeviceOptions{});
  std::printf("device: %s (vendor 0x%04x), export memory: %s\n", device.name().c_str(),
              device.vendorId(), device.canExportMemory() ? "yes" : "no");
  if (device.vendorId() != 0x10de) {
    std::printf("not an NVIDIA GPU: nothing to check\n");
    return 77;
  }
  std::string why;
  std::shared_ptr<media::CudaInterop> cuda = media::CudaInterop::open(device.deviceUuid(), &why);
  if (!cuda) {
    std::printf("FAIL: no CUDA interop: %s\n", why.c_str());
    return 1;
  }
  std::printf("CUDA device %d is the Vulkan device (UUID match)\n", cuda->cudaDeviceIndex());

  scene::Scene scene = scene::loadScene(scenePath);
  Frames mapped;
  renderFrames(device, scene, false, frames, [&](const render::FrameOutput& f) {
    const size_t rows = size_t(f.height) * 3 / 2;
    std::vector<uint8_t> packed(size_t(f.width) * rows);
    for (size_t r = 0; r < rows; ++r)
      std::memcpy(&packed[r * f.width], f.bytes.data() + r * f.stride, f.width);
    mapped.push_back(std::move(packed));
  });
  int same = 0, index = 0;
  uint32_t pitch = 0;
  renderFrames(device, scene, true, frames, [&](const render::FrameOutput& f) {
    media::VideoPlanes planes = runtime::encoderPlanes(device, f, cuda.get());
    pitch = f.stride;
    std::vector<uint8_t> seen(size_t(f.width) * f.height * 3 / 2);
    const auto y = reinterpret_cast<uint64_t>(planes.data[0]);
    const auto uv = reinterpret_cast<uint64_t>(planes.data[1]);
    cuda->download(y, planes.linesize[0], int(f.width), int(f.height), seen.data());
    cuda->download(uv, planes.linesize[1], int(f.width), int(f.height / 2),
                   seen.data() + size_t(f.width) * f.height);
    same += seen == mapped[size_t(index++)] ? 1 : 0;
  });
  std::printf(
      "CUDA reads of the exported ring (pitch %u): %d of %d frames identical to the "
      "mapped path\n",
      pitch, same, frames);
  if (same != frames) return 1;

  media::EncoderSettings settings;
  settings.width = scene.canvas.width;
  settings.height = scene.canvas.height;
  settings.fps = scene.canvas.fps;
  settings.audio = false;
  settings.videoBitrate = 6'000'000;
  const bool exported = runtime::prepareEncoderHandoff(device, settings);
  std::printf("encoder for \"auto\": %s, CUDA frames: %s\n", settings.videoCodec.c_str(),
              exported ? "yes" : "no");
  if (!exported) {
    std::printf("no NVENC session on this GPU: the CUDA frame encode was not run\n");
    return 0;
  }
  media::Encoder encoder(settings, {out});
  if (!encoder.cudaInterop()) {
    std::printf("FAIL: the encoder does not take CUDA frames\n");
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  int64_t n = 0;
  renderFrames(device, scene, true, frames, [&](const render::FrameOutput& f) {
    encoder.submitVideo(runtime::encoderPlanes(device, f, encoder.cudaInterop()), n++,
                        [lease = f.lease]() mutable { lease.reset(); });
  });
  encoder.finish();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "encoded %llu frames with %s to %s in %.2f s (%.1f fps), CPU pixel copies: %llu "
      "bytes\n",
      static_cast<unsigned long long>(encoder.framesEncoded()), encoder.videoEncoderName().c_str(),
      out.c_str(), wall, double(frames) / wall,
      static_cast<unsigned long long>(encoder.cpuPixelCopyBytes()));
  return encoder.framesEncoded() == uint64_t(frames) && encoder.cpuPixelCopyBytes() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int frames = 60;
  std::string out = "nvenc_handoff.mp4";
  std::string scenePath = std::string(MARQUEE_SOURCE_DIR) + "/scenes/default.json";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--frames" && i + 1 < argc) {
      frames = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--out" && i + 1 < argc) {
      out = argv[++i];
    } else if (a == "--scene" && i + 1 < argc) {
      scenePath = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: marquee_nvidia_handoff_check [--frames N] [--out OUT.mp4] "
                   "[--scene SCENE]\n");
      return 2;
    }
  }
  try {
    return run(frames, out, scenePath);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FAIL: %s\n", e.what());
    return 1;
  }
}
