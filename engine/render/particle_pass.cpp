#include "render/particle_pass.h"

#include <cstring>

#include "embedded_shaders.h"

namespace mq::render {

ParticlePass::ParticlePass(gpu::Device& device) : device_(device) {
  descriptors_ = std::make_unique<gpu::FrameDescriptors>(
      device,
      std::vector<VkDescriptorPoolSize>{
          {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 4 * kMaxEmittersPerFrame},
          {VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 2 * kMaxEmittersPerFrame},
          {VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, kMaxEmittersPerFrame}},
      2 * kMaxEmittersPerFrame);
  splat_ = device.shared<gpu::ComputePipeline>("particles_splat.comp", [&] {
    return new gpu::ComputePipeline(device, shaders::code("particles_splat.comp"),
                                    {{0, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER},
                                     {1, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER},
                                     {2, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER}},
                                    0, "particles_splat");
  });
  resolve_ = device.shared<gpu::ComputePipeline>("particles_resolve.comp", [&] {
    return new gpu::ComputePipeline(device, shaders::code("particles_resolve.comp"),
                                    {{0, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER},
                                     {1, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER},
                                     {2, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER},
                                     {3, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE}},
                                    0, "particles_resolve");
  });
  slots_.resize(gpu::Device::kFramesInFlight);
}

void ParticlePass::beginFrame(uint32_t slot) {
  slot_ = slot;
  descriptors_->beginFrame();
}

graph::ImageRef ParticlePass::add(graph::RenderGraph& g, graph::ImageRef atlas,
                                  const gpu::Image& atlasImage, const ParticleDraw& draw,
                                  size_t index) {
  std::vector<Buffers>& buffers = slots_[slot_];
  if (buffers.size() <= index) buffers.resize(index + 1);
  Buffers& b = buffers[index];
  if (!b.params) {
    b.params = device_.createBuffer(sizeof(GpuEmitter), VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
                                    gpu::MemoryUsage::Upload);
  }
  std::memcpy(b.params->mapped, &draw.gpu, sizeof(GpuEmitter));
  device_.flush(b.params);
  VkDeviceSize visBytes = VkDeviceSize(draw.width) * draw.height * 4;
  if (!b.visibility || b.visibility->size < visBytes) {
    b.visibility = device_.createBuffer(
        visBytes, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
        gpu::MemoryUsage::GpuOnly);
  }
  const gpu::Buffer& vis = b.visibility;
  const gpu::Buffer& params = b.params;
  std::string name = "particles" + std::to_string(index);
  // This slot's previous frame (finished before the slot came round) read it last.
  graph::BufferRef visRef =
      g.importBuffer(name + " visibility", {vis->size}, vis->buffer,
                     {VK_PIPELINE_STAGE_2_COMPUTE_SHADER_BIT, VK_ACCESS_2_SHADER_STORAGE_READ_BIT,
                      VK_IMAGE_LAYOUT_UNDEFINED},
                     {});
  g.addPass(
      name + " clear",
      [&](graph::PassBuilder& pb) { visRef = pb.write(visRef, graph::Access::TransferDst); },
      [visRef, visBytes](graph::PassContext& ctx) {
        vkCmdFillBuffer(ctx.commandBuffer(), ctx.buffer(visRef), 0, visBytes, 0);
      });
  uint32_t count = draw.gpu.info[1];
  g.addPass(
      name + " splat",
      [&](graph::PassBuilder& pb) {
        pb.read(atlas, graph::Access::ComputeSampledReadGeneral);  // sprites
        visRef = pb.write(visRef, graph::Access::ComputeStorageReadWrite);
      },
      [this, visRef, params, count, img = atlasImage](graph::PassContext& ctx) {
        VkDescriptorSet set = descriptors_->allocate(splat_->setLayout());
        gpu::DescriptorWrites(set)
            .buffer(0, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, params->buffer)
            .buffer(1, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, ctx.buffer(visRef))
            .image(2, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, device_.linearClampSampler(),
                   img->view)
            .update(device_.device());
        VkCommandBuffer cmd = ctx.commandBuffer();
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, splat_->pipeline());
        vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, splat_->layout(), 0, 1, &set,
                                0, nullptr);
        vkCmdDispatch(cmd, (count + 63) / 64, 1, 1);
      });
  uint32_t w = draw.gpu.region[2], h = draw.gpu.region[3];
  g.addPass(
      name + " resolve",
      [&](graph::PassBuilder& pb) {
        pb.read(visRef, graph::Access::ComputeStorageRead);
        atlas = pb.write(atlas, graph::Access::ComputeSampledStorageReadWrite);
      },
      [this, visRef, params, img = atlasImage, w, h](graph::PassContext& ctx) {
        VkDescriptorSet set = descriptors_->allocate(resolve_->setLayout());
        gpu::DescriptorWrites(set)
            .buffer(0, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, params->buffer)
            .buffer(1, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, ctx.buffer(visRef))
            .image(2, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, device_.linearClampSampler(),
                   img->view)
            .image(3, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_NULL_HANDLE, img->storageView)
            .update(device_.device());
        VkCommandBuffer cmd = ctx.commandBuffer();
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, resolve_->pipeline());
        vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, resolve_->layout(), 0, 1, &set,
                                0, nullptr);
        vkCmdDispatch(cmd, (w + 7) / 8, (h + 7) / 8, 1);
      });
  return atlas;
}

}  // namespace mq::render
