#include "runtime/encoder_handoff.h"

#include "core/error.h"
#include "core/log.h"
#include "media/cuda_interop.h"

namespace mq::runtime {

namespace {

constexpr uint32_t kNvidiaVendorId = 0x10de;

}  // namespace

bool prepareEncoderHandoff(const gpu::Device& device, media::EncoderSettings& settings) {
  settings.cuda.reset();
  if (device.vendorId() == kNvidiaVendorId && media::mayTakeCudaFrames(settings.videoCodec)) {
    std::string why;
    if (!device.canExportMemory())
      why = device.name() + " cannot export memory (no VK_KHR_external_memory_fd)";
    else
      settings.cuda = media::CudaInterop::open(device.deviceUuid(), &why);
    if (!settings.cuda) log::info("no CUDA frame handoff: ", why);
  }
  media::resolveVideoEncoder(settings);
  return settings.cuda != nullptr;
}

media::VideoPlanes encoderPlanes(gpu::Device& device, const render::FrameOutput& frame,
                                 media::CudaInterop* cuda) {
  media::VideoPlanes planes;
  planes.layout = media::VideoPlanes::Layout::Nv12;
  planes.linesize[0] = planes.linesize[1] = int(frame.stride);
  const size_t lumaBytes = size_t(frame.stride) * frame.height;
  if (cuda) {
    const gpu::Buffer& buffer = frame.buffer;
    MQ_CHECK(buffer && !buffer->mapped);
    const uint64_t base = cuda->devicePointer(buffer, buffer->allocationSize,
                                              [&] { return device.exportMemoryFd(buffer); });
    planes.cuda = true;
    planes.data[0] = reinterpret_cast<uint8_t*>(base);
    planes.data[1] = reinterpret_cast<uint8_t*>(base + lumaBytes);
  } else {
    MQ_CHECK(!frame.bytes.empty());
    uint8_t* y = const_cast<uint8_t*>(frame.bytes.data());
    planes.data[0] = y;
    planes.data[1] = y + lumaBytes;
  }
  return planes;
}

}  // namespace mq::runtime
