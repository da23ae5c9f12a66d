#include "render/preview_overlay.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.h"
#include "embedded_shaders.h"

namespace mq::render {
namespace {

struct PushConstants {
  uint32_t size[2];
  uint32_t stride;
  uint32_t chromaBase;
  float zebra;
  float peaking;
  uint32_t peakPixel;
  uint32_t peakChroma;
};

// An 8-bit value, rounded and clamped as the composite shaders write them.
uint32_t toByte(double v) {
  return uint32_t(std::clamp(std::floor(v + 0.5), 0.0, 255.0));
}

}  // namespace

PreviewOverlay::PreviewOverlay(gpu::Device& device, const Compositor& compositor,
                               PreviewSettings settings)
    : device_(device),
      width_(compositor.width()),
      height_(compositor.height()),
      stride_(compositor.stride()),
      format_(compositor.format()),
      settings_(settings) {
  bool nv12 = format_ == OutputFormat::Nv12;
  // The program is read one byte (NV12) or one pixel (RGBA8) per texel.
  uint64_t texels = nv12 ? uint64_t(stride_) * height_ * 3 / 2 : uint64_t(stride_) * height_;
  if (texels > device.limits().maxTexelBufferElements) {
    throw RuntimeError("the preview of a " + std::to_string(width_) + "x" +
                       std::to_string(height_) + " output needs " + std::to_string(texels) +
                       " texels in a texel buffer; " + device.name() + " allows " +
                       std::to_string(device.limits().maxTexelBufferElements));
  }
  const char* name = nv12 ? "preview_overlay:nv12" : "preview_overlay:rgba8";
  pipeline_ = device.shared<gpu::ComputePipeline>(name, [&] {
    std::array<uint32_t, 1> spec{nv12 ? 1u : 0u};
    return new gpu::ComputePipeline(
        device, shaders::code("preview_overlay.comp"),
        {{0, VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER}, {1, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER}},
        sizeof(PushConstants), name, spec);
  });
  descriptors_ = std::make_unique<gpu::FrameDescriptors>(
      device,
      std::vector<VkDescriptorPoolSize>{{VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, 1},
                                        {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1}},
      1);
}

void PreviewOverlay::addPasses(graph::RenderGraph& g, graph::BufferRef output,
                               const gpu::Buffer& program, uint32_t outputIndex) {
  // Once per frame, after Device::beginFrame(): this slot's previous sets are free.
  descriptors_->beginFrame();
  if (previews_.size() <= outputIndex) previews_.resize(outputIndex + 1);
  gpu::Buffer& preview = previews_[outputIndex];
  if (!preview) {
    preview = device_.createBuffer(program->size, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
                                   gpu::MemoryUsage::Readback);
  }
  bool nv12 = format_ == OutputFormat::Nv12;
  VkBufferView programView =
      device_.texelView(program, nv12 ? VK_FORMAT_R8_UINT : VK_FORMAT_R32_UINT);

  PushConstants push{};
  push.size[0] = width_;
  push.size[1] = height_;
  push.stride = stride_;
  push.chromaBase = stride_ * height_;
  // Half an 8-bit step below the level, so that float rounding of an 8-bit
  // luma (white's Y' may come out as 0.99999994) never decides a stripe.
  push.zebra = settings_.zebra ? float(settings_.zebraLevel - 1e-4) : 1e9f;
  push.peaking = float(1.0 - std::clamp(settings_.peakingSensitivity, 0.0, 1.0));
  const scene::Color& c = settings_.peakingColor;
  if (nv12) {
    // BT.709 limited range from the sRGB-encoded colour, as the NV12 composite converts.
    double r = c.r / 255.0, gr = c.g / 255.0, b = c.b / 255.0;
    double y = 0.2126 * r + 0.7152 * gr + 0.0722 * b;
    push.peakPixel = toByte(16 + 219 * y);
    push.peakChroma =
        toByte(128 + 224 * (b - y) / 1.8556) | (toByte(128 + 224 * (r - y) / 1.5748) << 8);
  } else {
    push.peakPixel = uint32_t(c.r) | uint32_t(c.g) << 8 | uint32_t(c.b) << 16 | 0xffu << 24;
  }

  graph::BufferRef target =
      g.importBuffer("preview", {preview->size}, preview->buffer, graph::ResourceState{},
                     graph::ResourceState{VK_PIPELINE_STAGE_2_HOST_BIT, VK_ACCESS_2_HOST_READ_BIT,
                                          VK_IMAGE_LAYOUT_UNDEFINED});
  g.addPass(
      "preview overlays",
      [&](graph::PassBuilder& b) {
        b.read(output, graph::Access::ComputeTexelBufferRead);
        target = b.write(target, graph::Access::ComputeStorageWrite);
      },
      [this, programView, target, push](graph::PassContext& ctx) {
        VkDescriptorSet set = descriptors_->allocate(pipeline_->setLayout());
        gpu::DescriptorWrites(set)
            .texelBuffer(0, programView)
            .buffer(1, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, ctx.buffer(target))
            .update(device_.device());
        VkCommandBuffer cmd = ctx.commandBuffer();
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline_->pipeline());
        vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline_->layout(), 0, 1,
                                &set, 0, nullptr);
        vkCmdPushConstants(cmd, pipeline_->layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(push),
                           &push);
        // 8x8 invocations of 4x2 pixels: 32x16 pixels a workgroup.
        vkCmdDispatch(cmd, (width_ + 31) / 32, (height_ + 15) / 16, 1);
      });
  g.markOutput(target);
}

FrameOutput PreviewOverlay::preview(const FrameTicket& ticket, const FrameOutput& program) {
  if (ticket.output >= previews_.size() || !previews_[ticket.output]) {
    throw RuntimeError("no preview was made of this frame (the overlay was added after it)");
  }
  gpu::Buffer buffer = previews_[ticket.output];
  device_.invalidate(buffer);
  FrameOutput out = program;
  out.bytes = {static_cast<const uint8_t*>(buffer->mapped), size_t(buffer->size)};
  out.buffer = buffer;
  out.lease =
      std::shared_ptr<void>(buffer->mapped, [buffer, programLease = program.lease](void*) mutable {
        programLease.reset();
        buffer.reset();
      });
  return out;
}

}  // namespace mq::render
