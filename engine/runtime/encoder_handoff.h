// How finished frames reach the video encoder, decided once per run: as CUDA
// frames straight from exported GPU memory (an NVIDIA GPU whose NVENC opens),
// or as host memory the GPU wrote (the mapped output ring; every other case).
// Both hand over the compositor's own buffers: nothing is copied on the CPU.
#pragma once

#include "gpu/device.h"
#include "media/encoder.h"
#include "render/compositor.h"

namespace mq::runtime {

// Resolves settings.videoCodec ("auto") and, on an NVIDIA Vulkan device that
// can export memory and a CUDA driver that sees it, sets settings.cuda when
// the chosen encoder takes CUDA frames. Returns whether the compositor's
// output must be exported (render::OutputSpec::exportForCuda). Logs why the
// CUDA path is not taken when an NVIDIA encoder was asked for.
bool prepareEncoderHandoff(const gpu::Device& device, media::EncoderSettings& settings);

// A finished NV12 frame as an encoder's planes: CUDA device pointers into the
// exported ring buffer when `cuda` is set (imported on first use; pass
// Encoder::cudaInterop()), else the mapped bytes.
media::VideoPlanes encoderPlanes(gpu::Device& device, const render::FrameOutput& frame,
                                 media::CudaInterop* cuda);

}  // namespace mq::runtime
